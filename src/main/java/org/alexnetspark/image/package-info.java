/**
 * Image decoding, resizing and encoding on OpenCV (libjpeg-turbo inside), shared by the prepare
 * job, the statistics job and the augmentation: {@link org.alexnetspark.image.ImageCodec} turns
 * bytes into {@link org.alexnetspark.image.Image}s (8-bit BGR pixels on the Java heap) and back.
 */
package org.alexnetspark.image;

/**
 * Image decoding, resizing and encoding. {@link org.alexnetspark.image.ImageCodec} (OpenCV, which
 * reads every common format and applies the EXIF orientation) turns bytes into {@link
 * org.alexnetspark.image.Image}s (8-bit BGR pixels on the Java heap) and back, for the input files
 * of {@code prepare} and of prediction; {@link org.alexnetspark.image.JpegDecoder} decodes the
 * stored JPEGs of the shards on the hot path, with the system's libjpeg-turbo (TurboJPEG through
 * JNA) when it can be loaded, otherwise OpenCV; {@link org.alexnetspark.image.JpegIntegrity} finds
 * JPEGs whose compressed data is damaged although they still decode; {@link
 * org.alexnetspark.image.ImageHeader} and {@link org.alexnetspark.image.ImageTraits} read what a
 * file declares (size; colour model, bits per sample, EXIF orientation) before anything is decoded.
 */
package org.alexnetspark.image;

/**
 * Image features: the activations of the network's last hidden layer ({@code fc7}, 4096 values for
 * the paper's network) for every image of a prepared dataset, on Spark ({@link
 * org.alexnetspark.features.FeatureJob}), and the training images nearest to query images in that
 * space, drawn as the paper's Figure 4 ({@link org.alexnetspark.features.NeighborsJob}).
 */
package org.alexnetspark.features;

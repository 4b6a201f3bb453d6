/**
 * Using a trained model: loading it with its normalisation ({@link
 * org.alexnetspark.inference.TrainedModel}, through {@link org.alexnetspark.model.ModelStore},
 * which owns the model folder's format), turning minibatches into class probabilities with the
 * paper's ten-crop averaging ({@link org.alexnetspark.inference.Scores}), making image files into
 * network inputs the way the training images were made ({@link
 * org.alexnetspark.inference.ImageFiles}), the copy of the network sent to Spark executors ({@link
 * org.alexnetspark.inference.NetworkCopy}), and the executor-side loop that runs it over a
 * partition's shards ({@link org.alexnetspark.inference.ShardInference}). Shared by evaluation,
 * prediction and feature extraction.
 */
package org.alexnetspark.inference;

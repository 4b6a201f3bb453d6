/**
 * Using a trained model: loading it with its normalisation ({@link
 * org.alexnetspark.inference.TrainedModel}) and turning minibatches into class probabilities with
 * the paper's ten-crop averaging ({@link org.alexnetspark.inference.Scores}). Shared by evaluation,
 * prediction and feature extraction.
 */
package org.alexnetspark.inference;

package org.alexnetspark.model;

import org.alexnetspark.stats.DatasetStats;

/**
 * The training set's statistics a model's inputs are normalised with, kept in the model folder
 * ({@link ModelStore#STATS_FILE}, {@link ModelStore#MEAN_IMAGE_FILE}) so that a model can be used
 * without the dataset it was trained on.
 *
 * @param stats the training set's statistics (channel means, RGB eigenvectors for PCA lighting,
 *     image size)
 * @param meanImage the training set's mean image, RGB planes of {@code stats.imageSize()} squared
 *     values each, 0..255
 */
public record Normalisation(DatasetStats stats, float[] meanImage) {}

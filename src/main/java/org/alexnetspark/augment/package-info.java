/**
 * The paper's augmentation as plain, seeded functions of (decoded image, random source): random
 * crops, horizontal mirrors, PCA colour noise and mean subtraction for training; the centre crop
 * and the ten crops for evaluation. Output goes straight into NCHW float batches for DL4J. No
 * Spark.
 */
package org.alexnetspark.augment;

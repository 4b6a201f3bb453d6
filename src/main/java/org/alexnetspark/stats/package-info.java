/**
 * Training-set statistics: the per-pixel mean image, the per-channel mean and the 3x3 RGB
 * covariance with its eigen-decomposition (for the paper's PCA colour noise), computed exactly with
 * integer sums by a Spark job over the shards.
 */
package org.alexnetspark.stats;

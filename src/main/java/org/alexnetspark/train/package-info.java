/**
 * Distributed training: the epoch loop on the driver, parameter averaging over Spark (all use of
 * dl4j-spark is in {@link org.alexnetspark.train.ParameterAveraging}), GPU assignment of workers,
 * the learning-rate schedule, checkpoints, metrics and training curves.
 */
package org.alexnetspark.train;

/**
 * Distributed training: the epoch loop on the driver ({@link org.alexnetspark.train.TrainJob}),
 * with validation, the learning-rate schedule, checkpoints, metrics and training curves as
 * listeners fired by triggers; the number of workers; checks before a run is resumed. Parameter
 * averaging goes through {@link org.alexnetspark.train.ParameterAveraging}, the one class the loop
 * uses for it; dl4j-spark is used there and in {@code org.alexnetspark.train.averaging}, and
 * nowhere else.
 */
package org.alexnetspark.train;

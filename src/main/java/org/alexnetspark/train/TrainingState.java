package org.alexnetspark.train;

import java.io.Serializable;
import java.util.List;

/**
 * Everything besides the network needed to continue a run exactly where it stopped; saved as
 * {@code state.json} in every checkpoint.
 *
 * @param epoch completed epochs
 * @param job Spark jobs (groups of averaging rounds) completed within the current epoch
 * @param iteration minibatches fitted per worker since the start
 * @param images images fitted since the start
 * @param schedule the learning-rate schedule
 * @param trainSeed seed of each epoch's minibatch order
 * @param augmentSeed seed of the augmentation
 * @param epochs metrics of each completed epoch
 */
public record TrainingState(int epoch, int job, long iteration, long images,
    LearningRateSchedule.State schedule, long trainSeed, long augmentSeed,
    List<EpochMetrics> epochs) implements Serializable {

  public TrainingState {
    epochs = List.copyOf(epochs);
  }

  /**
   * One finished epoch.
   *
   * @param epoch 1-based
   * @param iteration iterations done at its end
   * @param loss mean training loss of its last averaging rounds
   * @param learningRate the rate it was trained with
   * @param valTop1 validation top-1 accuracy (NaN without validation)
   * @param valTop5 validation top-5 accuracy
   * @param seconds wall time of the epoch, validation included
   */
  public record EpochMetrics(int epoch, long iteration, double loss, double learningRate,
      double valTop1, double valTop5, double seconds) implements Serializable {}
}

package org.alexnetspark.train;

import java.io.Serializable;
import java.util.ArrayList;
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

  /** A run before its first minibatch. */
  public static TrainingState start(LearningRateSchedule.State schedule, long trainSeed,
      long augmentSeed) {
    return new TrainingState(0, 0, 0, 0, schedule, trainSeed, augmentSeed, List.of());
  }

  /** After Spark job {@code job} of epoch {@code epoch} fitted {@code iterations} and {@code fitted} images. */
  public TrainingState afterJob(int epoch, int job, long iterations, long fitted) {
    return new TrainingState(epoch, job + 1, iteration + iterations, images + fitted, schedule,
        trainSeed, augmentSeed, epochs);
  }

  /** At the end of an epoch: the next one starts from its first job. */
  public TrainingState afterEpoch(EpochMetrics metrics) {
    List<EpochMetrics> all = new ArrayList<>(epochs);
    all.add(metrics);
    return new TrainingState(metrics.epoch(), 0, iteration, images, schedule, trainSeed,
        augmentSeed, all);
  }

  /** The last finished epoch's metrics, or null before the first. */
  public EpochMetrics lastEpoch() {
    return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
  }

  /** This state with the last epoch's metrics replaced. */
  public TrainingState withLastEpoch(EpochMetrics metrics) {
    List<EpochMetrics> all = new ArrayList<>(epochs);
    all.set(all.size() - 1, metrics);
    return new TrainingState(epoch, job, iteration, images, schedule, trainSeed, augmentSeed, all);
  }

  /** This state with the schedule's new position. */
  public TrainingState withSchedule(LearningRateSchedule.State next) {
    return new TrainingState(epoch, job, iteration, images, next, trainSeed, augmentSeed, epochs);
  }
}

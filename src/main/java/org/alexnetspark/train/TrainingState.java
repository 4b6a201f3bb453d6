package org.alexnetspark.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything besides the network needed to continue a run exactly where it stopped; saved as {@code
 * state.json} in every checkpoint.
 *
 * <p>The position is tied to the data, not to the cluster: {@code batch} counts the minibatches of
 * epoch {@code epoch}'s plan already fitted, and that plan depends only on the dataset, the batch
 * size and the seed, so a run resumed with another number of workers carries on with the very next
 * minibatch.
 *
 * @param epoch epochs whose minibatches have all been fitted
 * @param batch minibatches of the next epoch's plan already fitted
 * @param validated whether epoch {@code epoch} has been validated and the schedule moved on (a
 *     checkpoint taken at an epoch's end, before validation, is not)
 * @param iteration minibatches fitted per worker since the start
 * @param images images fitted since the start
 * @param schedule the learning-rate schedule
 * @param trainSeed seed of each epoch's minibatch order
 * @param augmentSeed seed of the augmentation
 * @param rollbacks times the run went back to a checkpoint after diverging
 * @param dataSha256 SHA-256 of the training set's manifest: a resumed run must train on the same
 *     data
 * @param epochs metrics of each finished epoch
 */
public record TrainingState(
    int epoch,
    int batch,
    boolean validated,
    long iteration,
    long images,
    LearningRateSchedule.State schedule,
    long trainSeed,
    long augmentSeed,
    int rollbacks,
    String dataSha256,
    List<EpochMetrics> epochs)
    implements Serializable {

  public TrainingState {
    epochs = List.copyOf(epochs);
  }

  /** A run before its first minibatch. */
  public static TrainingState start(
      LearningRateSchedule.State schedule, long trainSeed, long augmentSeed, String dataSha256) {
    return new TrainingState(
        0, 0, true, 0, 0, schedule, trainSeed, augmentSeed, 0, dataSha256, List.of());
  }

  /**
   * After {@code minibatches} more minibatches of the current epoch ({@code iterations} per worker,
   * {@code fitted} images).
   */
  public TrainingState afterJob(int minibatches, long iterations, long fitted) {
    Copy next = new Copy(this);
    next.batch += minibatches;
    next.iteration += iterations;
    next.images += fitted;
    return next.build();
  }

  /** At the end of an epoch's training: the next one starts at its first minibatch, unvalidated. */
  public TrainingState afterEpoch(EpochMetrics metrics) {
    Copy next = new Copy(this);
    next.epoch = metrics.epoch();
    next.batch = 0;
    next.validated = false;
    next.epochs.add(metrics);
    return next.build();
  }

  /** After validation and the schedule have had their say on the last epoch. */
  public TrainingState asValidated() {
    Copy next = new Copy(this);
    next.validated = true;
    return next.build();
  }

  /**
   * After going back to a checkpoint because training diverged: the run's rollback count and the
   * schedule's state after the rollback ({@link LearningRateSchedule#afterRollback}).
   */
  public TrainingState rolledBack(int rollbackCount, LearningRateSchedule.State cut) {
    Copy next = new Copy(this);
    next.rollbacks = rollbackCount;
    next.schedule = cut;
    return next.build();
  }

  /** The last finished epoch's metrics, or null before the first. */
  public EpochMetrics lastEpoch() {
    return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
  }

  /** This state with the last epoch's metrics replaced. */
  public TrainingState withLastEpoch(EpochMetrics metrics) {
    Copy next = new Copy(this);
    next.epochs.set(next.epochs.size() - 1, metrics);
    return next.build();
  }

  /** This state with the schedule's new position. */
  public TrainingState withSchedule(LearningRateSchedule.State schedule) {
    Copy next = new Copy(this);
    next.schedule = schedule;
    return next.build();
  }

  /** A changeable copy of a state, so that each step above names only the fields it changes. */
  private static final class Copy {
    private int epoch;
    private int batch;
    private boolean validated;
    private long iteration;
    private long images;
    private LearningRateSchedule.State schedule;
    private final long trainSeed;
    private final long augmentSeed;
    private int rollbacks;
    private final String dataSha256;
    private final List<EpochMetrics> epochs;

    private Copy(TrainingState state) {
      epoch = state.epoch;
      batch = state.batch;
      validated = state.validated;
      iteration = state.iteration;
      images = state.images;
      schedule = state.schedule;
      trainSeed = state.trainSeed;
      augmentSeed = state.augmentSeed;
      rollbacks = state.rollbacks;
      dataSha256 = state.dataSha256;
      epochs = new ArrayList<>(state.epochs);
    }

    private TrainingState build() {
      return new TrainingState(
          epoch,
          batch,
          validated,
          iteration,
          images,
          schedule,
          trainSeed,
          augmentSeed,
          rollbacks,
          dataSha256,
          epochs);
    }
  }
}

package org.alexnetspark.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The training figures of the driver's running job, as its metrics system reads them: the latest
 * value of each gauge and the count of each counter. The training loop writes them as rounds and
 * epochs end; {@link TrainingMetricsPlugin} registers them with Spark. A value not yet known reads
 * as NaN (gauges) or 0 (counters).
 */
public final class TrainingGauges {
  private static volatile Round round = new Round(0, 0, Double.NaN, Double.NaN, Double.NaN, 0, 0);
  private static volatile double validationTop1 = Double.NaN;
  private static volatile double validationTop5 = Double.NaN;
  private static final AtomicLong CHECKPOINTS = new AtomicLong();
  private static final AtomicLong RETRIES = new AtomicLong();
  private static final AtomicLong ROLLBACKS = new AtomicLong();

  private TrainingGauges() {}

  /** One job of averaging rounds, as the gauges show it. */
  private record Round(
      int epoch,
      long iteration,
      double loss,
      double learningRate,
      double imagesPerSecond,
      double seconds,
      double secondsAveraging) {}

  /**
   * A Spark job of averaging rounds ended.
   *
   * @param epoch 1-based epoch
   * @param iteration minibatches fitted per worker since the start
   * @param loss mean training loss of the job's last round
   * @param learningRate the rate the job fitted with
   * @param imagesPerSecond images fitted per second of wall time
   * @param seconds wall time of the job
   * @param secondsAveraging the part of it spent outside fitting (averaging, broadcasting)
   */
  public static void roundEnded(
      int epoch,
      long iteration,
      double loss,
      double learningRate,
      double imagesPerSecond,
      double seconds,
      double secondsAveraging) {
    round =
        new Round(epoch, iteration, loss, learningRate, imagesPerSecond, seconds, secondsAveraging);
  }

  /** An epoch was validated: its top-1 and top-5 accuracy on the validation set. */
  public static void validated(double top1, double top5) {
    validationTop1 = top1;
    validationTop5 = top5;
  }

  /** A checkpoint was written and sealed. */
  public static void checkpointWritten() {
    CHECKPOINTS.incrementAndGet();
  }

  /** A failed training job was retried from a checkpoint. */
  public static void retried() {
    RETRIES.incrementAndGet();
  }

  /** A diverged run was rolled back to a checkpoint. */
  public static void rolledBack() {
    ROLLBACKS.incrementAndGet();
  }

  /** The current epoch (1-based; 0 before the first round ends). */
  public static int epoch() {
    return round.epoch();
  }

  /** Minibatches fitted per worker since the start of the run. */
  public static long iteration() {
    return round.iteration();
  }

  /** Mean training loss of the latest round. */
  public static double loss() {
    return round.loss();
  }

  /** The learning rate of the latest round. */
  public static double learningRate() {
    return round.learningRate();
  }

  /** Images fitted per second of wall time in the latest job of rounds. */
  public static double imagesPerSecond() {
    return round.imagesPerSecond();
  }

  /** Wall time of the latest job of rounds, in seconds. */
  public static double roundSeconds() {
    return round.seconds();
  }

  /** Share of the latest job's wall time spent outside fitting (0..1), NaN before the first. */
  public static double averagingShare() {
    Round r = round;
    return r.seconds() > 0 ? r.secondsAveraging() / r.seconds() : Double.NaN;
  }

  /** Top-1 accuracy of the latest validation (0..1). */
  public static double validationTop1() {
    return validationTop1;
  }

  /** Top-5 accuracy of the latest validation (0..1). */
  public static double validationTop5() {
    return validationTop5;
  }

  /** Checkpoints written since this driver started. */
  public static long checkpointsWritten() {
    return CHECKPOINTS.get();
  }

  /** Failed jobs retried since this driver started. */
  public static long retries() {
    return RETRIES.get();
  }

  /** Rollbacks after divergence since this driver started. */
  public static long rollbacks() {
    return ROLLBACKS.get();
  }
}

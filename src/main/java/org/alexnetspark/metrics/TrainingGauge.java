package org.alexnetspark.metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The training figures of the driver's running job, as its metrics system reads them: the latest
 * value of each gauge and the count of each counter. The training loop writes them as rounds and
 * epochs end; {@link TrainingMetricsPlugin} registers each under its {@link #metricName()}. A value
 * not yet known reads as NaN (figures) or 0 (whole numbers and counts).
 */
public enum TrainingGauge {
  /** The current epoch (1-based; 0 before the first round ends). */
  EPOCH("epoch", true),
  /** Minibatches fitted per worker since the start of the run. */
  ITERATION("iteration", true),
  /** Mean training loss of the latest round. */
  LOSS("loss", false),
  /** The learning rate of the latest round. */
  LEARNING_RATE("learningRate", false),
  /** Images fitted per second of wall time in the latest job of rounds. */
  IMAGES_PER_SECOND("imagesPerSecond", false),
  /** Wall time of the latest job of rounds, in seconds. */
  ROUND_SECONDS("roundSeconds", false),
  /** Share of the latest job's wall time spent outside fitting (0..1). */
  AVERAGING_SHARE("averagingShare", false),
  /** Top-1 accuracy of the latest validation (0..1). */
  VALIDATION_TOP1("validationTop1", false),
  /** Top-5 accuracy of the latest validation (0..1). */
  VALIDATION_TOP5("validationTop5", false),
  /** Checkpoints written and sealed since this driver started. */
  CHECKPOINTS_WRITTEN("checkpointsWritten", true),
  /** Failed training jobs retried from a checkpoint since this driver started. */
  RETRIES("retries", true),
  /** Diverged runs rolled back to a checkpoint since this driver started. */
  ROLLBACKS("rollbacks", true);

  private final String metricName;
  private final boolean whole;
  private final AtomicLong bits;

  TrainingGauge(String metricName, boolean whole) {
    this.metricName = metricName;
    this.whole = whole;
    this.bits = new AtomicLong(whole ? 0 : Double.doubleToLongBits(Double.NaN));
  }

  /** The name the metrics system shows it under. */
  public String metricName() {
    return metricName;
  }

  /** Sets the latest value (a whole-number gauge keeps the whole part). */
  public void set(double value) {
    bits.set(whole ? (long) value : Double.doubleToLongBits(value));
  }

  /** Adds one to a count. */
  public void increment() {
    if (!whole) {
      throw new IllegalStateException(metricName + " is not a count");
    }
    bits.incrementAndGet();
  }

  /** The latest value: a {@code Long} for whole numbers and counts, else a {@code Double}. */
  public Number value() {
    long raw = bits.get();
    return whole ? (Number) raw : (Number) Double.longBitsToDouble(raw);
  }
}

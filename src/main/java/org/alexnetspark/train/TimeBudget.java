package org.alexnetspark.train;

import java.util.function.LongSupplier;

/**
 * {@code train.time-budget}: how many more epochs fit in the minutes a run may train, judged from
 * the slowest epoch so far (validation included; an epoch still running counts with its time so
 * far). Without a budget every epoch fits.
 */
final class TimeBudget {
  private final double seconds;
  private final LongSupplier nanoTime;
  private final long start;
  private double slowestEpoch;
  private long epochStart = -1;

  /**
   * @param minutes the budget; 0 for none
   */
  TimeBudget(double minutes, LongSupplier nanoTime) {
    this.seconds = minutes * 60;
    this.nanoTime = nanoTime;
    this.start = nanoTime.getAsLong();
  }

  /** An epoch starts. */
  void epochStarts() {
    epochStart = nanoTime.getAsLong();
  }

  /** The epoch started last has ended (validation and records included). */
  void epochEnds() {
    slowestEpoch = slowest();
    epochStart = -1;
  }

  /** Whether another epoch would end within the budget (always, before the first). */
  boolean allowsAnother() {
    return seconds <= 0 || elapsed() + slowest() <= seconds;
  }

  /**
   * Whether the next epoch is the last one the budget allows (asked while an epoch is still
   * running, e.g. at its end before the records: whether the one after it is the last).
   */
  boolean allowsOnlyOneMore() {
    double slowest = slowest();
    return seconds > 0 && slowest > 0 && elapsed() + 2 * slowest > seconds;
  }

  private double slowest() {
    return epochStart < 0
        ? slowestEpoch
        : Math.max(slowestEpoch, (nanoTime.getAsLong() - epochStart) / 1e9);
  }

  private double elapsed() {
    return (nanoTime.getAsLong() - start) / 1e9;
  }
}

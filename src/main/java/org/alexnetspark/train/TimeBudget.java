package org.alexnetspark.train;

import java.util.function.LongSupplier;

/**
 * {@code train.time-budget}: how many more epochs fit in the minutes a run may train, judged from
 * the slowest epoch so far (validation included). Without a budget every epoch fits.
 */
final class TimeBudget {
  private final double seconds;
  private final LongSupplier nanoTime;
  private final long start;
  private double slowestEpoch;

  /**
   * @param minutes the budget; 0 for none
   */
  TimeBudget(double minutes, LongSupplier nanoTime) {
    this.seconds = minutes * 60;
    this.nanoTime = nanoTime;
    this.start = nanoTime.getAsLong();
  }

  /** An epoch ended after {@code nanos}. */
  void epochTook(long nanos) {
    slowestEpoch = Math.max(slowestEpoch, nanos / 1e9);
  }

  /** Whether another epoch would end within the budget (always, before the first). */
  boolean allowsAnother() {
    return seconds <= 0 || elapsed() + slowestEpoch <= seconds;
  }

  /** Whether the next epoch is the last one the budget allows. */
  boolean allowsOnlyOneMore() {
    return seconds > 0 && slowestEpoch > 0 && elapsed() + 2 * slowestEpoch > seconds;
  }

  private double elapsed() {
    return (nanoTime.getAsLong() - start) / 1e9;
  }
}

package org.alexnetspark.train.averaging;

import java.io.Serializable;

/**
 * What {@link ExactAveragingMaster} does each round.
 *
 * @param workers model replicas per round (Spark tasks); each gets at most {@code frequency}
 *     descriptors
 * @param frequency minibatches each worker fits between two averagings
 * @param prefetch minibatches a worker loads ahead of the one it is fitting (0: load in the task
 *     thread)
 * @param momentum what happens to the updater state (momentum)
 * @param precision transfer precision of parameters and momentum, both ways
 * @param failOnNonFinite throw after a round in which a worker returned a non-finite loss or
 *     parameters (the round is then not applied); otherwise such results are left out of the
 *     average and reported in {@link RoundReport#problems()}
 */
public record Settings(
    int workers,
    int frequency,
    int prefetch,
    Momentum momentum,
    Payload.Precision precision,
    boolean failOnNonFinite,
    Transport transport)
    implements Serializable {

  /** Settings with results as Spark task results. */
  public Settings(
      int workers,
      int frequency,
      int prefetch,
      Momentum momentum,
      Payload.Precision precision,
      boolean failOnNonFinite) {
    this(
        workers, frequency, prefetch, momentum, precision, failOnNonFinite, Transport.TASK_RESULTS);
  }

  /** How a worker's parameters get to the driver. */
  public enum Transport {
    /** Inside the task result (Spark's public API; several serialised copies on the way). */
    TASK_RESULTS,
    /** As raw blocks in the executor's block store, read by the driver (Spark-internal API). */
    BLOCKS
  }

  /** The updater state (momentum) between rounds. */
  public enum Momentum {
    /** Shipped to the workers with the parameters and averaged like them. */
    AVERAGED,
    /**
     * Never shipped: each replica keeps its own between rounds; the driver's stays as it was. A
     * replica created afresh (new executor) starts from zero.
     */
    LOCAL,
    /** Never shipped: every round starts from zero (dl4j-spark's {@code saveUpdater(false)}). */
    RESET
  }

  public Settings {
    if (workers < 1 || frequency < 1 || prefetch < 0) {
      throw new IllegalArgumentException("workers and frequency must be >= 1, prefetch >= 0");
    }
  }
}

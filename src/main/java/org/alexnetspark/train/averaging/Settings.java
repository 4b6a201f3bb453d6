package org.alexnetspark.train.averaging;

import java.io.Serializable;
import org.alexnetspark.config.TrainConfig.Combine;
import org.alexnetspark.config.TrainConfig.Momentum;
import org.alexnetspark.config.TrainConfig.Precision;
import org.alexnetspark.config.TrainConfig.Transport;

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
 * @param transport how a worker's parameters get to the driver ({@link Combine#DRIVER} only)
 * @param combine where the results are added up: on the driver, or in a tree among executors
 * @param treeDepth levels of the tree ({@link Combine#TREE}), at least 2
 */
public record Settings(
    int workers,
    int frequency,
    int prefetch,
    Momentum momentum,
    Precision precision,
    boolean failOnNonFinite,
    Transport transport,
    Combine combine,
    int treeDepth)
    implements Serializable {

  public Settings {
    if (workers < 1 || frequency < 1 || prefetch < 0) {
      throw new IllegalArgumentException("workers and frequency must be >= 1, prefetch >= 0");
    }
    if (treeDepth < 2) {
      throw new IllegalArgumentException(
          "train.averaging.tree-depth must be >= 2, not " + treeDepth);
    }
  }

  /** Results added up on the driver. */
  public Settings(
      int workers,
      int frequency,
      int prefetch,
      Momentum momentum,
      Precision precision,
      boolean failOnNonFinite,
      Transport transport) {
    this(
        workers,
        frequency,
        prefetch,
        momentum,
        precision,
        failOnNonFinite,
        transport,
        Combine.DRIVER,
        2);
  }

  /** These settings with the results added up as {@code combine} says. */
  public Settings withCombine(Combine combine, int treeDepth) {
    return new Settings(
        workers,
        frequency,
        prefetch,
        momentum,
        precision,
        failOnNonFinite,
        transport,
        combine,
        treeDepth);
  }
}

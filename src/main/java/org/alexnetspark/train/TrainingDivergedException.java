package org.alexnetspark.train;

import java.util.Locale;

/**
 * The loss or the parameters stopped being finite numbers. Nothing of the diverged network was
 * checkpointed or saved.
 */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int epoch;
  private final long iteration;

  TrainingDivergedException(int epoch, long iteration, double loss, String what) {
    super(
        String.format(
            Locale.ROOT,
            "training diverged in epoch %d at iteration %d: %s (loss %s). "
                + "Nothing of the diverged network was saved; lower optimizer.learning-rate, or set "
                + "train.on-divergence = rollback to go back to the last checkpoint with a tenth of the "
                + "learning rate",
            epoch,
            iteration,
            what,
            loss));
    this.epoch = epoch;
    this.iteration = iteration;
  }

  /** 1-based epoch it happened in. */
  public int epoch() {
    return epoch;
  }

  /** The iteration reached when it was found. */
  public long iteration() {
    return iteration;
  }
}

package org.alexnetspark.train;

import java.io.Serializable;
import org.alexnetspark.config.TrainConfig;

/**
 * The learning rate from epoch to epoch: the paper's rule (divide by 10 when the validation error
 * stops improving, at most three times) or fixed steps. Pure state, saved in every checkpoint.
 */
public final class LearningRateSchedule {

  /**
   * Where the schedule stands.
   *
   * @param learningRate the rate for the next epoch
   * @param bestError lowest validation top-1 error seen (1 before any)
   * @param epochsWithoutImprovement epochs since {@code bestError} last improved
   * @param reductions times the rate has been reduced
   * @param lastEpochCut whether the rate was already cut for the run's last epoch
   */
  public record State(
      double learningRate,
      double bestError,
      int epochsWithoutImprovement,
      int reductions,
      boolean lastEpochCut)
      implements Serializable {

    /** A state before any cut for the last epoch. */
    public State(
        double learningRate, double bestError, int epochsWithoutImprovement, int reductions) {
      this(learningRate, bestError, epochsWithoutImprovement, reductions, false);
    }
  }

  private final TrainConfig.Schedule config;

  public LearningRateSchedule(TrainConfig.Schedule config) {
    this.config = config;
  }

  public State start(double learningRate) {
    return new State(learningRate, 1.0, 0, 0);
  }

  /**
   * The state for the run's last epoch: the rate multiplied by {@code
   * train.schedule.last-epoch-factor} (once; 1 leaves it as it is). Which epoch is the last is the
   * loop's call: the configured last one, or an earlier one when {@code train.time-budget} leaves
   * room for no more.
   */
  public State forLastEpoch(State state) {
    if (state.lastEpochCut() || config.lastEpochFactor() >= 1) {
      return state;
    }
    return new State(
        state.learningRate() * config.lastEpochFactor(),
        state.bestError(),
        state.epochsWithoutImprovement(),
        state.reductions() + 1,
        true);
  }

  /**
   * The state after epoch {@code epoch} (1-based: the number of epochs completed) ended with
   * validation top-1 error {@code error} (NaN if there was no validation).
   */
  public State afterEpoch(State state, int epoch, double error) {
    boolean improved = !Double.isNaN(error) && error < state.bestError();
    double best = improved ? error : state.bestError();
    int stale = improved ? 0 : state.epochsWithoutImprovement() + 1;
    double rate = state.learningRate();
    int reductions = state.reductions();
    switch (config.type()) {
      case PLATEAU -> {
        if (!Double.isNaN(error)
            && stale >= config.patience()
            && reductions < config.maxReductions()) {
          rate *= config.factor();
          reductions++;
          stale = 0;
        }
      }
      case STEP -> {
        if (config.stepEpochs().contains(epoch)) {
          rate *= config.factor();
          reductions++;
        }
      }
    }
    return new State(rate, best, stale, reductions, state.lastEpochCut());
  }
}

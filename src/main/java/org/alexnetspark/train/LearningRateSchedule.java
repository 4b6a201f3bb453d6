package org.alexnetspark.train;

import java.io.Serializable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.TrainConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The one place that decides the learning rate of a run, epoch by epoch: it starts at {@code
 * optimizer.learning-rate}; after each epoch the configured schedule moves it ({@code plateau}, the
 * paper's rule: divide by 10 when the validation error stops improving, at most three times; or
 * {@code step}: at fixed epochs); the run's last epoch (the configured last one, or the last one
 * {@code train.time-budget} leaves room for) runs at it times {@code
 * train.schedule.last-epoch-factor}; a rollback after divergence divides it by 10. The rest of the
 * training code asks this class and only sets the rate into the network through {@link #apply}.
 *
 * <p>Where the schedule stands is a {@link State}, saved in every checkpoint as part of {@link
 * TrainingState}: a resumed run continues with the very same decisions. The schedule itself holds
 * only configuration.
 */
public final class LearningRateSchedule {

  /** A rollback after divergence multiplies the rate by this. */
  public static final double ROLLBACK_FACTOR = 0.1;

  /**
   * Where the schedule stands.
   *
   * @param learningRate the rate for the next epoch (before any cut for the run's last epoch)
   * @param bestError lowest validation top-1 error seen (1 before any)
   * @param epochsWithoutImprovement epochs since {@code bestError} last improved
   * @param reductions times the rate has been reduced by the schedule or for the last epoch
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

    private State withRate(double rate) {
      return new State(rate, bestError, epochsWithoutImprovement, reductions, lastEpochCut);
    }
  }

  private final TrainConfig.Schedule config;
  private final int epochs;
  private final double initialRate;

  /**
   * @param config {@code train.schedule.*}
   * @param epochs {@code train.epochs}: which epoch is the last one without a time budget
   * @param initialRate {@code optimizer.learning-rate}: the first epoch's rate
   */
  public LearningRateSchedule(TrainConfig.Schedule config, int epochs, double initialRate) {
    this.config = config;
    this.epochs = epochs;
    this.initialRate = initialRate;
  }

  /** The schedule of a run with this configuration. */
  public static LearningRateSchedule of(AlexNetConfig config) {
    return new LearningRateSchedule(
        config.train().schedule(), config.train().epochs(), config.optimizer().learningRate());
  }

  /** Where a run starts: the configured rate, no validation seen, no reduction. */
  public State start() {
    return new State(initialRate, 1.0, 0, 0);
  }

  /**
   * The state to train epoch {@code epoch} (0-based) with: cut by {@code
   * train.schedule.last-epoch-factor} (once) if it is the run's last epoch, see {@link #isLast}.
   */
  State forEpoch(State state, int epoch, TimeBudget budget) {
    return isLast(epoch, budget) ? forLastEpoch(state) : state;
  }

  /**
   * The rate epoch {@code epoch} (0-based) will train with, as the epoch before it reports it:
   * {@link #forEpoch}'s rate, without recording the cut (a resumed run with more epochs must not
   * find its rate already cut).
   */
  double rateOfEpoch(State state, int epoch, TimeBudget budget) {
    return forEpoch(state, epoch, budget).learningRate();
  }

  /**
   * Whether epoch {@code epoch} (0-based) is the run's last: the configured last one, or an earlier
   * one when {@code train.time-budget} leaves room for no more.
   */
  boolean isLast(int epoch, TimeBudget budget) {
    return epoch == epochs - 1 || budget.allowsOnlyOneMore();
  }

  /**
   * The state for the run's last epoch: the rate multiplied by {@code
   * train.schedule.last-epoch-factor} (once; 1 leaves it as it is).
   */
  State forLastEpoch(State state) {
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

  /**
   * The state to go on from after a rollback to a checkpoint saved at {@code checkpoint}: its rate
   * divided by 10 for each of the {@code rollbacks} rollbacks made since that checkpoint was taken
   * (a run that diverges again from the same checkpoint goes back with a hundredth); everything
   * else, including a cut already made for the last epoch, as the checkpoint has it.
   */
  public State afterRollback(State checkpoint, int rollbacks) {
    return checkpoint.withRate(checkpoint.learningRate() * Math.pow(ROLLBACK_FACTOR, rollbacks));
  }

  /**
   * Sets the state's rate into {@code network}'s updater (which the workers' replicas copy), for
   * the epoch about to be trained.
   *
   * @return the rate set
   */
  public double apply(State state, ComputationGraph network) {
    network.setLearningRate(state.learningRate());
    return state.learningRate();
  }
}

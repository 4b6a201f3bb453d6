package org.alexnetspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Moves the learning-rate schedule on at the end of an epoch, from its validation error, and
 * records in the epoch's metrics the rate the next epoch will train with (with the cut for the
 * run's last epoch when the next one is the last).
 */
final class ScheduleListener implements TrainingListener {
  private final LearningRateSchedule schedule;
  private final TimeBudget budget;

  ScheduleListener(LearningRateSchedule schedule, TimeBudget budget) {
    this.schedule = schedule;
    this.budget = budget;
  }

  @Override
  public TrainingState on(Event event, TrainingState state, ComputationGraph network) {
    EpochMetrics last = state.lastEpoch();
    LearningRateSchedule.State next =
        schedule.afterEpoch(state.schedule(), last.epoch(), 1 - last.valTop1());
    // last.epoch() is 1-based: the 0-based index of the epoch that comes next.
    double nextRate = schedule.rateOfEpoch(next, last.epoch(), budget);
    return state.withSchedule(next).withLastEpoch(last.withNextLearningRate(nextRate));
  }
}

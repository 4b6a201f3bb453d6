package org.alexnetspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;

/** Moves the learning-rate schedule on at the end of an epoch, from its validation error. */
final class ScheduleListener implements TrainingListener {
  private final LearningRateSchedule schedule;

  ScheduleListener(LearningRateSchedule schedule) {
    this.schedule = schedule;
  }

  @Override
  public TrainingState on(Event event, TrainingState state, ComputationGraph network) {
    EpochMetrics last = state.lastEpoch();
    LearningRateSchedule.State next =
        schedule.afterEpoch(state.schedule(), last.epoch(), 1 - last.valTop1());
    return state.withSchedule(next).withLastEpoch(last.withNextLearningRate(next.learningRate()));
  }
}

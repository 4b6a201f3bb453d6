package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.alexnetspark.config.TrainConfig;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

  private static LearningRateSchedule plateau(int patience) {
    return new LearningRateSchedule(
        new TrainConfig.Schedule(TrainConfig.Type.PLATEAU, 0.1, patience, 3, List.of(), 1.0));
  }

  @Test
  void plateauDividesByTenWhenValidationStopsImprovingAtMostThreeTimes() {
    LearningRateSchedule schedule = plateau(1);
    LearningRateSchedule.State state = schedule.start(0.01);
    double[] errors = {0.8, 0.6, 0.6, 0.5, 0.55, 0.56, 0.4, 0.45, 0.45, 0.45, 0.45};
    double[] expectedRates = {0.01, 0.01, 0.001, 0.001, 1e-4, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5};
    for (int epoch = 0; epoch < errors.length; epoch++) {
      state = schedule.afterEpoch(state, epoch + 1, errors[epoch]);
      assertEquals(expectedRates[epoch], state.learningRate(), 1e-15, "after epoch " + (epoch + 1));
    }
    assertEquals(3, state.reductions());
    assertEquals(0.4, state.bestError());
  }

  @Test
  void patienceCountsEpochsWithoutImprovement() {
    LearningRateSchedule schedule = plateau(2);
    LearningRateSchedule.State state = schedule.start(0.1);
    state = schedule.afterEpoch(state, 1, 0.5);
    state = schedule.afterEpoch(state, 2, 0.5);
    assertEquals(0.1, state.learningRate(), 1e-15, "one stale epoch is within patience");
    state = schedule.afterEpoch(state, 3, 0.51);
    assertEquals(0.01, state.learningRate(), 1e-15);
    assertEquals(0, state.epochsWithoutImprovement());
  }

  @Test
  void noValidationNeverReducesAPlateauSchedule() {
    LearningRateSchedule schedule = plateau(1);
    LearningRateSchedule.State state = schedule.start(0.01);
    for (int epoch = 1; epoch <= 5; epoch++) {
      state = schedule.afterEpoch(state, epoch, Double.NaN);
    }
    assertEquals(0.01, state.learningRate(), 1e-15);
  }

  @Test
  void stepScheduleDividesAtTheListedEpochs() {
    LearningRateSchedule schedule =
        new LearningRateSchedule(
            new TrainConfig.Schedule(TrainConfig.Type.STEP, 0.1, 1, 3, List.of(2, 4), 1.0));
    LearningRateSchedule.State state = schedule.start(1.0);
    double[] expected = {1.0, 0.1, 0.1, 0.01, 0.01};
    for (int epoch = 1; epoch <= 5; epoch++) {
      state = schedule.afterEpoch(state, epoch, 0.5);
      assertEquals(expected[epoch - 1], state.learningRate(), 1e-15, "after epoch " + epoch);
    }
  }

  @Test
  void theLastEpochIsCutOnceByItsFactor() {
    LearningRateSchedule schedule =
        new LearningRateSchedule(
            new TrainConfig.Schedule(TrainConfig.Type.STEP, 0.1, 1, 3, List.of(), 0.2));
    LearningRateSchedule.State last = schedule.forLastEpoch(schedule.start(0.05));
    assertEquals(0.01, last.learningRate(), 1e-15);
    assertEquals(1, last.reductions());
    assertEquals(last, schedule.forLastEpoch(last), "never twice (a resumed last epoch)");
    LearningRateSchedule none =
        new LearningRateSchedule(
            new TrainConfig.Schedule(TrainConfig.Type.STEP, 0.1, 1, 3, List.of(), 1.0));
    assertEquals(0.05, none.forLastEpoch(none.start(0.05)).learningRate(), 0.0);
  }
}

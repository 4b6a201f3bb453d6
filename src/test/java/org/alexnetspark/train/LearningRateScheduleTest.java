package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.testing.Averaging;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

/**
 * The one owner of the learning rate: the paper's plateau rule and fixed steps, the cut for the
 * run's last epoch (configured or from the time budget), rollbacks, and resuming from the state a
 * checkpoint keeps. Expected rates are worked out by hand from the configuration.
 */
class LearningRateScheduleTest {
  private static final long MINUTE = 60_000_000_000L;

  private static LearningRateSchedule plateau(int patience) {
    return new LearningRateSchedule(
        new TrainConfig.Schedule(TrainConfig.Type.PLATEAU, 0.1, patience, 3, List.of(), 1.0),
        100,
        0.01);
  }

  /** A schedule whose last epoch runs at a fifth of the rate. */
  private static LearningRateSchedule withLastEpochCut(
      TrainConfig.Type type, int epochs, double rate) {
    return new LearningRateSchedule(
        new TrainConfig.Schedule(type, 0.1, 1, 3, List.of(2), 0.2), epochs, rate);
  }

  private static TimeBudget noBudget() {
    return new TimeBudget(0, System::nanoTime);
  }

  @Test
  void aRunStartsAtTheConfiguredRate() {
    LearningRateSchedule.State start = plateau(1).start();
    assertEquals(new LearningRateSchedule.State(0.01, 1.0, 0, 0, false), start);
  }

  @Test
  void plateauDividesByTenWhenValidationStopsImprovingAtMostThreeTimes() {
    LearningRateSchedule schedule = plateau(1);
    LearningRateSchedule.State state = schedule.start();
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
    LearningRateSchedule schedule =
        new LearningRateSchedule(
            new TrainConfig.Schedule(TrainConfig.Type.PLATEAU, 0.1, 2, 3, List.of(), 1.0), 9, 0.1);
    LearningRateSchedule.State state = schedule.start();
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
    LearningRateSchedule.State state = schedule.start();
    for (int epoch = 1; epoch <= 5; epoch++) {
      state = schedule.afterEpoch(state, epoch, Double.NaN);
    }
    assertEquals(0.01, state.learningRate(), 1e-15);
  }

  @Test
  void stepScheduleDividesAtTheListedEpochs() {
    LearningRateSchedule schedule =
        new LearningRateSchedule(
            new TrainConfig.Schedule(TrainConfig.Type.STEP, 0.1, 1, 3, List.of(2, 4), 1.0), 9, 1.0);
    LearningRateSchedule.State state = schedule.start();
    double[] expected = {1.0, 0.1, 0.1, 0.01, 0.01};
    for (int epoch = 1; epoch <= 5; epoch++) {
      state = schedule.afterEpoch(state, epoch, 0.5);
      assertEquals(expected[epoch - 1], state.learningRate(), 1e-15, "after epoch " + epoch);
    }
  }

  @Test
  void theConfiguredLastEpochIsCutOnceByItsFactor() {
    LearningRateSchedule schedule = withLastEpochCut(TrainConfig.Type.STEP, 3, 0.05);
    TimeBudget budget = noBudget();
    LearningRateSchedule.State start = schedule.start();
    assertEquals(start, schedule.forEpoch(start, 0, budget), "epoch 1 of 3 is not the last");
    assertEquals(start, schedule.forEpoch(start, 1, budget), "epoch 2 of 3 is not the last");
    LearningRateSchedule.State last = schedule.forEpoch(start, 2, budget);
    assertEquals(0.01, last.learningRate(), 1e-15); // 0.05 x 0.2
    assertEquals(1, last.reductions());
    assertTrue(last.lastEpochCut());
    assertEquals(last, schedule.forEpoch(last, 2, budget), "never twice (a resumed last epoch)");
    LearningRateSchedule none =
        new LearningRateSchedule(
            new TrainConfig.Schedule(TrainConfig.Type.STEP, 0.1, 1, 3, List.of(), 1.0), 3, 0.05);
    assertEquals(0.05, none.forEpoch(none.start(), 2, budget).learningRate(), 0.0);
  }

  @Test
  void theTimeBudgetMakesAnEarlierEpochTheLastAndTheEpochBeforeItAnnouncesTheCut() {
    // 10 minutes, epochs of 3 minutes: epochs 1, 2 and 3 fit, and 3 is the last.
    AtomicLong now = new AtomicLong();
    TimeBudget budget = new TimeBudget(10, now::get);
    LearningRateSchedule schedule = withLastEpochCut(TrainConfig.Type.PLATEAU, 100, 0.05);
    LearningRateSchedule.State state = schedule.start();
    List<Double> trained = new ArrayList<>();
    List<Double> announced = new ArrayList<>();
    for (int epoch = 0; epoch < 100 && budget.allowsAnother(); epoch++) {
      state = schedule.forEpoch(state, epoch, budget);
      budget.epochStarts();
      trained.add(state.learningRate());
      now.addAndGet(3 * MINUTE);
      state = schedule.afterEpoch(state, epoch + 1, 0.5 - 0.1 * epoch); // always improving
      announced.add(schedule.rateOfEpoch(state, epoch + 1, budget));
      budget.epochEnds();
    }
    assertEquals(List.of(0.05, 0.05, 0.01), rounded(trained));
    assertEquals(0.01, announced.get(1), 1e-15, "epoch 2 announces epoch 3's cut rate");
    assertEquals(0.05, announced.get(0), 1e-15);
  }

  @Test
  void theNextLearningRateRecordedAndLoggedAtAnEpochsEndShowsTheLastEpochCut() {
    LearningRateSchedule schedule = withLastEpochCut(TrainConfig.Type.STEP, 3, 0.05);
    ScheduleListener listener = new ScheduleListener(schedule, noBudget());
    TrainingState state =
        TrainingState.start(schedule.start(), 1, 2, "sha")
            .afterEpoch(epoch(1, 0.05, 0.6))
            .afterEpoch(epoch(2, 0.05, 0.7));
    // After epoch 2 of 3 the step schedule divides by 10 (step-epochs [2]), and epoch 3 is the
    // last: it trains at 0.05 x 0.1 x 0.2.
    TrainingState after = listener.on(new TrainingListener.EpochEnd(2), state, null);
    assertEquals(0.001, after.lastEpoch().nextLearningRate(), 1e-15);
    assertEquals(0.005, after.schedule().learningRate(), 1e-15, "the cut itself waits");
    assertFalse(after.schedule().lastEpochCut());
    assertEquals(
        after.lastEpoch().nextLearningRate(),
        schedule.forEpoch(after.schedule(), 2, noBudget()).learningRate(),
        "the epoch trains at the rate announced");
  }

  @Test
  void aRollbackDividesTheCheckpointsRateByTenPerRollbackSinceItAndKeepsTheRest() {
    LearningRateSchedule schedule = withLastEpochCut(TrainConfig.Type.PLATEAU, 3, 0.05);
    LearningRateSchedule.State checkpoint = new LearningRateSchedule.State(0.04, 0.3, 1, 2, false);
    LearningRateSchedule.State once = schedule.afterRollback(checkpoint, 1);
    assertEquals(0.004, once.learningRate(), 1e-15);
    assertEquals(new LearningRateSchedule.State(once.learningRate(), 0.3, 1, 2, false), once);
    assertEquals(0.0004, schedule.afterRollback(checkpoint, 2).learningRate(), 1e-15);
    // Going back into the last epoch: its cut was made and is not made again.
    LearningRateSchedule.State last = schedule.forEpoch(schedule.start(), 2, noBudget());
    LearningRateSchedule.State rolledBack = schedule.afterRollback(last, 1);
    assertEquals(0.001, rolledBack.learningRate(), 1e-15); // 0.05 x 0.2 x 0.1
    assertEquals(rolledBack, schedule.forEpoch(rolledBack, 2, noBudget()));
  }

  @Test
  void aResumedRunMakesTheSameDecisionsAsAnUninterruptedOne() {
    LearningRateSchedule schedule =
        new LearningRateSchedule(
            new TrainConfig.Schedule(TrainConfig.Type.PLATEAU, 0.1, 1, 3, List.of(), 0.5), 6, 0.02);
    double[] errors = {0.8, 0.6, 0.6, 0.5, 0.5, 0.4};
    List<Double> uninterrupted = rates(schedule, schedule.start(), 0, errors);
    // Hand-worked: cut after epochs 3 and 5 (no improvement), the last epoch at half.
    assertEquals(List.of(0.02, 0.02, 0.02, 0.002, 0.002, 0.0001), rounded(uninterrupted));
    for (int stop = 1; stop < errors.length; stop++) {
      // The run stops after epoch `stop`; its checkpoint's state.json is read back by a new
      // process.
      LearningRateSchedule.State state = schedule.start();
      List<Double> before = new ArrayList<>();
      for (int epoch = 0; epoch < stop; epoch++) {
        state = schedule.forEpoch(state, epoch, noBudget());
        before.add(state.learningRate());
        state = schedule.afterEpoch(state, epoch + 1, errors[epoch]);
      }
      TrainingState saved = TrainingState.start(state, 1, 2, "sha");
      TrainingState read = Json.read(Json.write(saved), TrainingState.class, "state.json");
      assertEquals(saved, read);
      LearningRateSchedule again =
          LearningRateSchedule.of(
              AlexNetConfig.load(
                  List.of(Paths.get("src/test/resources/conf/train-small.conf")),
                  List.of(
                      "train.epochs=6",
                      "train.schedule.type=plateau",
                      "train.schedule.factor=0.1",
                      "train.schedule.patience=1",
                      "train.schedule.max-reductions=3",
                      "train.schedule.last-epoch-factor=0.5",
                      "optimizer.learning-rate=0.02")));
      before.addAll(rates(again, read.schedule(), stop, errors));
      assertEquals(uninterrupted, before, "stopped after epoch " + stop);
    }
  }

  @Test
  void aCheckpointWrittenBeforeTheLastEpochCutWasRecordedStillReads() {
    String old =
        "{\"learningRate\": 0.01, \"bestError\": 0.5, \"epochsWithoutImprovement\": 1,"
            + " \"reductions\": 2}";
    LearningRateSchedule.State state = Json.read(old, LearningRateSchedule.State.class, "old");
    assertEquals(new LearningRateSchedule.State(0.01, 0.5, 1, 2, false), state);
  }

  @Test
  void theRateIsSetIntoTheNetworksUpdater() {
    ComputationGraph network = Averaging.tinyNetwork(1);
    LearningRateSchedule schedule = plateau(1);
    double rate = schedule.apply(new LearningRateSchedule.State(0.0025, 1, 0, 0), network);
    assertEquals(0.0025, rate);
    assertEquals(0.0025, network.getLearningRate("hidden"), 1e-12);
    assertEquals(0.0025, network.getLearningRate("out"), 1e-12);
  }

  /** Rates epochs {@code from}.. train with, moving the schedule on with {@code errors}. */
  private static List<Double> rates(
      LearningRateSchedule schedule, LearningRateSchedule.State state, int from, double[] errors) {
    List<Double> rates = new ArrayList<>();
    for (int epoch = from; epoch < errors.length; epoch++) {
      state = schedule.forEpoch(state, epoch, noBudget());
      rates.add(state.learningRate());
      state = schedule.afterEpoch(state, epoch + 1, errors[epoch]);
    }
    return rates;
  }

  private static List<Double> rounded(List<Double> rates) {
    return rates.stream().map(r -> Math.round(r * 1e10) / 1e10).toList();
  }

  private static EpochMetrics epoch(int epoch, double rate, double top1) {
    return new EpochMetrics(epoch, epoch * 10L, 1.0, rate, Double.NaN, top1, top1, 1, 10, 10, 0);
  }
}

package org.alexnetspark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.alexnetspark.testing.ConfigRefusal;
import org.junit.jupiter.api.Test;

/** retrain.*: the night-sized defaults, refusals naming the key, and the recipe applied. */
class RetrainConfigTest {

  @Test
  void theDefaultsFineTuneWithinANight() {
    RetrainConfig retrain = AlexNetConfig.defaults().retrain();
    assertEquals(3, retrain.epochs());
    assertEquals(0.001, retrain.learningRate());
    assertEquals(0.1, retrain.lastEpochFactor());
    assertEquals(360, retrain.timeBudgetMinutes());
    assertEquals(RetrainConfig.Require.BETTER, retrain.gate().require());
    assertEquals(0.05, retrain.gate().significance());
    assertEquals(0.05, retrain.gate().maxClassDrop());
    assertEquals(90, AlexNetConfig.defaults().train().epochs(), "the paper's recipe is untouched");
  }

  @Test
  void badValuesAreRefusedNamingTheKeyAndWhatIsAllowed() {
    InvalidConfigException e =
        ConfigRefusal.of(
            "retrain.epochs=0",
            "retrain.gate.significance=1.5",
            "retrain.gate.require=maybe",
            "retrain.learning-rate=0");
    assertEquals(4, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().contains("'retrain.epochs' = 0: must be a whole number >= 1"));
    assertTrue(e.getMessage().contains("'retrain.gate.significance' = 1.5: must be a probability"));
    assertTrue(e.getMessage().contains("must be one of better | not-worse"));
    assertThrows(
        InvalidConfigException.class,
        () -> AlexNetConfig.load(List.of(), List.of("retrain.margin=0.01")),
        "the flat margin is gone");
  }

  @Test
  void theTrainingOverridesTurnTheTrainingRecipeIntoTheFineTuningOne() {
    AlexNetConfig config =
        AlexNetConfig.load(List.of(), List.of("retrain.epochs=2", "retrain.time-budget=90"));
    StringBuilder hocon = new StringBuilder(config.render()).append('\n');
    config.retrain().trainingOverrides().forEach(o -> hocon.append(o).append('\n'));
    AlexNetConfig tuned = AlexNetConfig.fromHocon(hocon.toString(), "test");
    assertEquals(2, tuned.train().epochs());
    assertEquals(0.001, tuned.optimizer().learningRate());
    assertEquals(TrainConfig.Type.STEP, tuned.train().schedule().type());
    assertEquals(List.of(), tuned.train().schedule().stepEpochs());
    assertEquals(0.1, tuned.train().schedule().lastEpochFactor());
    assertEquals(90, tuned.train().timeBudgetMinutes());
  }
}

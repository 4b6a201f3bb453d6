package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.TrainConfig.Combine;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.plan.CostModel;
import org.alexnetspark.testing.CommandRun;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

/** {@code alexnet plan} in-process, on the scaled network. */
class PlanCommandTest {

  @Test
  void printsTheModelsRowForEachExecutorCount() {
    CommandRun run =
        CommandRun.of(
            "plan",
            "--executors",
            "4,16",
            "--gpu",
            "Titan-X-Pascal",
            "--link-gbps",
            "25",
            "--combine",
            "tree",
            "--set",
            "model.variant=scaled");
    assertEquals("0", Integer.toString(run.exitCode()), run.err());
    AlexNetConfig config = AlexNetConfig.load(List.of(), List.of("model.variant=scaled"));
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    long payload = 4 * (network.numParams() + network.getUpdater().getStateViewArray().length());
    for (int executors : new int[] {4, 16}) {
      CostModel model =
          new CostModel(
              executors, 2, payload, Combine.TREE, 2, 25, 2760, config.train().batchPerWorker());
      String row =
          String.format(
              Locale.ROOT,
              "| %d x 2 = %d | %.2f / %.2f GB |",
              executors,
              2 * executors,
              payload / 1e9,
              payload / 1e9);
      assertTrue(run.out().contains(row), row + " in\n" + run.out());
      assertTrue(
          run.out().contains("| " + model.frequencyFor(0.10) + " |\n")
              || run.out()
                  .contains("| " + model.frequencyFor(0.10) + " |" + System.lineSeparator()),
          run.out());
    }
  }

  @Test
  void anUnknownGpuIsRefusedNamingTheKnownOnes() {
    CommandRun run = CommandRun.of("plan", "--executors", "2", "--gpu", "v100");
    assertEquals(Integer.toString(ExitCodes.USAGE), Integer.toString(run.exitCode()));
    assertTrue(
        run.err().contains("'v100' is not a GPU") && run.err().contains("titan-x-pascal"),
        run.err());
  }
}

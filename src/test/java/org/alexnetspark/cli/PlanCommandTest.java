package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.TrainConfig.Combine;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.plan.CostModel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code alexnet plan} in-process, on the scaled network. */
class PlanCommandTest {
  private static String[] run(String... args) {
    CommandLine line = AlexNetCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int code = line.execute(args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  void printsTheModelsRowForEachExecutorCount() {
    String[] run =
        run(
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
    assertEquals("0", run[0], run[2]);
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
      assertTrue(run[1].contains(row), row + " in\n" + run[1]);
      assertTrue(
          run[1].contains("| " + model.frequencyFor(0.10) + " |\n")
              || run[1].contains("| " + model.frequencyFor(0.10) + " |" + System.lineSeparator()),
          run[1]);
    }
  }

  @Test
  void anUnknownGpuIsRefusedNamingTheKnownOnes() {
    String[] run = run("plan", "--executors", "2", "--gpu", "v100");
    assertEquals(Integer.toString(ExitCodes.USAGE), run[0]);
    assertTrue(run[2].contains("'v100' is not a GPU") && run[2].contains("titan-x-pascal"), run[2]);
  }
}

package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

class AlexNetCommandTest {

  private record Run(int exitCode, String out, String err) {
    String lastLine() {
      List<String> lines = out.lines().toList();
      return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
  }

  private static Run run(String... args) {
    CommandLine line = AlexNetCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int code = line.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void modelPrintsEveryLayerAndEndsWithTheTotal() {
    Run run = run("model", "--variant", "single-tower");
    assertEquals(0, run.exitCode(), run.err());
    assertEquals("total parameters: 62378344", run.lastLine());
    for (String layer : List.of("conv1", "norm1", "pool1", "conv5", "pool5", "fc6", "fc8")) {
      assertTrue(run.out().lines().anyMatch(l -> l.startsWith(layer + " ")), layer);
    }
  }

  @Test
  void scaledModelWithClassesRuns() {
    Run run = run("model", "--variant", "scaled", "--classes", "10", "--set", "data.image-size=76");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().lines().anyMatch(l -> l.matches("fc8 +fully connected 10, softmax +10 .*")),
        run.out());
  }

  @Test
  void badConfigurationExitsWithUsageCodeNamingTheKey() {
    Run run = run("model", "--set", "optimizer.learning-rate=-1");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("'optimizer.learning-rate' = -1"), run.err());
    assertEquals("", run.out());
  }

  @Test
  void unknownOptionExitsWithUsageCode() {
    Run run = run("model", "--no-such-option");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("Unknown option"), run.err());
  }

  @Test
  void helpAndVersionEverywhere() {
    for (String[] args : List.of(new String[] {"--help"}, new String[] {"model", "--help"},
        new String[] {"help", "model"})) {
      Run run = run(args);
      assertEquals(0, run.exitCode(), String.join(" ", args));
      assertTrue(run.out().contains("Usage: alexnet"), run.out());
    }
    for (String[] args : List.of(new String[] {"--version"}, new String[] {"model", "--version"})) {
      Run run = run(args);
      assertEquals(0, run.exitCode());
      assertTrue(run.out().startsWith("alexnet-spark "), run.out());
      assertTrue(run.out().contains("dl4j 1.0.0-M2"), run.out());
    }
  }

  @Test
  void noSubcommandIsAUsageError() {
    Run run = run();
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("missing subcommand"), run.err());
  }
}

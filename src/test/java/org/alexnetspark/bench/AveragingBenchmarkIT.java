package org.alexnetspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import org.alexnetspark.bench.BenchTable.Row;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.TrainConfig.Combine;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.plan.CostModel;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The averaging section of the bench on a real loopback cluster (a standalone master and two worker
 * JVMs, executors in JVMs of their own), scaled network, tiny minibatches: its rows come out with
 * shares in [0, 1), the bytes per round at least the hand-counted minimum, and each executor JVM's
 * peak memory.
 */
class AveragingBenchmarkIT {
  /**
   * Parameters of the scaled network (67x67, widths 24/64/96/96/64, FC 256, 10 classes), by hand.
   */
  private static final long SCALED_PARAMETERS =
      8_736 + 19_264 + 55_392 + 41_568 + 27_712 + 16_640 + 65_792 + 2_570;

  @Test
  void averagingRowsFromSeparateExecutorJvms(@TempDir Path dir) throws Exception {
    AlexNetConfig network =
        AlexNetConfig.load(
            List.of(), List.of("model.variant=scaled", "model.classes=10", "data.image-size=76"));
    SideBySideBenchmark.Options options =
        new SideBySideBenchmark.Options(
            EnumSet.of(SideBySideBenchmark.Section.AVERAGING),
            4,
            2,
            1,
            1,
            TorchReference.DEFAULT_PYTHON,
            128,
            1,
            null,
            1,
            0.1,
            new AveragingBenchmark.Plan(
                2,
                List.of(new AveragingBenchmark.Run(4, 1, 1), new AveragingBenchmark.Run(4, 2, 1)),
                "1g",
                dir.resolve("cluster")));

    BenchTable table =
        new SideBySideBenchmark(network, network, new Storage(new Configuration())).run(options);

    List<Row> averaging = table.section("averaging");
    assertEquals(4, averaging.size(), table.render());
    Row round = averaging.get(0);
    assertTrue(round.measure().contains("batch 4, frequency 1"), round.measure());
    assertEquals(AveragingBenchmark.BASELINE_ROUND_SECONDS, round.reference());
    assertNull(round.target(), "the baseline's setting is the paper network's: no target here");
    assertTrue(round.ours() >= 0 && round.ours() < 600, round.toString());
    for (Row share : averaging.subList(1, 3)) {
      assertTrue(share.ratio() >= 0 && share.ratio() < 1, share.toString());
      assertEquals(100 * share.ratio(), share.ours(), 1e-9);
    }
    Row bytes = averaging.get(3);
    // Parameters and momentum, 4 bytes each, to and from each of the 2 workers.
    assertEquals(2 * 2 * 2 * SCALED_PARAMETERS * 4 / 1e6, bytes.reference(), 1e-9);
    assertTrue(bytes.ratio() >= 0.999, bytes.toString());
    Row memory = table.section("memory").get(0);
    assertTrue(memory.measure().contains("executor"), memory.measure());
    assertNotNull(memory.ours(), memory.note());
    assertTrue(memory.ours() > 0.05 && memory.ours() < 20, memory.toString());
    assertEquals(2, memory.note().split("pid ").length - 1, memory.note());
    JsonNode json = Json.mapper().readTree(Json.write(table));
    assertEquals(table.rows().size(), json.get("rows").size());
  }

  /**
   * The scaling rows on 2 and 3 executor JVMs: driver bytes per round equal what {@link CostModel}
   * predicts for the same settings, on both paths, and the tree's do not grow with the executors;
   * with two workers per executor each executor sends one sum in a tree, two results on the driver
   * path.
   */
  @Test
  void scalingRowsMatchTheCostModel(@TempDir Path dir) throws Exception {
    AlexNetConfig network =
        AlexNetConfig.load(
            List.of(), List.of("model.variant=scaled", "model.classes=10", "data.image-size=76"));
    AveragingBenchmark.Plan plan =
        new AveragingBenchmark.Plan(
            2,
            List.of(new AveragingBenchmark.Run(4, 1, 1)),
            "1g",
            dir.resolve("cluster"),
            List.of(AveragingBenchmark.Transport.SECURED),
            List.of(2, 3));
    List<Row> rows = new AveragingBenchmark(network).scaling(plan);
    long payload = 2 * SCALED_PARAMETERS * 4; // fp32 parameters and averaged momentum
    for (int executors : new int[] {2, 3}) {
      for (Combine combine : Combine.values()) {
        CostModel model = new CostModel(executors, 1, payload, combine, 2, 10, 100, 4);
        Row driver =
            rows.stream()
                .filter(
                    r ->
                        r.measure().startsWith("driver bytes per round")
                            && r.measure().contains(executors + " executors, combine " + combine))
                .findFirst()
                .orElseThrow(() -> new AssertionError(rows.toString()));
        assertEquals(
            (model.driverBytesIn() + model.driverBytesOut()) / 1e6,
            driver.ours(),
            1e-6,
            driver.toString());
      }
    }
    // Two workers on each of 2 executors. Driver path: each executor takes the broadcast and sends
    // its two workers' results. Tree: the executors' sums, made where their workers ran; the one
    // that adds both up takes the broadcast and the other's sum and sends the total to the driver.
    for (Combine combine : Combine.values()) {
      Row busiest =
          rows.stream()
              .filter(
                  r ->
                      r.measure().startsWith("largest executor bytes per round")
                          && r.measure().contains("2 executors x 2 workers, combine " + combine))
              .findFirst()
              .orElseThrow(() -> new AssertionError(rows.toString()));
      assertEquals(3 * payload / 1e6, busiest.ours(), 1e-6, busiest.toString());
      assertTrue(
          busiest
              .note()
              .contains(
                  String.format(
                      Locale.ROOT,
                      "the most one executor sent: %.1f MB",
                      (combine == Combine.TREE ? 1 : 2) * payload / 1e6)),
          busiest.toString());
    }
    Row growth = rows.get(rows.size() - 1);
    assertTrue(growth.measure().startsWith("tree: driver bytes per round"), growth.toString());
    assertEquals(1.0, growth.ours(), 1e-9, growth.toString());
  }
}

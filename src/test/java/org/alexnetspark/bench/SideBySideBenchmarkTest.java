package org.alexnetspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.EnumSet;
import java.util.List;
import org.alexnetspark.bench.BenchTable.Row;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * Every single-process section of the bench on the scaled network at tiny sizes: the table and its
 * JSON hold every row, with figures that hang together. The PyTorch rows are compared only where
 * torch is importable. The averaging section (a cluster of JVMs) is {@code AveragingBenchmarkIT}.
 */
class SideBySideBenchmarkTest {
  @Test
  void measuresEverySingleProcessSectionIntoOneTable() throws Exception {
    List<String> small = List.of("model.variant=scaled", "model.classes=10", "data.image-size=76");
    AlexNetConfig network = AlexNetConfig.load(List.of(), small);
    AlexNetConfig demo = AlexNetConfig.load(List.of(AlexNetConfig.DEMO_RESOURCE), List.of(), small);
    SideBySideBenchmark.Options options =
        new SideBySideBenchmark.Options(
            EnumSet.complementOf(EnumSet.of(SideBySideBenchmark.Section.AVERAGING)),
            4,
            2,
            1,
            1,
            TorchReference.DEFAULT_PYTHON,
            128,
            2,
            null,
            2,
            0.1,
            new AveragingBenchmark.Plan(2, List.of(), "1g", null));
    Storage storage = new Storage(new Configuration());

    BenchTable table = new SideBySideBenchmark(network, demo, storage).run(options);

    boolean torch = new TorchReference(TorchReference.DEFAULT_PYTHON).unavailable() == null;
    assertEquals(2, table.section("fit").size(), table.render());
    assertEquals(1, table.section("sgemm").size(), table.render());
    assertEquals(1, table.section("scaled").size(), table.render());
    assertEquals(2, table.section("pipeline").size(), table.render());
    assertEquals(0, table.section("averaging").size(), table.render());
    assertEquals(1, table.section("memory").size(), table.render());
    for (Row row : table.rows()) {
      if (row.ours() != null) {
        assertTrue(row.ours() > 0 && Double.isFinite(row.ours()), row.toString());
      }
      if (row.ours() != null && row.reference() != null) {
        assertEquals(row.ours() / row.reference(), row.ratio(), 1e-9, row.toString());
      }
      if (row.target() != null && row.ratio() != null) {
        assertEquals(row.target().metBy(row.ratio()), row.met(), row.toString());
      } else {
        assertNull(row.met(), row.toString());
      }
    }
    for (String section : List.of("fit", "scaled")) {
      for (Row row : table.section(section)) {
        assertEquals(torch, row.reference() != null, row.toString());
        assertTrue(
            torch ? row.note().contains("OpenBLAS") : row.note().contains("PyTorch not measured"),
            row.note());
      }
    }
    Row sgemm = table.section("sgemm").get(0);
    Row fit = table.section("fit").get(0);
    assertEquals(
        fit.ours() * TrainingArithmetic.trainingFlopsPerImage(network.model()) / 1e9,
        sgemm.ours(),
        1e-6 * sgemm.ours());
    Row pipeline = table.section("pipeline").get(0);
    assertTrue(pipeline.note().contains("Fashion-MNIST"), pipeline.note());
    assertTrue(pipeline.note().contains("byte crops"), pipeline.note());
    assertNotNull(pipeline.target(), pipeline.toString());
    Row floats = table.section("pipeline").get(1);
    assertTrue(floats.note().contains("written as floats"), floats.note());
    assertNull(floats.target(), floats.toString());

    for (Row memory : table.section("memory")) {
      assertNotNull(memory.ours(), memory.toString());
      assertTrue(memory.ours() > 0.05 && memory.ours() < 20, memory.toString());
    }

    String text = table.render();
    assertTrue(text.startsWith("measure"), text);
    assertEquals(
        table.rows().size(),
        text.lines().filter(l -> l.matches("\\[\\d+\\] .*\\s(met|NOT MET|-)$")).count(),
        text);
    JsonNode json = Json.mapper().readTree(Json.write(table));
    assertEquals(table.rows().size(), json.get("rows").size());
    for (int i = 0; i < table.rows().size(); i++) {
      Row row = table.rows().get(i);
      JsonNode node = json.get("rows").get(i);
      assertEquals(row.measure(), node.get("measure").asText());
      assertEquals(row.ours() == null, node.get("ours").isNull());
      assertEquals(row.met() == null, node.get("met").isNull());
    }
  }
}

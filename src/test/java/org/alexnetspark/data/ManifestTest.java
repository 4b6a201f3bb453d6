package org.alexnetspark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.alexnetspark.io.Json;
import org.junit.jupiter.api.Test;

/** The manifest and shard summaries as JSON: conversions listed, older files still read. */
class ManifestTest {
  private static final Conversion PNG =
      new Conversion(
          "file:/in/train/n01443537/n01443537_10026.JPEG",
          "PNG, RGB, 8 bits",
          List.of(Conversion.Step.OTHER_FORMAT_DECODED));

  private static Manifest manifest(List<Conversion> converted) {
    return new Manifest(
        Manifest.FORMAT,
        "train",
        256,
        3,
        2,
        List.of(new Label(0, "n01443537", "goldfish")),
        Map.of("n01443537", 2L),
        List.of(new Manifest.Shard("shard-00000-of-00001.parquet", 2, 1000, "ab")),
        List.of(
            new Rejection(
                "file:/in/train/n01443537/empty.JPEG",
                Rejection.Reason.EMPTY_FILE,
                "empty file (0 bytes)")),
        converted,
        new Manifest.Provenance(
            "2026-12-05T00:00:00Z", "file:/in", null, null, null, 2, Map.of(), "data {}"));
  }

  @Test
  void conversionsAreWrittenBesideTheRejectionsAndReadBack() throws Exception {
    String json = Json.write(manifest(List.of(PNG)));
    JsonNode converted = Json.mapper().readTree(json).get("converted");
    assertEquals(1, converted.size(), json);
    assertEquals(
        "file:/in/train/n01443537/n01443537_10026.JPEG", converted.get(0).get("input").asText());
    assertEquals("PNG, RGB, 8 bits", converted.get(0).get("was").asText());
    assertEquals("OTHER_FORMAT_DECODED", converted.get(0).get("done").get(0).asText());
    assertTrue(json.indexOf("\"rejected\"") < json.indexOf("\"converted\""), json);
    Manifest read = Json.read(json, Manifest.class, "manifest.json");
    assertEquals(List.of(PNG), read.converted());
    assertEquals(1, read.rejectedInputs());
  }

  @Test
  void aManifestOfAnOlderVersionWithoutConversionsStillReads() throws Exception {
    ObjectNode tree = (ObjectNode) Json.mapper().readTree(Json.write(manifest(List.of())));
    assertTrue(tree.has("converted"));
    tree.remove("converted");
    String older = Json.mapper().writeValueAsString(tree);
    assertFalse(older.contains("converted"), older);
    Manifest read = Json.read(older, Manifest.class, "manifest.json");
    assertEquals(List.of(), read.converted());
    assertEquals(manifest(List.of()), read);
  }

  @Test
  void aShardSummaryOfAnOlderVersionWithoutConversionsStillReads() throws Exception {
    String older =
        "{\"shard\":3,\"inputs\":5,\"records\":4,\"classCounts\":{\"n01443537\":4},"
            + "\"rejections\":[]}";
    ShardSummary read = Json.read(older, ShardSummary.class, "footer");
    assertEquals(4, read.records());
    assertEquals(List.of(), read.conversions());
    ShardSummary written =
        Json.read(
            Json.write(new ShardSummary(0, 1, 1, Map.of(), List.of(), List.of(PNG))),
            ShardSummary.class,
            "footer");
    assertEquals(List.of(PNG), written.conversions());
  }
}

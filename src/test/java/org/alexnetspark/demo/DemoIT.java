package org.alexnetspark.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alexnetspark.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main-job command, {@code jobs/local/demo}, on a small subset of Fashion-MNIST, as a
 * user runs it (its own JVM, its own in-process HDFS and local Spark): everything it promises is
 * left in the output folder. (The full demo, on all 70,000 images within its 20-minute budget, is
 * run by hand; the README gives the latest run's time and accuracy.)
 */
class DemoIT {

  @Test
  void theDemoLeavesAModelAReportAndThePictures(@TempDir Path dir) throws Exception {
    Path output = dir.resolve("demo");
    Path log = dir.resolve("demo.log");
    Process demo =
        new ProcessBuilder(
                List.of(
                    Paths.get("jobs/local/demo").toAbsolutePath().toString(),
                    "--output",
                    output.toString(),
                    "--per-class",
                    "60",
                    "--minutes",
                    "4"))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertTrue(demo.waitFor(15, TimeUnit.MINUTES), "the demo finished");
    String text = Files.readString(log);
    assertEquals(0, demo.exitValue(), text);

    for (String stage : List.of("[1/7", "[2/7", "[3/7", "[4/7", "[5/7", "[6/7", "[7/7")) {
      assertTrue(text.contains(stage), "progress of every stage: " + stage);
    }
    assertTrue(text.contains("ten crops:") && text.contains("model:"), text);
    @SuppressWarnings("unchecked")
    Map<String, Object> eval =
        Json.read(Files.readString(output.resolve("eval.json")), Map.class, "eval.json");
    for (String key : List.of("top1", "top5", "ten_crop_top1", "ten_crop_top5")) {
      double value = ((Number) eval.get(key)).doubleValue();
      assertTrue(value >= 0 && value <= 1, key + " = " + value);
    }
    assertTrue(((Number) eval.get("ten_crop_top5")).doubleValue() > 0.5, "it learned something");
    assertTrue(Files.isRegularFile(output.resolve("model/model.zip")));
    assertTrue(Files.isRegularFile(output.resolve("model/_COMPLETE")));
    for (String picture : List.of("curves.png", "confusion.png", "filters.png")) {
      try (InputStream png = Files.newInputStream(output.resolve(picture))) {
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, png.readNBytes(4), picture);
      }
    }
  }
}

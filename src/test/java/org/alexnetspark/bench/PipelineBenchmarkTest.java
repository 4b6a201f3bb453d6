package org.alexnetspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardSummary;
import org.alexnetspark.data.ShardWriter;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.TestImages;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The benchmark runs and reports; its figures are checked by people, not by this test. */
class PipelineBenchmarkTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  @Test
  void reportsBothRatesAndTheirRatio() throws Exception {
    Path shard = new Path("/bench/shard-00000-of-00001.parquet");
    try (ShardWriter writer = new ShardWriter(HDFS.fileSystem(), shard, 1 << 20, 1 << 20)) {
      for (int i = 0; i < 4; i++) {
        writer.write(new StoredImage("a/" + i, 0, "a", TestImages.halvesJpeg(80, 80)));
      }
      writer.finish(new ShardSummary(0, 4, 4, Map.of("a", 4L), List.of()));
    }
    Storage storage = new Storage(HDFS.configuration());
    storage.writeText(
        HDFS.uri("/bench/manifest.json"),
        Json.write(
            new Manifest(
                Manifest.FORMAT,
                "train",
                80,
                4,
                4,
                List.of(new Label(0, "a", "a")),
                Map.of("a", 4L),
                List.of(new Manifest.Shard(shard.getName(), 4, 0, "")),
                List.of(),
                List.of(),
                null)));
    AlexNetConfig config =
        AlexNetConfig.load(List.of(), List.of("model.variant=scaled", "data.image-size=80"));

    PipelineBenchmark.Result result =
        new PipelineBenchmark(storage)
            .run(HDFS.uri("/bench"), config.augment(), JpegDecoder.Kind.AUTO, 67, 4, 0.2);

    assertEquals(4, result.files());
    assertTrue(result.decode() > 0 && result.augment() > 0 && result.opencv() > 0);
    assertTrue(result.augmentFloats() > 0 && result.conversion() > 0, result.render());
    String report = result.render();
    assertTrue(report.contains("decode (" + result.decoder() + ") + train augmentation"), report);
    assertTrue(report.contains("byte crops to floats by ND4J:"), report);
    assertTrue(Double.isNaN(result.turbo()) == report.contains("tjbench not installed"), report);
    if (!Double.isNaN(result.turbo())) {
      assertTrue(report.contains("ratio (decode + augmentation) / libjpeg-turbo"), report);
      assertTrue(report.contains("into floats: "), report);
    }
  }
}

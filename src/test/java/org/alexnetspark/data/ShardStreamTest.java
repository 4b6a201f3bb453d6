package org.alexnetspark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.PcaLighting;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.dataset.DataSet;

class ShardStreamTest {
  @RegisterExtension
  static final MiniHdfs HDFS = new MiniHdfs();

  private static final int STORED = 12;
  private static final int CROP = 10;
  private static final int CLASSES = 5;
  private static final int RECORDS = 37;
  private static final List<String> SHARDS = new ArrayList<>();
  private static final Map<String, Integer> LABELS = new HashMap<>();
  /** Labels of records written by single tests, kept apart from the shared shards' ones. */
  private static final Map<String, Integer> OTHER_LABELS = new HashMap<>();

  /** Three shards of solid-grey images whose grey level and label follow from their index. */
  @BeforeAll
  static void writeShards() throws IOException {
    int next = 0;
    for (int shard = 0; shard < 3; shard++) {
      Path path = new Path("/stream/shard-" + shard + ".parquet");
      try (ShardWriter writer = new ShardWriter(HDFS.fileSystem(), path, 1024, 1 << 20)) {
        int count = shard == 2 ? RECORDS - 2 * 13 : 13;
        for (int i = 0; i < count; i++, next++) {
          byte[] bgr = new byte[3 * STORED * STORED];
          java.util.Arrays.fill(bgr, (byte) (next * 6));
          String key = "c" + (next % CLASSES) + "/img" + next;
          writer.write(new StoredImage(key, next % CLASSES, "c" + (next % CLASSES),
              ImageCodec.encodeJpeg(new Image(STORED, STORED, bgr), 100)));
          LABELS.put(key, next % CLASSES);
        }
        writer.finish(new ShardSummary(shard, count, count, Map.of(), List.of()));
      }
      SHARDS.add(HDFS.uri(path.toString()).toString());
      try (ShardReader reader = ShardReader.open(HDFS.configuration(), path)) {
        assertTrue(reader.rowGroups() > 1, "small row groups: several per shard");
      }
    }
  }

  private static ShardStream stream(Preset preset, int epoch, List<String> shards) {
    Augmenter augmenter = new Augmenter(STORED, CROP, 0.5,
        new PcaLighting(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, new double[] {1, 1, 1}, 0.1),
        null);
    return new ShardStream(HDFS.configuration(), shards, JpegDecoder.of(JpegDecoder.Kind.AUTO),
        augmenter, new ShardStream.Options(8, CLASSES, preset, 42, epoch));
  }

  private record Pass(List<String> keys, List<Long> batchSizes, List<DataSet> batches) {}

  private static Pass read(ShardStream stream) throws IOException {
    List<String> keys = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    List<DataSet> batches = new ArrayList<>();
    try (stream) {
      while (stream.hasNext()) {
        DataSet batch = stream.next();
        List<String> batchKeys = stream.batchKeys();
        sizes.add(batch.getFeatures().size(0));
        int crops = (int) (batch.getFeatures().size(0) / batchKeys.size());
        for (int i = 0; i < batchKeys.size(); i++) {
          for (int c = 0; c < crops; c++) {
            String key = batchKeys.get(i);
            assertEquals(LABELS.getOrDefault(key, OTHER_LABELS.get(key)), batch.getLabels().getRow(i * crops + c).argMax().getInt(0));
            assertEquals(1.0, batch.getLabels().getRow(i * crops + c).sumNumber().doubleValue(), 0.0);
          }
        }
        keys.addAll(batchKeys);
        batches.add(batch);
      }
    }
    return new Pass(keys, sizes, batches);
  }

  @Test
  void everyRecordExactlyOncePerEpochInBatchesWithMatchingLabels() throws IOException {
    Pass pass = read(stream(Preset.TRAIN, 0, SHARDS));
    assertEquals(RECORDS, pass.keys().size());
    assertEquals(new TreeSet<>(LABELS.keySet()), new TreeSet<>(pass.keys()));
    assertEquals(List.of(8L, 8L, 8L, 8L, 5L), pass.batchSizes());
    assertArrayEquals(new long[] {8, 3, CROP, CROP}, pass.batches().get(0).getFeatures().shape());
  }

  @Test
  void eachEpochHasItsOwnOrderAndTheSameEpochTheSameOrderAndPixels() throws IOException {
    Pass first = read(stream(Preset.TRAIN, 0, SHARDS));
    Pass again = read(stream(Preset.TRAIN, 0, SHARDS));
    Pass next = read(stream(Preset.TRAIN, 1, SHARDS));
    assertEquals(first.keys(), again.keys());
    assertEquals(first.batches().get(0).getFeatures(), again.batches().get(0).getFeatures());
    assertNotEquals(first.keys(), next.keys());
    assertEquals(new TreeSet<>(first.keys()), new TreeSet<>(next.keys()));
  }

  @Test
  void evaluationReadsInStoredOrderAndTenCropRepeatsEachImage() throws IOException {
    Pass centre = read(stream(Preset.CENTRE, 0, SHARDS));
    List<String> stored = new ArrayList<>(LABELS.keySet());
    stored.sort(java.util.Comparator.comparingInt(k -> Integer.parseInt(k.substring(k.indexOf("img") + 3))));
    assertEquals(stored, centre.keys());
    assertEquals(centre.keys(), read(stream(Preset.CENTRE, 5, SHARDS)).keys(), "no randomness");

    Pass tenCrop = read(stream(Preset.TEN_CROP, 0, SHARDS));
    assertEquals(stored, tenCrop.keys());
    assertArrayEquals(new long[] {80, 3, CROP, CROP}, tenCrop.batches().get(0).getFeatures().shape());
    // A solid image gives ten identical crops.
    DataSet batch = tenCrop.batches().get(0);
    var first = batch.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0));
    for (int c = 1; c < 10; c++) {
      assertEquals(first, batch.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.point(c)));
    }
  }

  @Test
  void undecodableRecordsAreSkippedAndCounted() throws IOException {
    Path path = new Path("/stream/damaged.parquet");
    try (ShardWriter writer = new ShardWriter(HDFS.fileSystem(), path, 1 << 20, 1 << 20)) {
      byte[] bgr = new byte[3 * STORED * STORED];
      writer.write(new StoredImage("c1/good", 1, "c1", ImageCodec.encodeJpeg(new Image(STORED, STORED, bgr), 90)));
      writer.write(new StoredImage("c2/bad", 2, "c2", new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3}));
      writer.finish(new ShardSummary(0, 2, 2, Map.of(), List.of()));
    }
    OTHER_LABELS.put("c1/good", 1);
    ShardStream stream = stream(Preset.CENTRE, 0, List.of(HDFS.uri(path.toString()).toString()));
    Pass pass = read(stream);
    assertEquals(List.of("c1/good"), pass.keys());
    assertEquals(1, stream.skipped());
  }
}

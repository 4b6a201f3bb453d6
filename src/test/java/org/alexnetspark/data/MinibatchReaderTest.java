package org.alexnetspark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.PcaLighting;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AugmentConfig;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Sha256;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The one reading path (plan + reader) on a real in-process HDFS: every record exactly once per
 * epoch, slicing, order, presets, descriptors, undecodable records.
 */
class MinibatchReaderTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

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
          Arrays.fill(bgr, (byte) (next * 6));
          String key = "c" + (next % CLASSES) + "/img" + next;
          writer.write(
              new StoredImage(
                  key,
                  next % CLASSES,
                  "c" + (next % CLASSES),
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

  private static final int BATCH = 8;

  /**
   * A plan over the given shards, as the jobs build it from a manifest, which is also written
   * beside them (the readers check each shard against it).
   */
  private static MinibatchPlan plan(List<String> shards) throws IOException {
    List<Manifest.Shard> entries = new ArrayList<>();
    for (String shard : shards) {
      Path path = new Path(URI.create(shard));
      Sha256.Summary content;
      try (InputStream in = HDFS.fileSystem().open(path)) {
        content = Sha256.of(in);
      }
      entries.add(new Manifest.Shard(path.getName(), 0, content.bytes(), content.sha256()));
    }
    String folder = shards.get(0).substring(0, shards.get(0).lastIndexOf('/'));
    Manifest manifest = TestShards.manifest(STORED, entries);
    new Storage(HDFS.configuration())
        .writeText(Manifest.manifestUri(URI.create(folder)), Json.write(manifest));
    return MinibatchPlan.of(HDFS.configuration(), manifest, URI.create(folder), BATCH);
  }

  private static MinibatchReader reader(Preset preset, int epoch) {
    Augmenter augmenter = TestShards.augmenter(STORED, CROP);
    return new MinibatchReader(
        () -> augmenter,
        new HadoopConf(HDFS.configuration()),
        new MinibatchReader.Options(JpegDecoder.Kind.AUTO, CLASSES, preset, 42, epoch));
  }

  private record Pass(List<String> keys, List<Long> batchSizes, List<Batch> batches) {}

  /** Reads {@code minibatches} in order with {@code reader}, checking every label on the way. */
  private static Pass read(MinibatchReader reader, List<Minibatch> minibatches) throws IOException {
    List<String> keys = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    List<Batch> batches = new ArrayList<>();
    for (Minibatch minibatch : minibatches) {
      Batch batch = reader.read(Minibatch.parse(minibatch.descriptor()));
      sizes.add(batch.features().size(0));
      int crops = batch.crops();
      assertEquals(batch.images() * crops, batch.features().size(0));
      for (int i = 0; i < batch.images(); i++) {
        String key = batch.keys().get(i);
        int label = LABELS.getOrDefault(key, OTHER_LABELS.getOrDefault(key, -1));
        assertEquals(label, batch.classes()[i], key);
        for (int c = 0; c < crops; c++) {
          assertEquals(label, batch.labels().getRow(i * crops + c).argMax().getInt(0));
          assertEquals(1.0, batch.labels().getRow(i * crops + c).sumNumber().doubleValue(), 0.0);
        }
      }
      keys.addAll(batch.keys());
      batches.add(batch);
    }
    return new Pass(keys, sizes, batches);
  }

  private static Pass train(int epoch) throws IOException {
    return read(reader(Preset.TRAIN, epoch), plan(SHARDS).epoch(42, epoch));
  }

  @Test
  void everyRecordExactlyOncePerEpochInBatchesWithMatchingLabels() throws IOException {
    Pass pass = train(0);
    assertEquals(RECORDS, pass.keys().size());
    assertEquals(new TreeSet<>(LABELS.keySet()), new TreeSet<>(pass.keys()));
    assertEquals(RECORDS, plan(SHARDS).records());
    assertEquals(RECORDS, plan(SHARDS).images(plan(SHARDS).epoch(42, 0)));
    // Minibatches never span row groups; a row group's slices differ by one record at most.
    assertTrue(
        pass.batchSizes().stream().allMatch(n -> n >= 1 && n <= BATCH),
        pass.batchSizes().toString());
    Batch first = pass.batches().get(0);
    assertArrayEquals(new long[] {first.images(), 3, CROP, CROP}, first.features().shape());
  }

  @Test
  void byteCropsConvertedByTheBackendMakeTheSameBatchesAsFloatsWrittenOnTheCore()
      throws IOException {
    float[] mean = new float[3 * STORED * STORED];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = (i * 37 % 251) + 0.5f;
    }
    for (Preset preset : List.of(Preset.TRAIN, Preset.TEN_CROP)) {
      List<Minibatch> minibatches =
          preset == Preset.TRAIN ? plan(SHARDS).epoch(42, 1) : plan(SHARDS).inOrder();
      Pass[] passes = new Pass[2];
      for (AugmentConfig.FloatConversion conversion :
          List.of(AugmentConfig.FloatConversion.CPU, AugmentConfig.FloatConversion.BACKEND)) {
        Augmenter augmenter =
            new Augmenter(
                STORED,
                CROP,
                0.5,
                new PcaLighting(
                    new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, new double[] {1, 1, 1}, 0.1),
                mean,
                1 / 60f,
                conversion);
        assertEquals(
            conversion == AugmentConfig.FloatConversion.BACKEND, augmenter.convertsOnBackend());
        MinibatchReader reader =
            new MinibatchReader(
                () -> augmenter,
                new HadoopConf(HDFS.configuration()),
                new MinibatchReader.Options(JpegDecoder.Kind.AUTO, CLASSES, preset, 42, 1));
        passes[conversion.ordinal() - 1] = read(reader, minibatches);
      }
      assertEquals(passes[0].keys(), passes[1].keys(), preset.toString());
      assertEquals(RECORDS, passes[1].keys().size(), preset.toString());
      for (int b = 0; b < passes[0].batches().size(); b++) {
        Batch floats = passes[0].batches().get(b);
        Batch converted = passes[1].batches().get(b);
        assertArrayEquals(floats.features().shape(), converted.features().shape());
        // Bit for bit: JUnit compares floats by their bits.
        assertArrayEquals(
            floats.features().data().asFloat(),
            converted.features().data().asFloat(),
            preset + " minibatch " + b);
      }
    }
  }

  @Test
  void slicesOfARowGroupCoverItExactlyAndDifferByOneAtMost() {
    for (int size : new int[] {1, 7, 8, 9, 23, 64}) {
      int count = Math.max(1, (size + BATCH - 1) / BATCH);
      int covered = 0;
      int smallest = Integer.MAX_VALUE;
      int largest = 0;
      for (int i = 0; i < count; i++) {
        Minibatch slice = new Minibatch("hdfs://nn/x.parquet", 0, i, count);
        assertEquals(covered, slice.from(size), "slices are contiguous");
        covered = slice.to(size);
        smallest = Math.min(smallest, slice.to(size) - slice.from(size));
        largest = Math.max(largest, slice.to(size) - slice.from(size));
      }
      assertEquals(size, covered);
      assertTrue(
          largest - smallest <= 1 && largest <= BATCH, size + ": " + smallest + ".." + largest);
    }
  }

  @Test
  void descriptorsRoundTripAndBadOnesAreRefusedWithTheirText() {
    Minibatch batch =
        new Minibatch("hdfs://nn:8020/data/a b#c/shard-00001-of-00002.parquet", 3, 1, 4);
    assertEquals(batch, Minibatch.parse(batch.descriptor()));
    assertEquals("hdfs://nn:8020/data/a b#c/shard-00001-of-00002.parquet#3", batch.rowGroupKey());
    for (String bad : new String[] {"no-hash", "x#1/2", "x#a/0/1", "x#0/1/1", "x#-1/0/1"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Minibatch.parse(bad));
      assertTrue(e.getMessage().contains(bad), e.getMessage());
    }
  }

  @Test
  void eachEpochHasItsOwnOrderAndTheSameEpochTheSameOrderAndPixels() throws IOException {
    Pass first = train(0);
    Pass again = train(0);
    Pass next = train(1);
    assertEquals(first.keys(), again.keys());
    assertEquals(first.batches().get(0).features(), again.batches().get(0).features());
    assertNotEquals(first.keys(), next.keys());
    assertEquals(new TreeSet<>(first.keys()), new TreeSet<>(next.keys()));
  }

  @Test
  void evaluationReadsInStoredOrderAndTenCropRepeatsEachImage() throws IOException {
    Pass centre = read(reader(Preset.CENTRE, 0), plan(SHARDS).inOrder());
    List<String> stored = new ArrayList<>(LABELS.keySet());
    stored.sort(Comparator.comparingInt(k -> Integer.parseInt(k.substring(k.indexOf("img") + 3))));
    assertEquals(stored, centre.keys());
    assertEquals(
        centre.keys(),
        read(reader(Preset.CENTRE, 5), plan(SHARDS).inOrder()).keys(),
        "no randomness");

    Pass tenCrop = read(reader(Preset.TEN_CROP, 0), plan(SHARDS).inOrder());
    assertEquals(stored, tenCrop.keys());
    Batch batch = tenCrop.batches().get(0);
    assertArrayEquals(new long[] {10L * batch.images(), 3, CROP, CROP}, batch.features().shape());
    // A solid image gives ten identical crops.
    var first = batch.features().get(NDArrayIndex.point(0));
    for (int c = 1; c < 10; c++) {
      assertEquals(first, batch.features().get(NDArrayIndex.point(c)));
    }
  }

  @Test
  void undecodableRecordsAreSkippedAndCounted() throws IOException {
    Path path = new Path("/stream/damaged.parquet");
    try (ShardWriter writer = new ShardWriter(HDFS.fileSystem(), path, 1 << 20, 1 << 20)) {
      byte[] bgr = new byte[3 * STORED * STORED];
      writer.write(
          new StoredImage(
              "c1/good", 1, "c1", ImageCodec.encodeJpeg(new Image(STORED, STORED, bgr), 90)));
      writer.write(
          new StoredImage("c2/bad", 2, "c2", new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3}));
      writer.finish(new ShardSummary(0, 2, 2, Map.of(), List.of()));
    }
    OTHER_LABELS.put("c1/good", 1);
    MinibatchReader reader = reader(Preset.CENTRE, 0);
    Pass pass = read(reader, plan(List.of(HDFS.uri(path.toString()).toString())).inOrder());
    assertEquals(List.of("c1/good"), pass.keys());
    assertEquals(1, reader.skipped());
    assertEquals(1, pass.batches().get(0).skipped());
  }
}

package org.alexnetspark.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.CraftedInputs;
import org.alexnetspark.testing.LocalSpark;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shards that were changed after {@code prepare}, read the way training and evaluation read them:
 * records whose JPEG header lies are skipped and counted while the task goes on; shards whose bytes
 * differ from the manifest are refused with an error naming them. No JVM crash, no huge allocation.
 */
class CraftedShardsTest {
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static final int STORED = 32;
  private static final int CROP = 28;
  private static final int CLASSES = 3;
  private static final Configuration CONF = new Configuration();

  @TempDir static java.nio.file.Path root;

  private static byte[] stored(long seed) {
    byte[] bgr = new byte[3 * STORED * STORED];
    new Random(seed).nextBytes(bgr);
    return ImageCodec.encodeJpeg(new Image(STORED, STORED, bgr), 90);
  }

  private static List<StoredImage> goodRecords(String prefix, int count) {
    List<StoredImage> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      records.add(
          new StoredImage("c" + i % CLASSES + "/" + prefix + i, i % CLASSES, "c", stored(i)));
    }
    return records;
  }

  /**
   * Writes the shards of a dataset in {@code folder} and a manifest listing them as prepare does.
   */
  private static URI dataset(String folder, List<List<StoredImage>> shards) throws IOException {
    URI uri = root.resolve(folder).toUri();
    FileSystem fs = FileSystem.get(uri, CONF);
    List<Manifest.Shard> entries = new ArrayList<>();
    for (int s = 0; s < shards.size(); s++) {
      String name = ShardFormat.shardName(s, shards.size());
      Path path = new Path(new Path(uri), name);
      ShardWriter.Written written;
      try (ShardWriter writer = new ShardWriter(fs, path, 1 << 20, 1 << 20)) {
        for (StoredImage image : shards.get(s)) {
          writer.write(image);
        }
        long n = shards.get(s).size();
        written = writer.finish(new ShardSummary(s, n, n, Map.of(), List.of()));
      }
      entries.add(
          new Manifest.Shard(name, shards.get(s).size(), written.bytes(), written.sha256()));
    }
    writeManifest(uri, entries);
    return uri;
  }

  private static void writeManifest(URI folder, List<Manifest.Shard> entries) throws IOException {
    Manifest manifest = TestShards.manifest(STORED, entries);
    new Storage(CONF).writeText(Manifest.manifestUri(folder), Json.write(manifest));
  }

  private static Manifest manifest(URI folder) throws IOException {
    return Manifest.read(new Storage(CONF), folder);
  }

  private static MinibatchReader reader(JpegDecoder.Kind decoder) {
    Augmenter augmenter = TestShards.augmenter(STORED, CROP);
    return new MinibatchReader(
        () -> augmenter,
        new HadoopConf(CONF),
        new MinibatchReader.Options(decoder, CLASSES, Preset.CENTRE, 7, 0));
  }

  private static List<String> descriptors(URI dataset) throws IOException {
    return MinibatchPlan.of(CONF, manifest(dataset), dataset, 4).inOrder().stream()
        .map(Minibatch::descriptor)
        .toList();
  }

  /** Keys of every image read, in order. */
  private static List<String> readAll(MinibatchReader reader, URI dataset) throws IOException {
    List<String> keys = new ArrayList<>();
    for (String descriptor : descriptors(dataset)) {
      keys.addAll(reader.read(Minibatch.parse(descriptor)).keys());
    }
    return keys;
  }

  /** Six honest records around four that lie about their size. */
  private static URI lyingRecordsDataset() throws IOException {
    List<StoredImage> records = new ArrayList<>(goodRecords("good", 6));
    byte[] honest = stored(99);
    records.add(
        2,
        new StoredImage(
            "c1/claims-37838",
            1,
            "c",
            CraftedInputs.jpegClaiming(
                honest, CraftedInputs.WRAPS_TO_SMALL, CraftedInputs.WRAPS_TO_SMALL)));
    records.add(
        4,
        new StoredImage(
            "c2/claims-26755",
            2,
            "c",
            CraftedInputs.jpegClaiming(
                honest, CraftedInputs.WRAPS_TO_NEGATIVE, CraftedInputs.WRAPS_TO_NEGATIVE)));
    byte[] otherDataset = ImageCodec.encodeJpeg(new Image(64, 64, new byte[3 * 64 * 64]), 90);
    records.add(new StoredImage("c0/from-a-64-pixel-dataset", 0, "c", otherDataset));
    records.add(new StoredImage("c0/not-a-jpeg", 0, "c", "text".getBytes()));
    return dataset("lying-" + System.nanoTime(), List.of(records));
  }

  private static List<JpegDecoder.Kind> decoders() {
    List<JpegDecoder.Kind> kinds = new ArrayList<>(List.of(JpegDecoder.Kind.OPENCV));
    try {
      JpegDecoder.of(JpegDecoder.Kind.TURBOJPEG);
      kinds.add(JpegDecoder.Kind.TURBOJPEG);
    } catch (IllegalStateException e) {
      System.err.println("libturbojpeg not installed: only the OpenCV decoder is tried");
    }
    return kinds;
  }

  @Test
  void recordsWhoseJpegHeaderLiesAreSkippedAndCountedAndTheRestRead() throws IOException {
    URI dataset = lyingRecordsDataset();
    for (JpegDecoder.Kind kind : decoders()) {
      MinibatchReader reader = reader(kind);
      List<String> keys = readAll(reader, dataset);
      assertEquals(
          goodRecords("good", 6).stream().map(StoredImage::key).toList(), keys, kind.toString());
      assertEquals(4, reader.skipped(), kind.toString());
    }
  }

  @Test
  void inASparkTaskTheRecordClaiming37838PixelsIsReportedAndTheTaskGoesOn() throws IOException {
    URI dataset = lyingRecordsDataset();
    MinibatchReader reader = reader(JpegDecoder.Kind.AUTO);
    List<long[]> perTask =
        SPARK
            .context()
            .parallelize(descriptors(dataset), 1)
            .mapPartitions(
                descriptors -> {
                  long images = 0;
                  while (descriptors.hasNext()) {
                    images += reader.read(Minibatch.parse(descriptors.next())).images();
                  }
                  return List.of(new long[] {images, reader.skipped()}).iterator();
                })
            .collect();
    assertEquals(1, perTask.size());
    assertEquals(6, perTask.get(0)[0], "every honest record read");
    assertEquals(4, perTask.get(0)[1], "every lying record skipped and counted");
  }

  private static IOException refused(URI dataset) {
    return assertThrows(
        IOException.class, () -> readAll(reader(JpegDecoder.Kind.AUTO), dataset), "refused");
  }

  /**
   * Rewrites a shard file the way a tool outside Hadoop would: without the checksum file that
   * Hadoop's local file system keeps beside it (which would catch the change by itself; HDFS keeps
   * its checksums out of reach, and a rewrite through HDFS makes new ones).
   */
  private static void rewrite(java.nio.file.Path file, byte[] bytes) throws IOException {
    Files.write(file, bytes);
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
  }

  private static java.nio.file.Path shardFile(URI dataset, int index, int count) {
    return java.nio.file.Path.of(dataset).resolve(ShardFormat.shardName(index, count));
  }

  @Test
  void aShardWithAFlippedBitInARecordIsRefusedNamingIt() throws IOException {
    URI dataset = dataset("flipped", List.of(goodRecords("a", 8)));
    java.nio.file.Path file = shardFile(dataset, 0, 1);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    rewrite(file, bytes);
    IOException e = refused(dataset);
    assertTrue(e.getMessage().contains("shard-00000-of-00001.parquet"), e.getMessage());
    assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    assertTrue(e.getMessage().contains("changed after 'alexnet prepare'"), e.getMessage());
  }

  @Test
  void aShardWithRecordsSwappedIsRefusedNamingIt() throws IOException {
    List<StoredImage> records = goodRecords("s", 8);
    URI dataset = dataset("swapped", List.of(records));
    Manifest original = manifest(dataset);
    List<StoredImage> swapped = new ArrayList<>(records);
    swapped.set(1, records.get(6));
    swapped.set(6, records.get(1));
    Files.delete(shardFile(dataset, 0, 1));
    Files.deleteIfExists(
        shardFile(dataset, 0, 1).resolveSibling(".shard-00000-of-00001.parquet.crc"));
    dataset("swapped", List.of(swapped));
    writeManifest(dataset, original.shards()); // the manifest of the original shard
    IOException e = refused(dataset);
    assertTrue(e.getMessage().contains("shard-00000-of-00001.parquet"), e.getMessage());
    assertTrue(e.getMessage().contains("changed after 'alexnet prepare'"), e.getMessage());
  }

  @Test
  void aTruncatedShardIsRefusedNamingIt() throws IOException {
    URI dataset = dataset("truncated", List.of(goodRecords("t", 8)));
    Manifest prepared = manifest(dataset);
    java.nio.file.Path file = shardFile(dataset, 0, 1);
    byte[] bytes = Files.readAllBytes(file);
    rewrite(file, Arrays.copyOf(bytes, bytes.length / 2));
    // On the driver: the length differs from the manifest's.
    IOException planned = assertThrows(IOException.class, () -> descriptors(dataset));
    assertTrue(planned.getMessage().contains("shard-00000-of-00001.parquet"), planned.getMessage());
    // On an executor reading minibatches planned before the shard was cut short.
    rewrite(file, bytes);
    List<String> planBefore = descriptors(dataset);
    rewrite(file, Arrays.copyOf(bytes, bytes.length / 2));
    IOException read =
        assertThrows(
            IOException.class,
            () -> reader(JpegDecoder.Kind.AUTO).read(Minibatch.parse(planBefore.get(0))));
    assertTrue(read.getMessage().contains("shard-00000-of-00001.parquet"), read.getMessage());
    // A manifest from before SHA-256 and lengths were recorded: Parquet's own error, named.
    writeManifest(dataset, List.of(new Manifest.Shard(prepared.shards().get(0).file(), 0, 0, "")));
    IOException unchecked =
        assertThrows(
            IOException.class,
            () -> reader(JpegDecoder.Kind.AUTO).read(Minibatch.parse(planBefore.get(0))));
    assertTrue(
        unchecked.getMessage().contains("shard-00000-of-00001.parquet"), unchecked.getMessage());
  }

  @Test
  void withoutSha256InTheManifestFlippedRecordsAreSkippedOrReadButNeverCrash() throws IOException {
    URI dataset = dataset("unchecked", List.of(goodRecords("u", 8)));
    Manifest prepared = manifest(dataset);
    writeManifest(dataset, List.of(new Manifest.Shard(prepared.shards().get(0).file(), 8, 0, "")));
    java.nio.file.Path file = shardFile(dataset, 0, 1);
    byte[] bytes = Files.readAllBytes(file);
    Random random = new Random(5);
    for (int i = 0; i < 200; i++) { // inside the records, away from Parquet's headers and footer
      bytes[bytes.length / 4 + random.nextInt(bytes.length / 3)] ^= (byte) (1 << random.nextInt(8));
    }
    rewrite(file, bytes);
    for (JpegDecoder.Kind kind : decoders()) {
      MinibatchReader reader = reader(kind);
      try {
        List<String> keys = readAll(reader, dataset);
        assertEquals(8, keys.size() + reader.skipped(), kind.toString());
      } catch (IOException e) {
        assertTrue(e.getMessage().contains("shard-00000-of-00001.parquet"), e.getMessage());
      }
    }
  }

  @Test
  void aShardIsHashedOncePerVersionOfTheFile() throws IOException {
    URI dataset = dataset("once", List.of(goodRecords("o", 8)));
    URI shard =
        Path.mergePaths(new Path(dataset), new Path("/" + ShardFormat.shardName(0, 1))).toUri();
    ShardVerification.verify(CONF, shard, manifest(dataset));
    // The content changes, the length and modification time stay: not hashed again (the cost of
    // hashing once per JVM), but a new modification time is a new version, hashed again.
    java.nio.file.Path file = shardFile(dataset, 0, 1);
    byte[] bytes = Files.readAllBytes(file);
    var modified = Files.getLastModifiedTime(file);
    bytes[bytes.length / 2] ^= 1;
    rewrite(file, bytes);
    Files.setLastModifiedTime(file, modified);
    ShardVerification.verify(CONF, shard, manifest(dataset));
    Files.setLastModifiedTime(file, FileTime.fromMillis(modified.toMillis() + 1000));
    IOException e =
        assertThrows(
            IOException.class, () -> ShardVerification.verify(CONF, shard, manifest(dataset)));
    assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
  }

  @AfterAll
  static void theJvmDidNotCrash() throws IOException {
    assertEquals(List.of(), CraftedInputs.crashLogs());
  }
}

package org.alexnetspark.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Conversion;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardFormat;
import org.alexnetspark.data.ShardReader;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.IlsvrcFixture;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code prepare} straight from ILSVRC-2012-shaped archives on HDFS gives the dataset that the same
 * images unpacked give, and refuses an archive whose MD5 is not the expected one.
 */
class IlsvrcArchiveIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static final int TRAIN_PER_CLASS = 12;
  private static final int VAL_PER_CLASS = 3;

  private static IlsvrcFixture fixture;
  private static FileSystem fs;
  private static Storage storage;
  private static URI checksums;
  private static Map<String, String> md5 = new HashMap<>();

  @BeforeAll
  static void makeArchives() throws Exception {
    fs = HDFS.fileSystem();
    storage = new Storage(HDFS.configuration());
    fixture =
        IlsvrcFixture.write(
            HDFS.configuration(), HDFS.uri("/ilsvrc"), TRAIN_PER_CLASS, VAL_PER_CLASS);
    StringBuilder sums = new StringBuilder();
    for (String name :
        List.of(IlsvrcFixture.TRAIN_TAR, IlsvrcFixture.VAL_TAR, IlsvrcFixture.DEVKIT)) {
      md5.put(name, md5(bytes(fixture.file(name))));
      sums.append(md5.get(name)).append("  ").append(name).append('\n');
    }
    checksums = HDFS.uri("/ilsvrc/MD5SUMS");
    write(checksums, sums.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static AlexNetConfig config() {
    return SmallShards.config();
  }

  private static Manifest prepare(PrepareJob.Request request) throws IOException {
    return SmallShards.prepare(config(), storage, SPARK.context(), request);
  }

  @Test
  void archivesGiveTheSameRecordsAsTheUnpackedTree() throws Exception {
    URI tree = fixture.file("tree");
    Manifest treeTrain =
        prepare(new PrepareJob.Request(tree, out("tree-train"), "train", null, null, null));
    Manifest archiveTrain =
        prepare(
            new PrepareJob.Request(
                fixture.file(IlsvrcFixture.TRAIN_TAR),
                out("archive-train"),
                "train",
                null,
                null,
                null,
                null,
                checksums));

    // Labels computed here: index of the wnid among the sorted wnids.
    List<String> sorted = IlsvrcFixture.CLASSES.stream().map(c -> c[0]).sorted().toList();
    Map<String, Integer> expectedTrain = new TreeMap<>();
    fixture.train().forEach((key, wnid) -> expectedTrain.put(key, sorted.indexOf(wnid)));
    assertEquals(10 * TRAIN_PER_CLASS, expectedTrain.size());
    assertEquals(expectedTrain, records(out("tree-train"), treeTrain));
    assertEquals(expectedTrain, records(out("archive-train"), archiveTrain));
    assertEquals(treeTrain.classCounts(), archiveTrain.classCounts());
    archiveTrain.classCounts().values().forEach(n -> assertEquals(TRAIN_PER_CLASS, n));
    assertEquals(List.of(), archiveTrain.rejected());
    assertTrue(expectedTrain.containsKey(fixture.cmykKey()));
    assertTrue(expectedTrain.containsKey(fixture.pngKey()));
    assertTrue(
        archiveTrain.shards().size() > 10, "several shards: " + archiveTrain.shards().size());
    // The archive holds one tar per class; its shards mix classes as a tree's do (minibatches are
    // cut from a shard's row groups).
    List<URI> shardUris = archiveTrain.shardUris(out("archive-train"));
    for (int i = 0; i < shardUris.size(); i++) {
      URI shard = shardUris.get(i);
      if (archiveTrain.shards().get(i).records() < 4) {
        continue; // the last, short shard may draw one class by chance
      }
      Set<Integer> classes = new TreeSet<>();
      try (ShardReader reader = ShardReader.open(HDFS.configuration(), new Path(shard))) {
        for (int g = 0; g < reader.rowGroups(); g++) {
          reader.readRowGroup(g).forEach(image -> classes.add(image.label()));
        }
      }
      assertTrue(classes.size() > 1, shard + " holds one class only: " + classes);
    }
    // The CMYK JPEG and the PNG named .JPEG are converted and listed, from the tree as from the
    // archive, and nothing else is (the other photos are greyscale JPEGs: no conversion).
    for (Manifest manifest : List.of(treeTrain, archiveTrain)) {
      Map<String, List<Conversion.Step>> converted = new TreeMap<>();
      for (Conversion conversion : manifest.converted()) {
        String file = conversion.input().substring(conversion.input().lastIndexOf('/') + 1);
        converted.put(file, conversion.done());
      }
      assertEquals(
          Map.of(
              fileOf(fixture.cmykKey()),
              List.of(Conversion.Step.CMYK_TO_RGB),
              fileOf(fixture.pngKey()),
              List.of(Conversion.Step.OTHER_FORMAT_DECODED)),
          converted,
          manifest.provenance().input());
    }
    String json = storage.readText(Manifest.manifestUri(out("archive-train")));
    assertTrue(json.replaceAll("\\s", "").contains("\"was\":\"JPEG,CMYK,8bits\""), json);

    Manifest treeVal =
        prepare(
            new PrepareJob.Request(
                tree,
                out("tree-val"),
                "val",
                URI.create(tree + "/val_labels.txt"),
                null,
                out("tree-train")));
    Manifest archiveVal =
        prepare(
            new PrepareJob.Request(
                fixture.file(IlsvrcFixture.VAL_TAR),
                out("archive-val"),
                "val",
                null,
                null,
                out("archive-train"),
                fixture.file(IlsvrcFixture.DEVKIT),
                checksums));
    Manifest treeDevkitVal =
        prepare(
            new PrepareJob.Request(
                tree,
                out("tree-devkit-val"),
                "val",
                null,
                null,
                out("tree-train"),
                fixture.file(IlsvrcFixture.DEVKIT),
                checksums));
    Map<String, Integer> expectedVal = new TreeMap<>();
    fixture.validation().forEach((key, wnid) -> expectedVal.put(key, sorted.indexOf(wnid)));
    assertEquals(10 * VAL_PER_CLASS, expectedVal.size());
    assertEquals(expectedVal, records(out("tree-val"), treeVal));
    assertEquals(expectedVal, records(out("archive-val"), archiveVal));
    assertEquals(expectedVal, records(out("tree-devkit-val"), treeDevkitVal));
    assertEquals(treeVal.classCounts(), archiveVal.classCounts());
    assertEquals(List.of(), archiveVal.rejected());
  }

  @Test
  void aRerunFromAnArchiveAfterACrashKeepsFinishedShardsAndRedoesTheRest() throws Exception {
    PrepareJob.Request request =
        new PrepareJob.Request(
            fixture.file(IlsvrcFixture.TRAIN_TAR),
            out("archive-resume"),
            "train",
            null,
            null,
            null,
            null,
            checksums);
    PrepareJob job = new PrepareJob(config(), storage);
    PreparePlan plan = job.check(request);
    Manifest first = job.run(SPARK.context(), request, plan);
    assertTrue(first.shards().size() > 10, "several shards: " + first.shards().size());

    // A run that died while writing shards 1 and the last: no manifest, those shards missing, a
    // half-written temporary file, the plan still there.
    Path output = new Path(request.output());
    fs.delete(new Path(output, ShardFormat.MANIFEST), false);
    List<String> lost =
        List.of(first.shards().get(1).file(), first.shards().get(first.shards().size() - 1).file());
    for (String file : lost) {
      fs.delete(new Path(output, file), false);
    }
    write(
        new Path(output, "." + lost.get(0) + ".tmp-crashed").toUri(),
        new byte[] {'P', 'A', 'R', '1', 0, 0});
    storage.writeText(
        new Path(output, PrepareJob.PLAN_FILE).toUri(),
        Json.write(PreparePlanner.SavedPlan.of(plan)));
    Map<String, Long> kept = new TreeMap<>();
    for (Manifest.Shard shard : first.shards()) {
      if (!lost.contains(shard.file())) {
        kept.put(
            shard.file(), fs.getFileStatus(new Path(output, shard.file())).getModificationTime());
      }
    }

    Manifest second = prepare(request);
    assertEquals(first.shards(), second.shards(), "same shards, same checksums");
    assertEquals(first.classCounts(), second.classCounts());
    assertEquals(first.rejected(), second.rejected());
    assertEquals(first.converted(), second.converted(), "conversions of kept shards from footers");
    assertEquals(2, second.converted().size());
    for (Map.Entry<String, Long> shard : kept.entrySet()) {
      assertEquals(
          shard.getValue(),
          fs.getFileStatus(new Path(output, shard.getKey())).getModificationTime(),
          shard.getKey() + " was kept, not rewritten");
    }
    assertFalse(fs.exists(new Path(output, PrepareJob.PLAN_FILE)));
  }

  @Test
  void aFlippedByteIsRefusedNamingTheExpectedAndActualMd5() throws Exception {
    byte[] damaged = bytes(fixture.file(IlsvrcFixture.TRAIN_TAR));
    damaged[damaged.length / 2] ^= 0x01;
    URI archive = HDFS.uri("/damaged/" + IlsvrcFixture.TRAIN_TAR);
    write(archive, damaged);
    PrepareJob.Request request =
        new PrepareJob.Request(archive, out("damaged"), "train", null, null, null, null, checksums);
    IOException refused =
        assertThrows(
            ArchiveChecksums.MismatchException.class,
            () -> new PrepareJob(config(), storage).check(request));
    String message = refused.getMessage();
    assertTrue(message.contains(archive.getPath()), message);
    assertTrue(message.contains("expected " + md5.get(IlsvrcFixture.TRAIN_TAR)), message);
    assertTrue(message.contains("has MD5 " + md5(damaged)), message);
    assertFalse(fs.exists(new Path(out("damaged"))));
  }

  @Test
  void theRealArchivesNamesAreCheckedAgainstTheirPublishedMd5() {
    PrepareJob.Request request =
        new PrepareJob.Request(
            fixture.file(IlsvrcFixture.VAL_TAR),
            out("unchecked"),
            "val",
            null,
            null,
            null,
            fixture.file(IlsvrcFixture.DEVKIT),
            null);
    IOException refused =
        assertThrows(
            ArchiveChecksums.MismatchException.class,
            () -> new PrepareJob(config(), storage).check(request));
    // The devkit is read first: its published MD5 is not the fixture's.
    assertTrue(
        refused.getMessage().contains("expected fa75699e90414af021442c21a62c3abf"),
        refused.getMessage());
    assertTrue(refused.getMessage().contains(md5.get(IlsvrcFixture.DEVKIT)), refused.getMessage());
  }

  /** The file name of a fixture key ({@code <wnid>/<file without extension>}). */
  private static String fileOf(String key) {
    return key.substring(key.indexOf('/') + 1) + ".JPEG";
  }

  private static URI out(String name) {
    return HDFS.uri("/out/" + name);
  }

  /** Every record of a prepared dataset: key -> label. */
  private static Map<String, Integer> records(URI dataset, Manifest manifest) throws IOException {
    Map<String, Integer> records = new TreeMap<>();
    for (URI shard : manifest.shardUris(dataset)) {
      try (ShardReader reader = ShardReader.open(HDFS.configuration(), new Path(shard))) {
        for (int g = 0; g < reader.rowGroups(); g++) {
          for (StoredImage image : reader.readRowGroup(g)) {
            assertEquals(null, records.put(image.key(), image.label()), "duplicate " + image.key());
          }
        }
      }
    }
    return records;
  }

  private static byte[] bytes(URI file) throws IOException {
    try (InputStream in = fs.open(new Path(file))) {
      return in.readAllBytes();
    }
  }

  private static void write(URI file, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(new Path(file))) {
      out.write(bytes);
    }
  }

  private static String md5(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
  }
}

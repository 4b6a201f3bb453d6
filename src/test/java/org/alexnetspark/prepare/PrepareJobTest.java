package org.alexnetspark.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Rejection;
import org.alexnetspark.data.ShardFormat;
import org.alexnetspark.data.ShardReader;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.CraftedInputs;
import org.alexnetspark.testing.FashionMnist;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.TestImages;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class PrepareJobTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static final int PER_CLASS = 12;

  /** Broken inputs put into the training tree, with the start of the reason each must get. */
  private static final Map<String, String> BROKEN = new HashMap<>();

  private static FileSystem fs;
  private static Storage storage;

  @BeforeAll
  static void makeInputs() throws IOException {
    fs = HDFS.fileSystem();
    storage = new Storage(HDFS.configuration());
    FashionMnist.tree(HDFS.configuration(), HDFS.uri("/fm"), "train", PER_CLASS);
    FashionMnist.tree(HDFS.configuration(), HDFS.uri("/fm"), "val", 3);
    byte[] good = TestImages.halvesJpeg(64, 48);
    broken("/fm/train/bag/truncated.JPEG", Arrays.copyOf(good, good.length / 2), "truncated JPEG");
    broken("/fm/train/coat/empty.JPEG", new byte[0], "empty file");
    broken(
        "/fm/train/coat/notes.txt",
        "not a picture".getBytes(StandardCharsets.UTF_8),
        "not an image");
    byte[] garbled = good.clone();
    for (int i = 400; i < garbled.length - 2; i++) {
      garbled[i] = (byte) (i * 31);
    }
    broken("/fm/train/dress/garbled.JPEG", garbled, "cannot decode JPEG");
    broken("/fm/train/shirt/.DS_Store", new byte[] {0, 0, 0, 1}, "hidden file");
    craftedInputs(good);
    broken("/fm/train/stray.JPEG", good, "not in a class folder");
    broken("/fm/train/bad name/x.JPEG", good, "class folder name 'bad name' is not allowed");
    fs.mkdirs(new Path("/fm/train/shirt/nested"));
    BROKEN.put(fs.makeQualified(new Path("/fm/train/shirt/nested")).toString(), "nested folder");
    fs.mkdirs(new Path("/fm/train/empty-class"));
    BROKEN.put(
        fs.makeQualified(new Path("/fm/train/empty-class")).toString(), "empty class folder");
  }

  /**
   * Real small images whose headers claim sizes that overflow 32-bit buffer arithmetic or exceed
   * the pixel limit: each is refused from its header, with the size it claims in the reason.
   */
  private static void craftedInputs(byte[] jpeg) throws IOException {
    int big = CraftedInputs.WRAPS_TO_SMALL;
    int negative = CraftedInputs.WRAPS_TO_NEGATIVE;
    broken(
        "/fm/train/bag/claims-37838.JPEG",
        CraftedInputs.jpegClaiming(jpeg, big, big),
        "cannot decode JPEG (its header declares 37838x37838 pixels, which take at least");
    broken(
        "/fm/train/bag/claims-26755.JPEG",
        CraftedInputs.jpegClaiming(jpeg, negative, negative),
        "cannot decode JPEG (its header declares 26755x26755 pixels, which take at least");
    broken(
        "/fm/train/coat/claims-37838.png",
        CraftedInputs.pngClaiming(CraftedInputs.imageIo("png", 64, 48), big, big),
        "too large: 37838x37838 pixels, as its PNG header declares");
    broken(
        "/fm/train/coat/claims-37838.gif",
        CraftedInputs.gifClaiming(CraftedInputs.imageIo("gif", 64, 48), big, big),
        "too large: 37838x37838 pixels, as its GIF header declares");
    broken(
        "/fm/train/dress/claims-37838.tif",
        CraftedInputs.tiffClaiming(CraftedInputs.imageIo("tiff", 64, 48), big, big),
        "too large: 37838x37838 pixels, as its TIFF header declares");
    broken(
        "/fm/train/dress/claims-37838.bmp",
        CraftedInputs.bmpClaiming(CraftedInputs.imageIo("bmp", 64, 48), big, big),
        "too large: 37838x37838 pixels, as its BMP header declares");
    broken(
        "/fm/train/shirt/claims-16383.webp",
        CraftedInputs.webpClaiming(CraftedInputs.webp(64, 48), 16383, 16383),
        "too large: 16383x16383 pixels, as its WEBP header declares");
    broken(
        "/fm/train/shirt/claims-37838-extended.webp",
        CraftedInputs.webpExtendedClaiming(CraftedInputs.webp(64, 48), big, big),
        "too large: 37838x37838 pixels, as its WEBP header declares");
  }

  @AfterAll
  static void theJvmDidNotCrash() throws IOException {
    assertEquals(List.of(), CraftedInputs.crashLogs());
  }

  private static void broken(String path, byte[] bytes, String reason) throws IOException {
    try (OutputStream out = fs.create(new Path(path))) {
      out.write(bytes);
    }
    String qualified = fs.makeQualified(new Path(path)).toString();
    BROKEN.put(
        path.contains("bad name") ? qualified.substring(0, qualified.lastIndexOf('/')) : qualified,
        reason);
  }

  private static AlexNetConfig config(String... extra) {
    List<String> overrides =
        new ArrayList<>(
            List.of(
                "model.variant=scaled",
                "data.image-size=72",
                "data.shard-bytes=16k",
                "data.row-group-bytes=4k",
                "data.max-rejected-fraction=0.2"));
    overrides.addAll(List.of(extra));
    return AlexNetConfig.load(List.of(), overrides);
  }

  private static Manifest prepare(AlexNetConfig config, PrepareJob.Request request)
      throws IOException {
    PrepareJob job = new PrepareJob(config, storage);
    return job.run(SPARK.context(), request, job.check(request));
  }

  private static PrepareJob.Request train(String output) {
    return new PrepareJob.Request(HDFS.uri("/fm"), HDFS.uri(output), "train", null, null, null);
  }

  /** Reads every record of a prepared dataset: key -> label. */
  private static Map<String, Integer> records(URI dataset, Manifest manifest) throws IOException {
    Map<String, Integer> records = new HashMap<>();
    for (URI shard : manifest.shardUris(dataset)) {
      try (ShardReader reader = ShardReader.open(HDFS.configuration(), new Path(shard))) {
        for (int g = 0; g < reader.rowGroups(); g++) {
          for (StoredImage image : reader.readRowGroup(g)) {
            assertEquals(null, records.put(image.key(), image.label()), "duplicate " + image.key());
            assertEquals(image.wnid(), image.key().substring(0, image.key().indexOf('/')));
          }
        }
      }
    }
    return records;
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream in = fs.open(file)) {
      sha.update(in.readAllBytes());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void everyGoodImageBecomesARecordAndEveryBrokenInputARejection() throws Exception {
    URI output = HDFS.uri("/datasets/train");
    Manifest manifest = prepare(config(), train("/datasets/train"));

    // Every Fashion-MNIST image is a record, under its class's label.
    Set<String> expected = new TreeSet<>();
    for (FileStatus classFolder : fs.listStatus(new Path("/fm/train"))) {
      if (classFolder.isDirectory() && !classFolder.getPath().getName().contains(" ")) {
        for (FileStatus file : fs.listStatus(classFolder.getPath())) {
          String name = file.getPath().getName();
          if (name.startsWith("train_")) {
            expected.add(classFolder.getPath().getName() + "/" + name.replace(".JPEG", ""));
          }
        }
      }
    }
    assertEquals(10 * PER_CLASS, expected.size());
    Map<String, Integer> records = records(output, manifest);
    assertEquals(expected, new TreeSet<>(records.keySet()));
    records.forEach(
        (key, label) ->
            assertEquals(
                manifest.labelMap().get(key.substring(0, key.indexOf('/'))).index(), label, key));

    // Every broken input is a rejection with its reason, and nothing else is.
    Map<String, String> rejected =
        manifest.rejected().stream().collect(Collectors.toMap(Rejection::input, Rejection::reason));
    assertEquals(new TreeSet<>(BROKEN.keySet()), new TreeSet<>(rejected.keySet()));
    BROKEN.forEach(
        (input, reason) ->
            assertTrue(rejected.get(input).startsWith(reason), input + ": " + rejected.get(input)));

    // The counts add up.
    assertEquals(10 * PER_CLASS, manifest.records());
    assertEquals(
        manifest.records(), manifest.shards().stream().mapToLong(Manifest.Shard::records).sum());
    assertEquals(
        manifest.records(),
        manifest.classCounts().values().stream().mapToLong(Long::longValue).sum());
    assertEquals(PER_CLASS, manifest.classCounts().get("sneaker"));
    assertEquals(0, manifest.classCounts().get("empty-class"));
    assertEquals(
        manifest.records() + BROKEN.size() - 1,
        manifest.inputs(),
        "inputs = records + rejected files (the empty folder is not a file)");
    assertTrue(manifest.shards().size() > 3, "small data.shard-bytes gives several shards");

    // Checksums are those of the files; labels are the sorted class folders.
    for (Manifest.Shard shard : manifest.shards()) {
      Path file = new Path(new Path(output), shard.file());
      assertEquals(sha256(file), shard.sha256(), shard.file());
      assertEquals(fs.getFileStatus(file).getLen(), shard.bytes());
    }
    assertEquals(
        List.of(
            "ankle-boot",
            "bag",
            "coat",
            "dress",
            "empty-class",
            "pullover",
            "sandal",
            "shirt",
            "sneaker",
            "trouser",
            "tshirt-top"),
        manifest.labels().stream().map(Label::wnid).toList());
    assertTrue(manifest.provenance().config().contains("image-size=72"));
    assertNotNull(manifest.provenance().versions().get("dl4j"));
    assertEquals(manifest.records(), Manifest.read(storage, output).records(), "manifest on HDFS");
  }

  @Test
  void aRerunAfterACrashKeepsFinishedShardsAndRedoesTheRest() throws Exception {
    AlexNetConfig config = config();
    PrepareJob.Request request = train("/datasets/resume");
    PrepareJob job = new PrepareJob(config, storage);
    PreparePlan plan = job.check(request);
    Manifest first = job.run(SPARK.context(), request, plan);

    // Make it look like a run that died while writing shard 1: no manifest, shard 1 missing, a
    // half-written temporary file, the plan still there.
    Path output = new Path(request.output());
    fs.delete(new Path(output, ShardFormat.MANIFEST), false);
    String lost = first.shards().get(1).file();
    fs.delete(new Path(output, lost), false);
    try (OutputStream out = fs.create(new Path(output, "." + lost + ".tmp-crashed"))) {
      out.write(new byte[] {'P', 'A', 'R', '1', 0, 0});
    }
    storage.writeText(
        new Path(output, "_plan.json").toUri(),
        Json.write(
            new PreparePlanner.SavedPlan(
                plan.inputsDigest(), plan.recordsPerShard(), plan.shards())));
    Map<String, Long> modified = new HashMap<>();
    for (Manifest.Shard shard : first.shards()) {
      if (!shard.file().equals(lost)) {
        modified.put(
            shard.file(), fs.getFileStatus(new Path(output, shard.file())).getModificationTime());
      }
    }

    Manifest second = prepare(config, request);
    assertEquals(first.shards(), second.shards(), "same shards, same checksums");
    assertEquals(first.rejected(), second.rejected());
    assertEquals(first.classCounts(), second.classCounts());
    modified.forEach(
        (file, time) -> {
          try {
            assertEquals(
                time,
                fs.getFileStatus(new Path(output, file)).getModificationTime(),
                file + " was kept, not rewritten");
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        });
    assertFalse(fs.exists(new Path(output, "_plan.json")));
  }

  @Test
  void tooManyRejectionsFailsSaysWhyAndCanBeFinishedWithAHigherLimit() throws Exception {
    PrepareJob.Request request = train("/datasets/strict");
    IOException failure =
        assertThrows(
            PrepareJob.TooManyRejectionsException.class,
            () -> prepare(config("data.max-rejected-fraction=0.01"), request));
    assertTrue(failure.getMessage().contains("data.max-rejected-fraction"), failure.getMessage());
    assertTrue(failure.getMessage().contains("rejected.json"), failure.getMessage());
    Path output = new Path(request.output());
    assertFalse(fs.exists(new Path(output, ShardFormat.MANIFEST)));
    Rejection[] listed =
        Json.read(
            storage.readText(new Path(output, "rejected.json").toUri()),
            Rejection[].class,
            "rejected.json");
    assertEquals(BROKEN.size(), listed.length);

    Manifest manifest = prepare(config("data.max-rejected-fraction=0.5"), request);
    assertEquals(10 * PER_CLASS, manifest.records());
    assertFalse(fs.exists(new Path(output, "rejected.json")));
  }

  @Test
  void flatValidationFolderWithLabelsFileReusesTheTrainingLabelMap() throws Exception {
    Manifest training = prepare(config(), train("/datasets/for-val"));
    // ILSVRC layout: all validation images in one folder, classes in a labels file.
    StringBuilder labels = new StringBuilder("ImageId,PredictionString\n");
    int copied = 0;
    for (FileStatus classFolder : fs.listStatus(new Path("/fm/val"))) {
      for (FileStatus file : fs.listStatus(classFolder.getPath())) {
        String name = file.getPath().getName();
        FileUtil.copy(
            fs, file.getPath(), fs, new Path("/flat/val/" + name), false, HDFS.configuration());
        labels
            .append(name.replace(".JPEG", ""))
            .append(',')
            .append(classFolder.getPath().getName())
            .append(" 1 2 3 4\n");
        copied++;
      }
    }
    labels.append("../../etc/passwd,bag\n").append("missing_1.JPEG,bag\n");
    storage.writeText(HDFS.uri("/flat/LOC_val_solution.csv"), labels.toString());
    try (OutputStream out = fs.create(new Path("/flat/val/unlisted.JPEG"))) {
      out.write(TestImages.halvesJpeg(30, 30));
    }

    Manifest validation =
        prepare(
            config(),
            new PrepareJob.Request(
                HDFS.uri("/flat"),
                HDFS.uri("/datasets/val"),
                "val",
                HDFS.uri("/flat/LOC_val_solution.csv"),
                null,
                HDFS.uri("/datasets/for-val")));
    assertEquals(training.labels(), validation.labels());
    assertEquals(copied, validation.records());
    Map<String, String> rejected =
        validation.rejected().stream()
            .collect(Collectors.toMap(Rejection::input, Rejection::reason));
    assertEquals(3, rejected.size(), rejected.toString());
    assertTrue(rejected.values().stream().anyMatch(r -> r.contains("escapes the input folder")));
    assertTrue(
        rejected.values().stream().anyMatch(r -> r.equals("listed in labels file but missing")));
    assertTrue(rejected.values().stream().anyMatch(r -> r.startsWith("no entry in labels file")));
  }

  @Test
  void oddFileNamesArePreparedAndAJpegCorruptInItsMiddleIsRejected(@TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path classFolder = Files.createDirectories(dir.resolve("train/bag"));
    byte[] photo = TestImages.texturedJpeg(256, 192);
    List<String> odd =
        List.of(
            "name with spaces \u00e9.JPEG",
            "hash#1.JPEG",
            "percent%41.JPEG",
            "caf\u00e9 \u65e5\u672c.JPEG");
    for (String name : odd) {
      Files.write(classFolder.resolve(name), photo);
    }
    Files.write(classFolder.resolve("corrupt-middle.JPEG"), TestImages.corruptedInTheMiddle(photo));
    Files.write(classFolder.resolve("plain.JPEG"), photo);

    Manifest manifest =
        prepare(
            config("data.max-rejected-fraction=0.5"),
            new PrepareJob.Request(
                dir.toUri(), HDFS.uri("/datasets/odd-names"), "train", null, null, null));
    Map<String, Integer> records = records(HDFS.uri("/datasets/odd-names"), manifest);
    Set<String> expected = new TreeSet<>();
    expected.add("bag/plain");
    for (String name : odd) {
      expected.add("bag/" + name.substring(0, name.lastIndexOf('.')));
    }
    assertEquals(expected, new TreeSet<>(records.keySet()), "every oddly named image is a record");
    assertEquals(1, manifest.rejected().size(), manifest.rejected().toString());
    Rejection corrupt = manifest.rejected().get(0);
    assertTrue(corrupt.input().endsWith("corrupt-middle.JPEG"), corrupt.input());
    assertEquals(Rejection.Reason.UNDECODABLE, corrupt.kind());
    assertTrue(corrupt.reason().contains("Corrupt JPEG data"), corrupt.reason());
  }

  @Test
  void missingInputIsRefusedBeforeAnySparkJob() {
    PrepareJob job = new PrepareJob(config(), storage);
    FileNotFoundException e =
        assertThrows(
            FileNotFoundException.class,
            () ->
                job.check(
                    new PrepareJob.Request(
                        HDFS.uri("/no/such/folder"),
                        HDFS.uri("/datasets/none"),
                        "train",
                        null,
                        null,
                        null)));
    assertTrue(e.getMessage().contains("/no/such/folder"), e.getMessage());
  }
}

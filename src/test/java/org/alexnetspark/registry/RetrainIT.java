package org.alexnetspark.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardFormat;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.prepare.PrepareJob;
import org.alexnetspark.testing.FashionMnist;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.testing.UntrainedModel;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code alexnet retrain} end to end on Fashion-MNIST: refusals before training, a first version, a
 * second run that finds nothing changed, a forced fine-tuning judged image by image, a candidate
 * made worse on purpose, and data with a renamed class.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class RetrainIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static final Path SMALL = Paths.get("src/test/resources/conf/train-small.conf");

  /**
   * train-small.conf learns nothing in its two epochs (it tests behaviour); these make the first
   * version learn enough on 600 images for a worse candidate to be told apart from it.
   */
  private static final List<String> LEARNS =
      List.of("model.init.scheme=he", "train.epochs=6", "train.schedule.step-epochs=[5]");

  @Test
  void retrainingSkipsWhenNothingChangedAndJudgesCandidatesOnHeldOutImages() throws Exception {
    PreparedFashionMnist.Datasets data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    Storage storage = data.storage();
    URI heldOut = heldOutSet(data);
    AlexNetConfig config = AlexNetConfig.load(List.of(SMALL), LEARNS);
    RetrainJob job = new RetrainJob(config, storage);
    URI output = HDFS.uri("/retrain");
    RetrainJob.Request request = request(data, "fashion", heldOut, false);
    ModelRegistry registry = new ModelRegistry(storage, HDFS.uri("/registry"), "fashion");

    // The validation set as the held-out set: refused before anything is trained.
    RetrainJob.Request onValidation = request(data, "fashion", data.validation(), false);
    InvalidConfigException sameSet =
        assertThrows(InvalidConfigException.class, () -> job.check(onValidation));
    assertTrue(sameSet.getMessage().contains("is the validation set"), sameSet.getMessage());
    assertFalse(storage.exists(Locations.child(output, "runs")), "nothing was started");

    // The first version, trained with train.*: the process dies after registering it, before
    // promoting it.
    ModelRegistry.faults =
        point -> {
          if (point.equals("after-register-before-promote")) {
            throw new IOException("killed at " + point);
          }
        };
    try (RetrainJob.Checked checked = job.check(request)) {
      assertThrows(IOException.class, () -> job.run(SPARK.context(), request, checked));
    } finally {
      ModelRegistry.faults = point -> {};
    }
    assertEquals(List.of("v0001"), registry.versions());
    assertNull(registry.current());
    assertFalse(storage.exists(HDFS.uri("/registry/fashion/retrain.lock")), "lock released");
    // Another registry with a version but no current one: nothing becomes current uncompared.
    ModelRegistry orphan = new ModelRegistry(storage, HDFS.uri("/registry"), "orphan");
    orphan.register(UntrainedModel.of(HDFS, data).location(), ModelRegistryIT.entry(0.5));
    RetrainJob.Request onOrphan = request(data, "orphan", heldOut, false);
    InvalidConfigException uncompared =
        assertThrows(InvalidConfigException.class, () -> job.check(onOrphan));
    assertTrue(uncompared.getMessage().contains("but no current one"), uncompared.getMessage());

    // The restart finds the registered candidate by its run's inputs: no training, no duplicate.
    RetrainJob.Result first;
    try (RetrainJob.Checked checked = job.check(request)) {
      assertEquals("v0001", checked.registered());
      assertFalse(checked.needsSpark());
      first = job.run(null, request, checked);
    }
    assertEquals(List.of("v0001"), registry.versions(), "not registered twice");
    assertNull(first.parent());
    assertTrue(first.promoted(), first.outcome());
    assertEquals("v0001", registry.current());
    assertFalse(storage.exists(HDFS.uri("/registry/fashion/retrain.lock")), "lock released");

    // Nothing changed: up to date, no run folder, no Spark.
    long started = System.nanoTime();
    RetrainJob.Checked again = job.check(request);
    double seconds = (System.nanoTime() - started) / 1e9;
    assertNotNull(again.upToDate());
    assertFalse(again.needsSpark());
    assertTrue(
        again.upToDate().startsWith("current version v0001 is up to date (data sha256 "),
        again.upToDate());
    assertEquals(1, runFolders(storage, output), "no run folder for an up-to-date model");
    System.out.printf("up-to-date check: %.2f s: %s%n", seconds, again.upToDate());

    // Forced: fine-tuned from v0001 with retrain.*, judged against it on the held-out images.
    RetrainJob.Request forced = request(data, "fashion", heldOut, true);
    RetrainJob fineTune =
        new RetrainJob(
            AlexNetConfig.load(
                List.of(SMALL),
                Stream.concat(
                        LEARNS.stream(),
                        Stream.of("retrain.epochs=1", "retrain.learning-rate=0.005"))
                    .toList()),
            storage);
    RetrainJob.Result second;
    try (RetrainJob.Checked checked = fineTune.check(forced)) {
      assertEquals(1, checked.trainingConfig().train().epochs(), "retrain.epochs applies");
      assertEquals(0.005, checked.trainingConfig().optimizer().learningRate(), 1e-12);
      second = fineTune.run(SPARK.context(), forced, checked);
    }
    assertEquals("v0001", second.parent(), "warm-started from the current version");
    assertEquals("v0002", second.version());
    assertNotEquals(first.run(), second.run());
    PromotionGate.Report gate = second.gate();
    assertNotNull(gate);
    assertEquals(heldOutImages, gate.images(), "every held-out image, paired");
    assertEquals(
        twoSidedBinomial(gate.candidateOnlyRight(), gate.currentOnlyRight()),
        gate.pValue(),
        1e-9,
        "McNemar's exact p from the discordant counts");
    assertEquals(gate.promote(), second.promoted(), second.outcome());
    assertEquals(second.promoted() ? "v0002" : "v0001", registry.current());
    assertEquals(gate, registry.entry("v0002").gate(), "the report is stored with the version");
    System.out.println("forced fine-tuning: " + second.outcome());

    // A candidate made worse on purpose (an untrained network) against the current version.
    HeldOutEvaluation evaluation = new HeldOutEvaluation(config, storage);
    URI untrained = UntrainedModel.of(HDFS, data).location();
    Map<String, PromotionGate.ImageResult> worse =
        evaluation.run(SPARK.context(), evaluation.check(untrained, heldOut));
    String current = registry.current();
    Map<String, PromotionGate.ImageResult> good =
        evaluation.run(SPARK.context(), evaluation.check(registry.location(current), heldOut));
    PromotionGate.Report refused =
        PromotionGate.judge(
            current,
            worse,
            good,
            Manifest.read(storage, heldOut).labels(),
            config.retrain().gate());
    System.out.println("worse on purpose: " + refused.decision());
    assertFalse(refused.promote());
    assertTrue(refused.currentOnlyRight() > refused.candidateOnlyRight());
    assertTrue(refused.pValue() < 0.05, refused.decision());
    assertFalse(refused.droppedClasses().isEmpty(), refused.decision());

    // Data with a renamed class: refused in check, before any Spark job.
    URI renamed = renamedClass(storage, data.train());
    RetrainJob.Request onRenamed =
        new RetrainJob.Request(
            HDFS.uri("/registry"), "fashion", renamed, data.validation(), heldOut, output, false);
    InvalidConfigException labelMap =
        assertThrows(InvalidConfigException.class, () -> job.check(onRenamed));
    System.out.println("renamed class: " + labelMap.getMessage());
    assertTrue(labelMap.getMessage().contains("another label map"), labelMap.getMessage());
    assertTrue(labelMap.getMessage().contains("-> n1 (Pants)"), labelMap.getMessage());
  }

  private long heldOutImages;

  /**
   * 40 test-split images per class that are not in the validation set (its 20 per class are removed
   * from the tree), prepared with the training set's label map.
   */
  private URI heldOutSet(PreparedFashionMnist.Datasets data) throws IOException {
    Path tree = Files.createDirectories(Paths.get("target", "fashion-mnist", "held-out-40"));
    Path validationTree = Paths.get("target", "fashion-mnist", "fm-60-20-72", "val");
    if (!Files.isDirectory(tree.resolve("val"))) {
      FashionMnist.tree(HDFS.configuration(), tree.toUri(), "val", 40);
    }
    try (Stream<Path> files = Files.walk(tree.resolve("val"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path same = validationTree.resolve(tree.resolve("val").relativize(file));
        if (Files.exists(same)) {
          Files.delete(file);
        }
      }
    }
    try (Stream<Path> files = Files.walk(tree.resolve("val"))) {
      heldOutImages = files.filter(Files::isRegularFile).count();
    }
    assertEquals(10 * 20, heldOutImages, "the validation set's 20 per class were taken out");
    URI heldOut = HDFS.uri("/prepared/held-out");
    AlexNetConfig prepareConfig =
        AlexNetConfig.load(
            List.of(),
            List.of(
                "data.image-size=72",
                "model.variant=scaled",
                "data.shard-bytes=1m",
                "data.row-group-bytes=128k"));
    PrepareJob prepare = new PrepareJob(prepareConfig, data.storage());
    PrepareJob.Request request =
        new PrepareJob.Request(tree.toUri(), heldOut, "val", null, null, data.train());
    prepare.run(SPARK.context(), request, prepare.check(request));
    return heldOut;
  }

  /** A copy of {@code train} whose class 1 is called "Pants". */
  private static URI renamedClass(Storage storage, URI train) throws IOException {
    URI copy = HDFS.uri("/prepared/renamed-train");
    FileSystem fs = storage.fileSystem(train);
    fs.mkdirs(storage.path(copy));
    for (FileStatus file : fs.listStatus(storage.path(train))) {
      FileUtil.copy(
          fs,
          file.getPath(),
          fs,
          new org.apache.hadoop.fs.Path(storage.path(copy), file.getPath().getName()),
          false,
          storage.hadoopConfiguration());
    }
    URI manifest = Locations.child(copy, ShardFormat.MANIFEST);
    JsonNode tree = Json.mapper().readTree(storage.readText(manifest));
    ObjectNode label = (ObjectNode) tree.path("labels").get(1);
    label.put("wnid", "n1");
    label.put("name", "Pants");
    storage.writeText(manifest, Json.mapper().writeValueAsString(tree));
    return copy;
  }

  private static int runFolders(Storage storage, URI output) throws IOException {
    return storage
        .fileSystem(output)
        .listStatus(storage.path(Locations.child(output, "runs")))
        .length;
  }

  /** min(1, 2 P(X <= min(b, c))) for X ~ Binomial(b + c, 1/2), in exact integers. */
  private static double twoSidedBinomial(long b, long c) {
    int n = (int) (b + c);
    if (n == 0) {
      return 1;
    }
    BigInteger tail = BigInteger.ZERO;
    BigInteger choose = BigInteger.ONE;
    for (int k = 0; k <= Math.min(b, c); k++) {
      tail = tail.add(choose);
      choose = choose.multiply(BigInteger.valueOf(n - k)).divide(BigInteger.valueOf(k + 1));
    }
    double p = 2 * tail.doubleValue() / Math.pow(2, n);
    return Math.min(1, p);
  }

  /** A retraining of registry entry {@code name} from the prepared Fashion-MNIST, into /retrain. */
  private static RetrainJob.Request request(
      PreparedFashionMnist.Datasets data, String name, URI heldOut, boolean force) {
    return new RetrainJob.Request(
        HDFS.uri("/registry"),
        name,
        data.train(),
        data.validation(),
        heldOut,
        HDFS.uri("/retrain"),
        force);
  }
}

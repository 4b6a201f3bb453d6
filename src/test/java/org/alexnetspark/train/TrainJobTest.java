package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.prepare.PrepareJob;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.StatsJob;
import org.alexnetspark.testing.FashionMnist;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Training on local[2] with a real in-process HDFS and real photos (Fashion-MNIST). */
class TrainJobTest {
  @RegisterExtension
  static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension
  static final LocalSpark SPARK = new LocalSpark();

  private static Storage storage;
  private static URI train;
  private static URI validation;

  /** The embedded default's configuration (conf/local.conf) with test overrides. */
  private static AlexNetConfig config(String... overrides) {
    return AlexNetConfig.load(List.of(Paths.get("conf", "local.conf")), List.of(overrides));
  }

  /**
   * The input tree goes on local disk (as ImageNet's does after extracting its archives): the
   * in-process HDFS takes about 0.2 s to close each small file. Shards, statistics, checkpoints and
   * models are on HDFS.
   */
  @BeforeAll
  static void prepareFashionMnist(@TempDir java.nio.file.Path inputs) throws IOException {
    storage = new Storage(HDFS.configuration());
    URI tree = inputs.toUri();
    FashionMnist.tree(HDFS.configuration(), tree, "train", 1000);
    FashionMnist.tree(HDFS.configuration(), tree, "val", 200);
    AlexNetConfig config = config();
    train = HDFS.uri("/prepared/train");
    validation = HDFS.uri("/prepared/val");
    PrepareJob prepare = new PrepareJob(config, storage);
    PrepareJob.Request trainRequest = new PrepareJob.Request(tree, train, "train", null, null, null);
    prepare.run(SPARK.context(), trainRequest, prepare.check(trainRequest));
    PrepareJob.Request valRequest = new PrepareJob.Request(tree, validation, "val", null, null, train);
    prepare.run(SPARK.context(), valRequest, prepare.check(valRequest));
    new StatsJob(storage, config).run(SPARK.context(), train);
  }

  private static TrainJob.Result train(AlexNetConfig config, String output, boolean resume)
      throws IOException {
    TrainJob job = new TrainJob(config, storage);
    TrainJob.Request request = new TrainJob.Request(train, validation, HDFS.uri(output), resume, null);
    return job.run(SPARK.context(), request, job.check(request));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> metrics(String output) throws IOException {
    List<Map<String, Object>> lines = new ArrayList<>();
    for (String line : storage.readText(HDFS.uri(output + "/metrics.jsonl")).split("\n")) {
      lines.add(Json.read(line, Map.class, "metrics line"));
    }
    return lines;
  }

  private static List<Long> rounds(String output) throws IOException {
    return metrics(output).stream().filter(l -> "round".equals(l.get("kind")))
        .map(l -> ((Number) l.get("iteration")).longValue()).toList();
  }

  @Test
  void heldOutAccuracyIsFarAboveChanceAndTheRunLeavesCheckpointsMetricsCurvesAndAModel()
      throws Exception {
    TrainJob.Result result = train(config(), "/runs/full", false);

    List<TrainingState.EpochMetrics> epochs = result.state().epochs();
    assertEquals(config().train().epochs(), epochs.size());
    double top1 = epochs.get(epochs.size() - 1).valTop1();
    assertTrue(top1 >= 0.70, "validation top-1 " + top1 + " after " + epochs.size() + " epochs");

    List<Map<String, Object>> lines = metrics("/runs/full");
    List<Map<String, Object>> epochLines = lines.stream().filter(l -> "epoch".equals(l.get("kind"))).toList();
    assertEquals(epochs.size(), epochLines.size());
    for (Map<String, Object> line : epochLines) {
      double accuracy = ((Number) line.get("val_top1")).doubleValue();
      assertTrue(accuracy >= 0 && accuracy <= 1);
      assertTrue(((Number) line.get("val_top5")).doubleValue() >= accuracy);
    }
    assertTrue(lines.stream().anyMatch(l -> "round".equals(l.get("kind"))
        && ((Number) l.get("images_per_second")).doubleValue() > 0));

    FileSystem fs = HDFS.fileSystem();
    try (InputStream png = fs.open(new Path("/runs/full/curves.png"))) {
      byte[] magic = png.readNBytes(4);
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, magic);
    }
    CheckpointStore checkpoints = new CheckpointStore(storage, HDFS.uri("/runs/full"), 3);
    assertTrue(checkpoints.checkpoints().size() <= 4, "last 3 and the best are kept");
    assertEquals(result.state().iteration(), checkpoints.latest().state().iteration());
    ModelStore.StoredModel model = new ModelStore(storage).load(result.model());
    assertEquals(config().model(), model.config().model());
  }

  @Test
  void aKilledRunResumesFromItsLastCheckpointWithTheSameEpochScheduleAndMomentum() throws Exception {
    AlexNetConfig config = config("train.epochs=2", "train.checkpoint.every-iterations=20",
        "train.checkpoint.keep-last=50");
    CheckpointStore checkpoints = new CheckpointStore(storage, HDFS.uri("/runs/killed"), 50);
    TrainJob.Result uninterrupted = train(config("train.epochs=1",
        "train.checkpoint.every-iterations=20", "train.checkpoint.keep-last=50"), "/runs/killed", false);

    // The process dies after a mid-epoch checkpoint: the epoch-end checkpoint and model never land.
    List<Path> written = checkpoints.checkpoints();
    assertTrue(written.size() >= 2, "mid-epoch checkpoints were written: " + written);
    FileSystem fs = HDFS.fileSystem();
    fs.delete(written.get(written.size() - 1), true);
    fs.delete(new Path("/runs/killed/model"), true);
    CheckpointStore.Checkpoint survivor = checkpoints.latest();
    assertEquals(0, survivor.state().epoch());
    assertTrue(survivor.state().job() > 0, "a mid-epoch checkpoint");
    var momentum = survivor.network().getUpdater().getStateViewArray().dup();
    assertTrue(momentum.norm2Number().doubleValue() > 0, "the checkpoint holds momentum");
    List<Long> before = rounds("/runs/killed");
    long nextInUninterruptedRun = before.get(before.indexOf(survivor.state().iteration()) + 1);

    // Restarting without --resume is refused; with it, training continues from the survivor.
    assertThrows(Storage.ArtifactExistsException.class, () -> new TrainJob(config, storage)
        .check(new TrainJob.Request(train, validation, HDFS.uri("/runs/killed"), false, null)));
    TrainJob.Result resumed = train(config, "/runs/killed", true);

    TrainingState first = resumed.state();
    assertEquals(2, first.epoch());
    assertEquals(2 * uninterrupted.state().iteration(), first.iteration(),
        "the resumed run did exactly the iterations an uninterrupted one would");
    assertEquals(2 * uninterrupted.state().images(), first.images());
    assertEquals(2, first.epochs().size());
    // Training continued from the checkpoint's iteration: rounds up to it were kept, the next one
    // is the job the uninterrupted run did next, and none was logged twice.
    List<Long> iterations = rounds("/runs/killed");
    assertEquals(iterations.stream().distinct().toList(), iterations, "no round logged twice");
    assertTrue(iterations.contains(survivor.state().iteration()));
    long next = iterations.get(iterations.indexOf(survivor.state().iteration()) + 1);
    assertEquals(nextInUninterruptedRun, next);
    // The checkpoint it resumed from holds the momentum and schedule it saved, unchanged.
    CheckpointStore.Checkpoint reloaded = checkpoints.load(survivor.location());
    assertEquals(momentum, reloaded.network().getUpdater().getStateViewArray());
    assertEquals(survivor.state().schedule(), reloaded.state().schedule());
  }

  @Test
  void configurationThatDoesNotFitTheDataIsRefusedBeforeAnySparkJob() {
    int jobsBefore = SPARK.context().statusTracker().getJobIdsForGroup(null).length;
    TrainJob job = new TrainJob(config("model.classes=1000"), storage);
    InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> job.check(
        new TrainJob.Request(train, validation, HDFS.uri("/runs/refused"), false, null)));
    assertTrue(e.getMessage().contains("'model.classes' = 1000"), e.getMessage());
    assertTrue(e.getMessage().contains("has 10 classes"), e.getMessage());
    InvalidConfigException mismatch = assertThrows(InvalidConfigException.class, () ->
        new TrainJob(config(), storage).check(new TrainJob.Request(train, train, HDFS.uri("/runs/r2"),
            true, HDFS.uri("/some/model"))));
    assertTrue(mismatch.getMessage().contains("--resume and --init-from"), mismatch.getMessage());
    assertEquals(jobsBefore, SPARK.context().statusTracker().getJobIdsForGroup(null).length);
  }
}

package org.alexnetspark.train;

import static org.alexnetspark.train.TrainingFixture.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The training job's behaviour on local[2] with a real in-process HDFS and real photos (a few
 * hundred Fashion-MNIST images): what a run leaves behind, resuming a killed run, refusals.
 * Accuracy is the end-to-end tier's business (TrainingAccuracyIT).
 */
class TrainJobTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static PreparedFashionMnist.Datasets data;
  private static Storage storage;

  private static TrainingFixture runs;

  @BeforeAll
  static void prepare() {
    runs = new TrainingFixture(HDFS, SPARK);
    data = runs.data;
    storage = runs.storage;
  }

  @Test
  void configurationThatDoesNotFitTheDataIsRefusedByTheChecks() {
    TrainJob job = new TrainJob(config("model.classes=1000"), storage);
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class, () -> job.check(runs.request("/runs/refused", false)));
    assertTrue(e.getMessage().contains("'model.classes' = 1000"), e.getMessage());
    assertTrue(e.getMessage().contains("has 10 classes"), e.getMessage());
    // A validation set whose label map differs from the training set's.
    InvalidConfigException mismatch =
        assertThrows(
            InvalidConfigException.class,
            () ->
                new TrainJob(config("model.classes=11"), storage)
                    .check(
                        new TrainJob.Request(
                            data.train(), data.validation(), HDFS.uri("/runs/r2"), true, null)));
    assertTrue(mismatch.getMessage().contains("'model.classes' = 11"), mismatch.getMessage());
    assertNotNull(assertInstanceOf(InvalidConfigException.class, mismatch).getMessage());
  }

  @Test
  void aDivergingRunStopsNamingEpochAndIterationAndLeavesNoNanBehind() throws Exception {
    TrainJob job =
        new TrainJob(
            config("optimizer.learning-rate=1000", "train.checkpoint.every-iterations=2"), storage);
    Exception e = assertThrows(Exception.class, () -> runs.train(job, "/runs/diverged", false));
    String message = e.getMessage();
    assertTrue(
        message.contains("diverged")
            && message.contains("epoch 1")
            && message.contains("iteration"),
        message);
    FileSystem fs = HDFS.fileSystem();
    assertTrue(!fs.exists(new Path("/runs/diverged/model")), "no model saved");
    for (Path checkpoint :
        new CheckpointStore(storage, HDFS.uri("/runs/diverged"), 50).checkpoints()) {
      CheckpointStore.Checkpoint saved =
          new CheckpointStore(storage, HDFS.uri("/runs/diverged"), 50).load(checkpoint.toUri());
      assertTrue(
          Double.isFinite(saved.network().params().sumNumber().doubleValue()),
          checkpoint + " holds non-finite parameters");
    }
  }

  @Test
  void aMissingOrTruncatedShardIsRefusedByTheChecksNamingIt() throws Exception {
    FileSystem fs = HDFS.fileSystem();
    Path original = new Path(data.train());
    for (String name : new String[] {"truncated", "missing"}) {
      Path copy = new Path("/datasets/damaged-" + name);
      FileUtil.copy(fs, original, fs, copy, false, HDFS.configuration());
      FileStatus shard =
          Arrays.stream(fs.listStatus(copy))
              .filter(f -> f.getPath().getName().startsWith("shard-"))
              .findFirst()
              .orElseThrow();
      if (name.equals("missing")) {
        fs.delete(shard.getPath(), false);
      } else {
        byte[] bytes;
        try (var in = fs.open(shard.getPath())) {
          bytes = in.readAllBytes();
        }
        try (var out = fs.create(shard.getPath(), true)) {
          out.write(bytes, 0, bytes.length - 100); // the footer's end is gone
        }
      }
      TrainJob job = new TrainJob(config(), storage);
      Exception e =
          assertThrows(
              Exception.class,
              () ->
                  job.check(
                      new TrainJob.Request(
                          HDFS.uri(copy.toString()),
                          data.validation(),
                          HDFS.uri("/runs/damaged-" + name),
                          false,
                          null)));
      assertTrue(e.getMessage().contains(shard.getPath().getName()), name + ": " + e.getMessage());
    }
  }

  @Test
  void resumingWithSettingsThatChangeTheResultIsRefusedNamingEachAndSafeChangesAreAccepted()
      throws Exception {
    // A run's checkpoint, as the small configuration writes it.
    AlexNetConfig original = config();
    TrainJob first = new TrainJob(original, storage);
    TrainJob.Checked checked = first.check(runs.request("/runs/changed", false));
    var network = AlexNet.create(original.model(), original.optimizer());
    TrainingState state =
        TrainingState.start(
            new LearningRateSchedule.State(0.01, 1, 0, 0),
            original.train().seed(),
            original.augment().seed(),
            checked.dataSha256());
    checked.checkpoints().save(network, original, ModelInfo.untrained(), state, Map.of());

    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () ->
                new TrainJob(
                        config(
                            "optimizer.learning-rate=0.5",
                            "train.seed=9",
                            "model.dropout=0.2",
                            "train.averaging-frequency=3"),
                        storage)
                    .check(runs.request("/runs/changed", true)));
    for (String key :
        List.of(
            "optimizer.learning-rate",
            "train.seed",
            "model.dropout",
            "train.averaging-frequency")) {
      assertTrue(e.getMessage().contains("'" + key + "'"), key + " named: " + e.getMessage());
    }
    assertEquals(4, e.problems().size(), e.getMessage());
    // More epochs, another worker count and checkpoint policy change nothing that is computed.
    new TrainJob(
            config(
                "train.epochs=5",
                "train.workers=1",
                "train.checkpoint.every-minutes=1",
                "train.eval-batch=10"),
            storage)
        .check(runs.request("/runs/changed", true));
    // Another training set is refused (here: the same shards with another manifest).
    FileSystem fs = HDFS.fileSystem();
    Path other = new Path("/datasets/other-train");
    FileUtil.copy(fs, new Path(data().train()), fs, other, false, HDFS.configuration());
    String manifest = storage.readText(HDFS.uri("/datasets/other-train/manifest.json"));
    storage.writeText(
        HDFS.uri("/datasets/other-train/manifest.json"),
        manifest.replace("\"split\" : \"train\"", "\"split\" : \"train2\""));
    InvalidConfigException data =
        assertThrows(
            InvalidConfigException.class,
            () ->
                new TrainJob(original, storage)
                    .check(
                        new TrainJob.Request(
                            HDFS.uri(other.toString()),
                            data().validation(),
                            HDFS.uri("/runs/changed"),
                            true,
                            null)));
    assertTrue(data.getMessage().contains("training set is not the one"), data.getMessage());
  }

  private static PreparedFashionMnist.Datasets data() {
    return data;
  }
}

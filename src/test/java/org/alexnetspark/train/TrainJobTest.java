package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
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
import org.nd4j.linalg.api.ndarray.INDArray;

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

  /** The small training configuration of this tier, with test overrides. */
  private static AlexNetConfig config(String... overrides) {
    return AlexNetConfig.load(
        List.of(Paths.get("src/test/resources/conf/train-small.conf")), List.of(overrides));
  }

  @BeforeAll
  static void prepare() {
    data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    storage = data.storage();
  }

  private static TrainJob.Request request(String output, boolean resume) {
    return new TrainJob.Request(data.train(), data.validation(), HDFS.uri(output), resume, null);
  }

  private static TrainJob.Result train(TrainJob job, String output, boolean resume)
      throws IOException {
    TrainJob.Request request = request(output, resume);
    return job.run(SPARK.context(), request, job.check(request));
  }

  private static List<RoundMetrics> rounds(String output) throws IOException {
    return MetricsLog.read(storage, HDFS.uri(output)).stream()
        .filter(RoundMetrics.class::isInstance)
        .map(RoundMetrics.class::cast)
        .toList();
  }

  @Test
  void aRunLeavesCheckpointsTypedMetricsCurvesAndAModel() throws Exception {
    TrainJob.Result result = train(new TrainJob(config(), storage), "/runs/full", false);

    List<EpochMetrics> epochs = result.state().epochs();
    assertEquals(2, epochs.size());
    List<MetricsLine> lines = MetricsLog.read(storage, HDFS.uri("/runs/full"));
    List<EpochMetrics> epochLines =
        lines.stream()
            .filter(EpochMetrics.class::isInstance)
            .map(EpochMetrics.class::cast)
            .toList();
    assertEquals(epochs, epochLines, "the metrics file holds the state's epochs");
    for (EpochMetrics epoch : epochLines) {
      assertTrue(epoch.valTop1() >= 0 && epoch.valTop1() <= 1, epoch.toString());
      assertTrue(epoch.valTop5() >= epoch.valTop1(), epoch.toString());
      // Every minibatch of the epoch's plan was fitted exactly once, as the workers counted it.
      assertTrue(epoch.plannedMinibatches() > 0, epoch.toString());
      assertEquals(epoch.plannedMinibatches(), epoch.fittedMinibatches(), epoch.toString());
      assertEquals(0, epoch.skippedImages(), epoch.toString());
    }
    // The step schedule divides the rate by 10 after epoch 1.
    assertEquals(epochs.get(0).learningRate() / 10, epochs.get(0).nextLearningRate(), 1e-12);
    assertEquals(epochs.get(0).nextLearningRate(), epochs.get(1).learningRate(), 1e-12);
    List<RoundMetrics> rounds = rounds("/runs/full");
    assertTrue(rounds.size() >= 2 * epochs.size(), "several jobs per epoch: " + rounds.size());
    assertTrue(rounds.stream().allMatch(r -> r.imagesPerSecond() > 0 && r.seconds() > 0));
    String raw = storage.readText(HDFS.uri("/runs/full/metrics.jsonl"));
    assertTrue(
        raw.lines()
            .allMatch(
                l -> l.startsWith("{\"kind\":\"round\"") || l.startsWith("{\"kind\":\"epoch\"")),
        raw);
    assertTrue(raw.contains("\"val_top1\"") && raw.contains("\"images_per_second\""), raw);

    FileSystem fs = HDFS.fileSystem();
    try (InputStream png = fs.open(new Path("/runs/full/curves.png"))) {
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, png.readNBytes(4));
    }
    CheckpointStore checkpoints = new CheckpointStore(storage, HDFS.uri("/runs/full"), 3);
    assertEquals(3, checkpoints.checkpoints().size(), "one at the start, one per epoch");
    assertEquals(result.state().iteration(), checkpoints.latest().state().iteration());
    ModelStore.StoredModel model = new ModelStore(storage).load(result.model());
    assertEquals(config().model(), model.config().model());
  }

  @Test
  void aKilledRunResumesFromItsLastCheckpointWithTheSameEpochScheduleAndMomentum()
      throws Exception {
    String[] midEpoch = {"train.checkpoint.every-iterations=4", "train.checkpoint.keep-last=50"};
    CheckpointStore checkpoints = new CheckpointStore(storage, HDFS.uri("/runs/killed"), 50);
    TrainJob.Result uninterrupted =
        train(
            new TrainJob(config(concat(midEpoch, "train.epochs=1")), storage),
            "/runs/killed",
            false);

    // The process dies after a mid-epoch checkpoint: the epoch-end checkpoint and model never land.
    List<Path> written = checkpoints.checkpoints();
    assertTrue(written.size() >= 2, "mid-epoch checkpoints were written: " + written);
    FileSystem fs = HDFS.fileSystem();
    fs.delete(written.get(written.size() - 1), true);
    fs.delete(new Path("/runs/killed/model"), true);
    CheckpointStore.Checkpoint survivor = checkpoints.latest();
    assertEquals(0, survivor.state().epoch());
    assertTrue(survivor.state().batch() > 0, "a mid-epoch checkpoint");
    INDArray momentum = survivor.network().getUpdater().getStateViewArray().dup();
    INDArray parameters = survivor.network().params().dup();
    assertTrue(momentum.norm2Number().doubleValue() > 0, "the checkpoint holds momentum");
    List<Long> before = rounds("/runs/killed").stream().map(RoundMetrics::iteration).toList();
    long nextInUninterruptedRun = before.get(before.indexOf(survivor.state().iteration()) + 1);

    // Restarting without --resume is refused; with it, training continues from the survivor.
    AlexNetConfig config = config(concat(midEpoch, "train.epochs=2"));
    assertThrows(
        Storage.ArtifactExistsException.class,
        () -> new TrainJob(config, storage).check(request("/runs/killed", false)));
    List<INDArray> atStart = new ArrayList<>();
    List<TrainingState> startState = new ArrayList<>();
    TrainJob resumedJob =
        new TrainJob(config, storage)
            .withListener(
                (event, state, network) -> {
                  if (event instanceof TrainingListener.Started) {
                    atStart.add(network.params().dup());
                    atStart.add(network.getUpdater().getStateViewArray().dup());
                    startState.add(state);
                  }
                  return state;
                });
    TrainJob.Result resumed = train(resumedJob, "/runs/killed", true);

    // It started from exactly the checkpoint's parameters, momentum and state.
    assertEquals(parameters, atStart.get(0));
    assertEquals(momentum, atStart.get(1));
    assertEquals(survivor.state(), startState.get(0));
    TrainingState end = resumed.state();
    assertEquals(2, end.epoch());
    assertEquals(
        2 * uninterrupted.state().iteration(),
        end.iteration(),
        "the resumed run did exactly the iterations an uninterrupted one would");
    assertEquals(2 * uninterrupted.state().images(), end.images());
    assertEquals(2, end.epochs().size());
    // Rounds up to the checkpoint were kept, the next one is the job the uninterrupted run did
    // next, and none was logged twice.
    List<Long> iterations = rounds("/runs/killed").stream().map(RoundMetrics::iteration).toList();
    assertEquals(iterations.stream().distinct().toList(), iterations, "no round logged twice");
    assertTrue(iterations.contains(survivor.state().iteration()));
    long next = iterations.get(iterations.indexOf(survivor.state().iteration()) + 1);
    assertEquals(nextInUninterruptedRun, next);
  }

  @Test
  void configurationThatDoesNotFitTheDataIsRefusedByTheChecks() {
    TrainJob job = new TrainJob(config("model.classes=1000"), storage);
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class, () -> job.check(request("/runs/refused", false)));
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
    Exception e = assertThrows(Exception.class, () -> train(job, "/runs/diverged", false));
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
    TrainJob.Checked checked = first.check(request("/runs/changed", false));
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
                    .check(request("/runs/changed", true)));
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
        .check(request("/runs/changed", true));
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

  private static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all.toArray(String[]::new);
  }
}

package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Faults inside one process (local[2], in-process HDFS), each shown to lose nothing: a Spark job
 * that fails, a failure while validating, a network that diverges, a resume with another number of
 * workers. Faults across processes are in the cluster suite.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TrainingFaultsIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static PreparedFashionMnist.Datasets data;
  private static Storage storage;
  private static FileSystem fs;

  @BeforeAll
  static void prepare() {
    data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    storage = data.storage();
    fs = HDFS.fileSystem();
  }

  private static AlexNetConfig config(String... overrides) {
    return AlexNetConfig.load(
        List.of(Paths.get("src/test/resources/conf/train-small.conf")), List.of(overrides));
  }

  /** A copy of a prepared dataset (with its statistics) that a test may damage. */
  private static Path copy(URI dataset, String name) throws IOException {
    Path copy = new Path("/faults/data/" + name);
    FileUtil.copy(fs, new Path(dataset), fs, copy, false, HDFS.configuration());
    return copy;
  }

  private static Path firstShard(Path dataset) throws IOException {
    return Arrays.stream(fs.listStatus(dataset))
        .map(s -> s.getPath())
        .filter(p -> p.getName().startsWith("shard-"))
        .sorted()
        .findFirst()
        .orElseThrow();
  }

  private static TrainJob.Result run(
      TrainJob job, URI train, URI validation, String output, boolean resume) throws IOException {
    TrainJob.Request request =
        new TrainJob.Request(train, validation, HDFS.uri(output), resume, null);
    return job.run(SPARK.context(), request, job.check(request));
  }

  private static void assertEveryMinibatchFittedOnce(TrainJob.Result result) {
    for (EpochMetrics epoch : result.state().epochs()) {
      assertEquals(epoch.plannedMinibatches(), epoch.fittedMinibatches(), epoch.toString());
    }
  }

  @Test
  void aFailedSparkJobIsRetriedFromTheLastCheckpointAndLosesNothing() throws Exception {
    Path train = copy(data.train(), "retried");
    Path shard = firstShard(train);
    Path aside = new Path(shard.getParent(), "_aside");
    AtomicInteger rounds = new AtomicInteger();
    AtomicInteger starts = new AtomicInteger();
    TrainJob job =
        new TrainJob(config("train.max-retries=1", "train.checkpoint.every-iterations=2"), storage)
            .withListener(
                (event, state, network) -> {
                  if (event instanceof TrainingListener.RoundEnd && rounds.incrementAndGet() == 3) {
                    fs.rename(shard, aside); // the next Spark job fails: a shard became unreadable
                  }
                  if (event instanceof TrainingListener.Started && starts.incrementAndGet() == 2) {
                    fs.rename(aside, shard); // ... and is back by the time the job is retried
                  }
                  return state;
                });
    TrainJob.Result result =
        run(job, HDFS.uri(train.toString()), data.validation(), "/faults/retried", false);
    assertEquals(2, starts.get(), "one retry");
    assertEquals(2, result.state().epoch());
    assertEveryMinibatchFittedOnce(result);
    TrainJob.Result reference =
        run(
            new TrainJob(config(), storage),
            data.train(),
            data.validation(),
            "/faults/retried-reference",
            false);
    assertEquals(
        reference.state().images(), result.state().images(), "every image fitted once per epoch");
  }

  @Test
  void aFailureWhileValidatingLosesNoTrainingAndTheEpochIsValidatedOnResume() throws Exception {
    Path validation = copy(data.validation(), "validation-fails");
    Path shard = firstShard(validation);
    Path aside = new Path(shard.getParent(), "_aside");
    TrainJob failing =
        new TrainJob(config("train.max-retries=0"), storage)
            .withListener(
                (event, state, network) -> {
                  if (event instanceof TrainingListener.EpochTrained) {
                    fs.rename(shard, aside); // validation will fail after epoch 1's training
                  }
                  return state;
                });
    assertThrows(
        Exception.class,
        () ->
            run(
                failing,
                data.train(),
                HDFS.uri(validation.toString()),
                "/faults/validation",
                false));

    CheckpointStore checkpoints = new CheckpointStore(storage, HDFS.uri("/faults/validation"), 50);
    CheckpointStore.Checkpoint saved = checkpoints.latest();
    assertEquals(1, saved.state().epoch(), "the epoch's training was checkpointed");
    assertFalse(saved.state().validated(), "before its validation");
    assertFalse(fs.exists(new Path("/faults/validation/model")));

    fs.rename(aside, shard);
    List<TrainingListener.Event> events = new ArrayList<>();
    TrainJob resumed =
        new TrainJob(config(), storage)
            .withListener(
                (event, state, network) -> {
                  events.add(event);
                  return state;
                });
    TrainJob.Result result =
        run(resumed, data.train(), HDFS.uri(validation.toString()), "/faults/validation", true);
    assertEquals(
        new TrainingListener.EpochEnd(1), events.get(1), "validation of epoch 1 comes first");
    assertEquals(2, result.state().epochs().size());
    for (EpochMetrics epoch : result.state().epochs()) {
      assertTrue(Double.isFinite(epoch.valTop1()), epoch.toString());
    }
    long epochLines =
        MetricsLog.read(storage, HDFS.uri("/faults/validation")).stream()
            .filter(EpochMetrics.class::isInstance)
            .count();
    assertEquals(2, epochLines, "one metrics line per epoch");
    assertEveryMinibatchFittedOnce(result);
  }

  @Test
  void aDivergedRunRollsBackToItsLastCheckpointWithATenthOfTheLearningRate() throws Exception {
    AtomicBoolean poisoned = new AtomicBoolean();
    AtomicInteger rounds = new AtomicInteger();
    TrainJob job =
        new TrainJob(
                config(
                    "train.on-divergence=rollback",
                    "train.max-rollbacks=1",
                    "train.checkpoint.every-iterations=2",
                    "train.epochs=1"),
                storage)
            .withListener(
                (event, state, network) -> {
                  // Three rounds in, the network blows up once (as an exploding gradient would).
                  if (event instanceof TrainingListener.RoundEnd
                      && rounds.incrementAndGet() == 3
                      && !poisoned.getAndSet(true)) {
                    network.params().assign(Double.NaN);
                  }
                  return state;
                });
    TrainJob.Result result = run(job, data.train(), data.validation(), "/faults/rollback", false);
    assertEquals(1, result.state().rollbacks());
    assertEquals(
        config().optimizer().learningRate() / 10,
        result.state().epochs().get(0).learningRate(),
        1e-12,
        "the epoch was finished with a tenth of the rate");
    assertEveryMinibatchFittedOnce(result);
    INDArray parameters = new ModelStore(storage).load(result.model()).network().params();
    assertTrue(Double.isFinite(parameters.sumNumber().doubleValue()), "the saved model is finite");
    for (Path checkpoint :
        new CheckpointStore(storage, HDFS.uri("/faults/rollback"), 50).checkpoints()) {
      INDArray saved =
          new CheckpointStore(storage, HDFS.uri("/faults/rollback"), 50)
              .load(checkpoint.toUri())
              .network()
              .params();
      assertTrue(Double.isFinite(saved.sumNumber().doubleValue()), checkpoint + " is finite");
    }
  }

  @Test
  void aRunResumedWithAnotherWorkerCountFitsEveryMinibatchExactlyOnce() throws Exception {
    AtomicInteger rounds = new AtomicInteger();
    TrainJob twoWorkers =
        new TrainJob(config("train.epochs=1", "train.checkpoint.every-iterations=1"), storage)
            .withListener(
                (event, state, network) -> {
                  if (event instanceof TrainingListener.RoundEnd && rounds.incrementAndGet() == 3) {
                    throw new IllegalStateException("the driver dies here");
                  }
                  return state;
                });
    assertThrows(
        IllegalStateException.class,
        () -> run(twoWorkers, data.train(), data.validation(), "/faults/workers", false));
    TrainingState saved =
        new CheckpointStore(storage, HDFS.uri("/faults/workers"), 50).latest().state();
    assertTrue(saved.batch() > 0, "a mid-epoch checkpoint");

    TrainJob.Result result =
        run(
            new TrainJob(config("train.epochs=1", "train.workers=1"), storage),
            data.train(),
            data.validation(),
            "/faults/workers",
            true);
    EpochMetrics epoch = result.state().epochs().get(0);
    assertEquals(epoch.plannedMinibatches(), epoch.fittedMinibatches(), epoch.toString());
    TrainJob.Result reference =
        run(
            new TrainJob(config("train.epochs=1"), storage),
            data.train(),
            data.validation(),
            "/faults/workers-reference",
            false);
    assertEquals(reference.state().images(), result.state().images());
  }
}

package org.alexnetspark.train;

import static org.alexnetspark.train.TrainingFixture.concat;
import static org.alexnetspark.train.TrainingFixture.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training job run end to end on local[2] with a real in-process HDFS and a few hundred
 * Fashion-MNIST photos: what a whole run leaves behind, and a killed run resumed from its last
 * checkpoint. The checks and refusals are {@link TrainJobTest}'s.
 */
class TrainJobIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static TrainingFixture runs;
  private static Storage storage;

  @BeforeAll
  static void prepare() {
    runs = new TrainingFixture(HDFS, SPARK);
    storage = runs.storage;
  }

  @Test
  void aRunLeavesCheckpointsTypedMetricsCurvesAndAModel() throws Exception {
    TrainJob.Result result =
        runs.train(new TrainJob(config(), storage), "/trainjob-it/runs/full", false);

    List<EpochMetrics> epochs = result.state().epochs();
    assertEquals(2, epochs.size());
    List<MetricsLine> lines = MetricsLog.read(storage, HDFS.uri("/trainjob-it/runs/full"));
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
    List<RoundMetrics> rounds = runs.rounds("/trainjob-it/runs/full");
    assertTrue(rounds.size() >= 2 * epochs.size(), "several jobs per epoch: " + rounds.size());
    assertTrue(rounds.stream().allMatch(r -> r.imagesPerSecond() > 0 && r.seconds() > 0));
    String raw = storage.readText(HDFS.uri("/trainjob-it/runs/full/metrics.jsonl"));
    assertTrue(
        raw.lines()
            .allMatch(
                l -> l.startsWith("{\"kind\":\"round\"") || l.startsWith("{\"kind\":\"epoch\"")),
        raw);
    assertTrue(raw.contains("\"val_top1\"") && raw.contains("\"images_per_second\""), raw);

    FileSystem fs = HDFS.fileSystem();
    try (InputStream png = fs.open(new Path("/trainjob-it/runs/full/curves.png"))) {
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, png.readNBytes(4));
    }
    CheckpointStore checkpoints =
        new CheckpointStore(storage, HDFS.uri("/trainjob-it/runs/full"), 3);
    assertEquals(3, checkpoints.checkpoints().size(), "one at the start, one per epoch");
    assertEquals(result.state().iteration(), checkpoints.latest().state().iteration());
    ModelStore.StoredModel model = new ModelStore(storage).load(result.model());
    assertEquals(config().model(), model.config().model());
  }

  @Test
  void aKilledRunResumesFromItsLastCheckpointWithTheSameEpochScheduleAndMomentum()
      throws Exception {
    String[] midEpoch = {"train.checkpoint.every-iterations=4", "train.checkpoint.keep-last=50"};
    CheckpointStore checkpoints =
        new CheckpointStore(storage, HDFS.uri("/trainjob-it/runs/killed"), 50);
    TrainJob.Result uninterrupted =
        runs.train(
            new TrainJob(config(concat(midEpoch, "train.epochs=1")), storage),
            "/trainjob-it/runs/killed",
            false);

    // The process dies after a mid-epoch checkpoint: the epoch-end checkpoint and model never land.
    List<Path> written = checkpoints.checkpoints();
    assertTrue(written.size() >= 2, "mid-epoch checkpoints were written: " + written);
    FileSystem fs = HDFS.fileSystem();
    fs.delete(written.get(written.size() - 1), true);
    fs.delete(new Path("/trainjob-it/runs/killed/model"), true);
    CheckpointStore.Checkpoint survivor = checkpoints.latest();
    assertEquals(0, survivor.state().epoch());
    assertTrue(survivor.state().batch() > 0, "a mid-epoch checkpoint");
    INDArray momentum = survivor.network().getUpdater().getStateViewArray().dup();
    INDArray parameters = survivor.network().params().dup();
    assertTrue(momentum.norm2Number().doubleValue() > 0, "the checkpoint holds momentum");
    List<Long> before =
        runs.rounds("/trainjob-it/runs/killed").stream().map(RoundMetrics::iteration).toList();
    long nextInUninterruptedRun = before.get(before.indexOf(survivor.state().iteration()) + 1);

    // Restarting without --resume is refused; with it, training continues from the survivor.
    AlexNetConfig config = config(concat(midEpoch, "train.epochs=2"));
    assertThrows(
        Storage.ArtifactExistsException.class,
        () -> new TrainJob(config, storage).check(runs.request("/trainjob-it/runs/killed", false)));
    StartingPointCapture start = new StartingPointCapture();
    TrainJob resumedJob = new TrainJob(config, storage).withListener(start);
    TrainJob.Result resumed = runs.train(resumedJob, "/trainjob-it/runs/killed", true);

    // It started from exactly the checkpoint's parameters, momentum and state.
    assertEquals(parameters, start.parameters);
    assertEquals(momentum, start.momentum);
    assertEquals(survivor.state(), start.state);
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
    List<Long> iterations =
        runs.rounds("/trainjob-it/runs/killed").stream().map(RoundMetrics::iteration).toList();
    assertEquals(iterations.stream().distinct().toList(), iterations, "no round logged twice");
    assertTrue(iterations.contains(survivor.state().iteration()));
    long next = iterations.get(iterations.indexOf(survivor.state().iteration()) + 1);
    assertEquals(nextInUninterruptedRun, next);
  }
}

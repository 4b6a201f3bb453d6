package org.alexnetspark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.testing.ClusterFashionMnist;
import org.alexnetspark.testing.ScriptedCluster;
import org.alexnetspark.testing.ScriptedCluster.Submission;
import org.alexnetspark.train.CheckpointStore;
import org.alexnetspark.train.EpochMetrics;
import org.alexnetspark.train.MetricsLog;
import org.alexnetspark.train.RoundMetrics;
import org.alexnetspark.train.TrainingState;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Faults across processes on the {@link LoopbackCluster} ({@link ScriptedCluster}), each with the
 * training job submitted through {@code jobs/yarn/train} as users submit it, and each shown to lose
 * nothing: every minibatch of every epoch fitted exactly once (the epoch lines of {@code
 * metrics.jsonl}: planned equals fitted, counted on the workers), and whatever was saved loadable
 * and finite.
 *
 * <p>Faults: an executor JVM killed (SIGKILL) in the middle of a training job; the driver killed
 * after a mid-epoch checkpoint, then the run resumed; the driver halted between writing a
 * checkpoint and renaming it into place ({@link Storage#HALT_BEFORE_RENAME}); a DataNode stopped in
 * the middle of an epoch; a diverging run; an HDFS space quota hit by a checkpoint; a shard whose
 * footer was cut off.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class ClusterFaultsIT {
  @RegisterExtension static final ScriptedCluster CLUSTER = new ScriptedCluster();

  private static ClusterFaults faults() {
    return new ClusterFaults(CLUSTER.cluster());
  }

  private static final Duration RUN = Duration.ofMinutes(12);

  /** The progress line the driver logs after every Spark job of training. */
  private static final Pattern PROGRESS =
      Pattern.compile("TrainJob: epoch (\\d+)/\\d+ iteration (\\d+) ");

  /** A Spark job of averaging rounds being handed to the executors. */
  private static final Pattern TRAINING_TASKS =
      Pattern.compile(
          "Submitting \\d+ missing tasks from (ResultStage|ShuffleMapStage) \\d+ \\(\\S+ at"
              + " (parallelize|mapPartitionsToPair) at ExactAveragingMaster");

  private static ClusterFashionMnist.Prepared data;
  private static Storage storage;
  private static FileSystem fs;
  private static long trainRecords;

  @BeforeAll
  static void prepare() throws IOException {
    data = ClusterFashionMnist.of(CLUSTER);
    storage = CLUSTER.storage();
    fs = CLUSTER.fileSystem();
    trainRecords = Manifest.read(storage, data.train()).records();
  }

  /**
   * The executor is killed while a job of averaging rounds fits on it: with results added up on the
   * driver, and in a tree among the executors (its workers' sums and the tree's reducers are lost
   * with it and recomputed from the same broadcast; the driver still receives one sum per round).
   */
  @ParameterizedTest(name = "train.averaging.combine = {0}")
  @ValueSource(strings = {"driver", "tree"})
  void anExecutorKilledMidEpochLosesNothing(String combine) throws Exception {
    String output = "/runs/executor-killed-" + combine;
    Submission run =
        ClusterFashionMnist.trainJob(CLUSTER, output)
            .args("--set", "train.epochs=1", "--set", "train.checkpoint.every-iterations=12")
            .args("--set", "train.averaging.combine=" + combine)
            .start();
    awaitTrainingTasksAfter(run, checkpointWritten("epoch-0000-iter-0000000012"));
    String app = ClusterFaults.applicationOf(faults().killExecutor());
    assertEquals(0, run.waitFor(RUN), run.tail(100));

    assertFalse(
        run.lines(Pattern.compile("Lost executor \\d+")).isEmpty(),
        "the driver saw its executor go:\n" + run.tail(100));
    assertFalse(
        run.lines(Pattern.compile("Lost task .*ExecutorLostFailure")).isEmpty(),
        "training tasks were running on it:\n" + run.tail(100));
    assertTrue(
        CLUSTER.cluster().executorsLaunched(app) >= 3,
        "the worker launched another executor for " + app);
    List<EpochMetrics> epochs = assertEveryMinibatchFittedOnce(output, 1);
    assertTrue(Double.isFinite(epochs.get(0).valTop1()));
    assertFinalModel(output, 1);
    if (combine.equals("tree")) {
      List<RoundMetrics> jobs =
          MetricsLog.read(storage, CLUSTER.hdfs(output)).stream()
              .filter(RoundMetrics.class::isInstance)
              .map(RoundMetrics.class::cast)
              .toList();
      assertFalse(jobs.isEmpty(), "round lines in metrics.jsonl");
      for (RoundMetrics job : jobs) {
        // Per round the broadcast goes out once and one sum of the same size comes in, also in
        // the rounds whose tree lost an executor (the driver path takes one result per worker).
        assertTrue(job.driverBytesOut() > 0, job.toString());
        assertEquals(job.driverBytesOut(), job.driverBytesIn(), job.toString());
      }
    }
  }

  @Test
  void aDriverKilledMidEpochResumesFromItsLastCheckpointAtTheSamePositionAndState()
      throws Exception {
    String output = "/runs/driver-killed";
    Submission killed =
        ClusterFashionMnist.trainJob(CLUSTER, output)
            .args("--set", "train.epochs=1", "--set", "train.checkpoint.every-iterations=12")
            .start();
    // After the first mid-epoch checkpoint, while the next job trains.
    awaitTrainingTasksAfter(killed, checkpointWritten("epoch-0000-iter-0000000012"));
    killed.killDriver();
    assertEquals(137, killed.exitCode(), "killed by SIGKILL");

    CheckpointStore.Checkpoint latest =
        new CheckpointStore(storage, CLUSTER.hdfs(output), 50).latest();
    assertNotNull(latest, "a checkpoint to resume from");
    TrainingState saved = latest.state();
    assertEquals(0, saved.epoch(), "no epoch finished");
    assertTrue(saved.batch() > 0, "a mid-epoch checkpoint: " + saved);
    String checkpoint = new Path(latest.location()).getName();

    // The same command again is refused by train itself: the run folder holds checkpoints.
    Submission again =
        ClusterFashionMnist.trainJob(CLUSTER, output).args("--set", "train.epochs=1").run(RUN);
    assertEquals(1, again.exitCode(), again.output());
    assertTrue(
        again.output().contains("holds checkpoints of an earlier run; add --resume"),
        again.output());

    Submission resumed =
        ClusterFashionMnist.trainJob(CLUSTER, output)
            .args(
                "--set",
                "train.epochs=1",
                "--set",
                "train.checkpoint.every-iterations=12",
                "--resume")
            .run(RUN);
    assertEquals(0, resumed.exitCode(), resumed.tail(100));
    Matcher resuming =
        Pattern.compile(
                "resuming from (\\S+): epoch (\\d+), minibatch (\\d+) of the "
                    + "epoch, iteration (\\d+), learning rate (\\S+) \\(parameters SHA-256 (\\w+), momentum "
                    + "SHA-256 (\\w+)\\)")
            .matcher(resumed.output());
    assertTrue(resuming.find(), resumed.tail(100));
    assertEquals(
        checkpoint, new Path(URI.create(resuming.group(1))).getName(), "the latest checkpoint");
    assertEquals(saved.epoch(), Integer.parseInt(resuming.group(2)), "epoch");
    assertEquals(saved.batch(), Integer.parseInt(resuming.group(3)), "position in the epoch");
    assertEquals(saved.iteration(), Long.parseLong(resuming.group(4)), "iteration");
    assertEquals(
        saved.schedule().learningRate(),
        Double.parseDouble(resuming.group(5)),
        0,
        "the schedule's learning rate");
    assertEquals(
        sha256(latest.network().params()), resuming.group(6), "the checkpoint's parameters");
    assertEquals(
        sha256(latest.network().getUpdater().getStateViewArray()),
        resuming.group(7),
        "the checkpoint's momentum");
    // The resumed run fits the rest of the epoch's plan, and the epoch line counts both parts.
    assertEveryMinibatchFittedOnce(output, 1);
    assertFinalModel(output, 1);
  }

  @Test
  void aDriverHaltedBetweenACheckpointsWriteAndItsRenameLeavesThePreviousOneAndIsCleanedUp()
      throws Exception {
    String output = "/runs/halted";
    Submission halted =
        ClusterFashionMnist.trainJob(CLUSTER, output)
            .args("--set", "train.epochs=1", "--set", "train.checkpoint.every-iterations=12")
            .driverOption("-D" + Storage.HALT_BEFORE_RENAME + "=epoch-0000-iter-0000000024")
            .run(RUN);
    assertEquals(137, halted.exitCode(), halted.tail(100));
    assertTrue(
        halted.output().contains(Storage.HALT_BEFORE_RENAME + ": halting before"), halted.tail(50));

    Path checkpoints = new Path(CLUSTER.hdfs(output + "/checkpoints"));
    List<String> left = names(checkpoints);
    assertTrue(
        left.stream().anyMatch(n -> n.startsWith(".epoch-0000-iter-0000000024.tmp-")),
        "the unrenamed checkpoint is there: " + left);
    CheckpointStore.Checkpoint latest =
        new CheckpointStore(storage, CLUSTER.hdfs(output), 50).latest();
    assertEquals("epoch-0000-iter-0000000012", new Path(latest.location()).getName());
    assertFinite(latest.network().params(), latest.location().toString());

    Submission resumed =
        ClusterFashionMnist.trainJob(CLUSTER, output)
            .args(
                "--set",
                "train.epochs=1",
                "--set",
                "train.checkpoint.every-iterations=12",
                "--resume")
            .run(RUN);
    assertEquals(0, resumed.exitCode(), resumed.tail(100));
    assertTrue(
        resumed
            .output()
            .matches(
                "(?s).*cleaning up after an interrupted run: removed the "
                    + "unfinished \\S+/\\.epoch-0000-iter-0000000024\\.tmp-.*"),
        resumed.tail(100));
    assertTrue(
        resumed
            .output()
            .contains(
                "resuming from "
                    + latest.location()
                    + ": epoch 0, "
                    + "minibatch "
                    + latest.state().batch()),
        resumed.tail(100));
    assertEquals(
        List.of(),
        names(checkpoints).stream().filter(n -> n.startsWith(".")).toList(),
        "no hidden leftovers");
    assertEveryMinibatchFittedOnce(output, 1);
    assertFinalModel(output, 1);
  }

  @Test
  void aDataNodeStoppedMidEpochLosesNothing() throws Exception {
    String output = "/runs/datanode-stopped";
    Submission run =
        ClusterFashionMnist.trainJob(CLUSTER, output)
            .args("--set", "train.epochs=1", "--set", "train.checkpoint.every-iterations=12")
            .start();
    awaitTrainingTasksAfter(run, checkpointWritten("epoch-0000-iter-0000000012"));
    String app =
        ClusterFaults.applicationOf(
            LoopbackCluster.commandLineOf(CLUSTER.cluster().executors().get(0)));
    ClusterFaults.StoppedDataNode stopped = faults().stopDataNode(0);
    try {
      assertEquals(2, faults().liveDataNodes());
      assertEquals(0, run.waitFor(RUN), run.tail(100));
      // The stopped node was in the way: readers and writers went to the other replicas.
      String refused = "127.0.0.1:" + stopped.port();
      long reads =
          CLUSTER
              .cluster()
              .executorLogs(app)
              .lines()
              .filter(line -> line.contains("Failed to connect to /" + refused))
              .count();
      long writes = run.output().lines().filter(line -> line.contains(refused)).count();
      System.out.printf(
          "reads and writes that found DataNode %s stopped: %d, %d%n", refused, reads, writes);
      assertTrue(reads + writes > 0, "the stopped DataNode was never asked for a block");
      assertEveryMinibatchFittedOnce(output, 1);
      assertFinalModel(output, 1);
      // Written while the DataNode was down: the later checkpoints read back whole.
      for (Path checkpoint : checkpointFolders(output)) {
        assertFinite(
            new CheckpointStore(storage, CLUSTER.hdfs(output), 50)
                .load(checkpoint.toUri())
                .network()
                .params(),
            checkpoint.toString());
      }
    } finally {
      stopped.restart();
    }
  }

  @Test
  void aDivergingRunStopsNamingEpochAndIterationAndSavesNothingOfIt() throws Exception {
    String output = "/runs/diverged";
    Submission run =
        ClusterFashionMnist.trainJob(CLUSTER, output)
            .args("--set", "train.epochs=1", "--set", "optimizer.learning-rate=1000")
            .run(RUN);
    assertNotEquals(0, run.exitCode(), run.tail(50));
    // Named by the iteration reached when it was found: after the first Spark job at the latest.
    assertTrue(
        Pattern.compile("training diverged in epoch 1 at iteration [1-9]\\d*")
            .matcher(run.output())
            .find(),
        run.tail(50));
    assertFalse(fs.exists(new Path(CLUSTER.hdfs(output + "/model"))), "no model");
    List<Path> checkpoints = checkpointFolders(output);
    assertFalse(checkpoints.isEmpty(), "the checkpoint from before the divergence");
    CheckpointStore store = new CheckpointStore(storage, CLUSTER.hdfs(output), 50);
    for (Path checkpoint : checkpoints) {
      CheckpointStore.Checkpoint saved = store.load(checkpoint.toUri());
      assertFinite(saved.network().params(), checkpoint.toString());
      assertFinite(saved.network().getUpdater().getStateViewArray(), checkpoint + " momentum");
    }
  }

  @Test
  void aCheckpointOverTheSpaceQuotaFailsClearlyAndLeavesThePreviousOneAndNoLeftovers()
      throws Exception {
    String output = "/runs/quota";
    fs.mkdirs(new Path(output));
    Submission run =
        ClusterFashionMnist.trainJob(CLUSTER, output)
            .args("--set", "train.epochs=1", "--set", "train.checkpoint.every-iterations=24")
            .start();
    // The first checkpoint (at the start) and the metrics written with it are in; the next write
    // is the checkpoint at iteration 24. Leave less room than one block (1 MB, two replicas).
    run.awaitLog(PROGRESS, RUN);
    long used = fs.getContentSummary(new Path(output)).getSpaceConsumed();
    faults().setSpaceQuota(output, used + 1024 * 1024);
    try {
      assertEquals(1, run.waitFor(RUN), run.tail(100));
      String out = run.output();
      assertTrue(out.contains("could not write checkpoint"), run.tail(50));
      assertTrue(out.contains("epoch-0000-iter-0000000024"), "which checkpoint: " + run.tail(50));
      assertTrue(
          out.contains("quota of " + output + " is exceeded"), "why and where: " + run.tail(50));
      assertTrue(
          out.contains("epoch-0000-iter-0000000000, is intact")
              && out.contains("--resume")
              && out.contains("hdfs dfsadmin -setSpaceQuota"),
          "what to do: " + run.tail(50));

      CheckpointStore.Checkpoint latest =
          new CheckpointStore(storage, CLUSTER.hdfs(output), 50).latest();
      assertEquals("epoch-0000-iter-0000000000", new Path(latest.location()).getName());
      assertFinite(latest.network().params(), latest.location().toString());
      List<String> hidden = new ArrayList<>();
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(new Path(output), true);
      while (files.hasNext()) {
        Path file = files.next().getPath();
        for (Path p = file; p != null && !p.toUri().getPath().equals(output); p = p.getParent()) {
          if (p.getName().contains(".tmp-") || p.getName().contains(".old-")) {
            hidden.add(file.toString());
          }
        }
      }
      assertEquals(List.of(), hidden, "no unfinished writes left behind");
      assertTrue(
          names(new Path(CLUSTER.hdfs(output + "/checkpoints"))).stream()
              .noneMatch(n -> n.startsWith(".")),
          "no hidden temporaries among the checkpoints");
    } finally {
      faults().clearSpaceQuota(output);
    }
  }

  @Test
  void aShardWithItsFooterCutOffIsRefusedBeforeSparkStarts() throws Exception {
    String datasets = "/faults/footer";
    FileUtil.copy(
        fs,
        new Path(data.train()),
        fs,
        new Path(datasets + "/train"),
        false,
        CLUSTER.hadoopConfiguration());
    FileUtil.copy(
        fs,
        new Path(data.validation()),
        fs,
        new Path(datasets + "/val"),
        false,
        CLUSTER.hadoopConfiguration());
    Path shard =
        Arrays.stream(fs.listStatus(new Path(datasets + "/train")))
            .map(FileStatus::getPath)
            .filter(p -> p.getName().startsWith("shard-"))
            .sorted()
            .findFirst()
            .orElseThrow();
    byte[] bytes;
    try (InputStream in = fs.open(shard)) {
      bytes = in.readAllBytes();
    }
    Map<String, String> before = CLUSTER.cluster().applications();
    // Parquet ends with the footer, its length and "PAR1". First the last 100 bytes cut off (the
    // shard is shorter than its manifest says), then the same bytes zeroed in a shard of the right
    // length (only reading the footer finds it).
    byte[] zeroed = bytes.clone();
    Arrays.fill(zeroed, bytes.length - 100, bytes.length, (byte) 0);
    for (byte[] damaged : List.of(Arrays.copyOf(bytes, bytes.length - 100), zeroed)) {
      try (OutputStream out = fs.create(shard, true)) {
        out.write(damaged);
      }
      Submission run =
          ClusterFashionMnist.trainJob(CLUSTER, "/runs/footer")
              .env("DATASETS", "hdfs://" + datasets)
              .run(RUN);
      assertTrue(run.exitCode() == 1 || run.exitCode() == 2, "refused: " + run.tail(50));
      assertTrue(
          Pattern.compile(
                  "shard " + Pattern.quote(shard.getName()) + " of \\S*/faults/footer/train")
              .matcher(run.output())
              .find(),
          "names the shard: " + run.tail(50));
      assertFalse(run.output().contains("Running Spark version"), "Spark never started");
      assertEquals(
          before, CLUSTER.cluster().applications(), "no application registered with the master");
      assertFalse(fs.exists(new Path(CLUSTER.hdfs("/runs/footer/checkpoints"))), "nothing written");
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static Pattern checkpointWritten(String name) {
    return Pattern.compile("checkpoint \\S+/" + Pattern.quote(name) + " written");
  }

  /**
   * Waits for a line matching {@code after}, then for the next training job to reach the executors.
   */
  private static void awaitTrainingTasksAfter(Submission run, Pattern after) {
    Submission.LogLine line = run.awaitLog(after, RUN);
    run.awaitLog(TRAINING_TASKS, RUN, line.number());
  }

  private static List<EpochMetrics> epochs(String output) throws IOException {
    return MetricsLog.read(storage, CLUSTER.hdfs(output)).stream()
        .filter(EpochMetrics.class::isInstance)
        .map(EpochMetrics.class::cast)
        .toList();
  }

  /**
   * The run's epoch lines: {@code count} of them, each with every planned minibatch fitted once.
   */
  private static List<EpochMetrics> assertEveryMinibatchFittedOnce(String output, int count)
      throws IOException {
    List<EpochMetrics> epochs = epochs(output);
    assertEquals(count, epochs.size(), "epoch lines: " + epochs);
    for (EpochMetrics epoch : epochs) {
      assertTrue(epoch.plannedMinibatches() > 0, epoch.toString());
      assertEquals(
          epoch.plannedMinibatches(),
          epoch.fittedMinibatches(),
          "every minibatch fitted exactly once: " + epoch);
      assertEquals(0, epoch.skippedImages(), epoch.toString());
    }
    return epochs;
  }

  /** The run's model loads, is finite, and was trained on every image once per epoch. */
  private static void assertFinalModel(String output, int epochs) throws IOException {
    ModelStore.StoredModel model = new ModelStore(storage).load(CLUSTER.hdfs(output + "/model"));
    assertEquals(epochs, model.info().epochs());
    assertEquals(epochs * trainRecords, model.info().images(), "every image once per epoch");
    assertFinite(model.network().params(), output + "/model");
  }

  private static void assertFinite(INDArray array, String what) {
    assertTrue(Double.isFinite(array.sumNumber().doubleValue()), what + " holds NaN or infinity");
  }

  private static List<Path> checkpointFolders(String output) throws IOException {
    Path folder = new Path(CLUSTER.hdfs(output + "/checkpoints"));
    if (!fs.exists(folder)) {
      return List.of();
    }
    return Arrays.stream(fs.listStatus(folder))
        .map(FileStatus::getPath)
        .filter(p -> p.getName().startsWith("epoch-"))
        .sorted()
        .toList();
  }

  private static List<String> names(Path folder) throws IOException {
    return Arrays.stream(fs.listStatus(folder)).map(s -> s.getPath().getName()).sorted().toList();
  }

  /**
   * SHA-256 of an array's values as stored (row-major, native byte order), as the driver logs it.
   */
  private static String sha256(INDArray array) throws Exception {
    if (array == null) {
      return "none";
    }
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    digest.update(array.dup('c').data().asNio());
    return HexFormat.of().formatHex(digest.digest());
  }
}

package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.testing.CommandRun;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.train.CheckpointStore;
import org.alexnetspark.train.LearningRateSchedule;
import org.alexnetspark.train.TrainingState;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code alexnet train} refuses an output folder holding a model it did not write (exit code 2),
 * before Spark starts, and leaves that model as it was.
 */
class TrainOutputRefusalTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static final String CONF = "src/test/resources/conf/train-small.conf";
  private static PreparedFashionMnist.Datasets data;
  private static AlexNetConfig config;
  private static ComputationGraph network;

  @BeforeAll
  static void prepare() {
    data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    config = AlexNetConfig.load(List.of(Paths.get(CONF)), List.of());
    network = AlexNet.create(config.model(), config.optimizer());
  }

  /** Exit code and error output of {@code alexnet train} with a master nothing listens on. */
  private static Map.Entry<Integer, String> train(String output, boolean resume) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--conf",
                CONF,
                "--data",
                data.train().toString(),
                "--val",
                data.validation().toString(),
                "--output",
                HDFS.uri(output).toString()));
    if (resume) {
      args.add("--resume");
    }
    CommandRun run = CommandRun.beforeSpark(args.toArray(String[]::new));
    return Map.entry(run.exitCode(), run.err());
  }

  /** The files of a folder with their modification times, to see that nothing was touched. */
  private static Map<String, Long> files(String folder) throws Exception {
    Map<String, Long> files = new java.util.TreeMap<>();
    for (FileStatus file : HDFS.fileSystem().listStatus(new Path(folder))) {
      files.put(file.getPath().getName(), file.getModificationTime());
    }
    return files;
  }

  private static String manifestSha256() throws Exception {
    try (InputStream in =
        HDFS.fileSystem().open(new Path(data.train().getPath(), "manifest.json"))) {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
    }
  }

  @Test
  void aModelWithoutCheckpointsBesideItIsRefusedWithOrWithoutResume() throws Exception {
    URI model = HDFS.uri("/runs/foreign-model/model");
    new ModelStore(data.storage()).save(network, config, model, false);
    Map<String, Long> before = files("/runs/foreign-model/model");

    for (boolean resume : new boolean[] {false, true}) {
      Map.Entry<Integer, String> result = train("/runs/foreign-model", resume);
      String err = result.getValue();
      assertEquals(ExitCodes.USAGE, result.getKey(), err);
      assertTrue(
          err.contains(model + " holds a model this run did not write")
              && err.contains("there is no checkpoint of this run beside it")
              && err.contains("move it away, or choose another --output"),
          err);
    }
    assertEquals(before, files("/runs/foreign-model/model"), "the model is untouched");
    assertEquals(List.of("model"), List.copyOf(files("/runs/foreign-model").keySet()));
  }

  @Test
  void aModelTrainedOnOtherDataBesideTheRunsCheckpointsIsRefused() throws Exception {
    String dataSha256 = manifestSha256();
    Storage storage = data.storage();
    // The run's own checkpoint: its settings and its data are the ones given now.
    firstCheckpoint("/runs/other-model");
    // A model someone put there, trained on another training set.
    URI model = HDFS.uri("/runs/other-model/model");
    String otherData = "0".repeat(64);
    new ModelStore(storage)
        .save(
            network,
            config,
            ModelInfo.trained(
                List.of(), 3, 300, 9600, "hdfs:///elsewhere", otherData, 0.5, 0.9, null),
            model,
            false,
            Map.of());
    Map<String, Long> before = files("/runs/other-model/model");

    Map.Entry<Integer, String> result = train("/runs/other-model", true);
    String err = result.getValue();
    assertEquals(ExitCodes.USAGE, result.getKey(), err);
    assertTrue(
        err.contains(model + " holds a model this run did not write")
            && err.contains("manifest SHA-256 " + otherData)
            && err.contains(dataSha256),
        err);
    assertEquals(before, files("/runs/other-model/model"), "the model is untouched");
  }

  @Test
  void resumingWhenNoCheckpointIsUsableIsRefusedRatherThanStartingAfresh() throws Exception {
    URI checkpoint = firstCheckpoint("/runs/all-damaged");
    HDFS.fileSystem().delete(new Path(new Path(checkpoint), "model.zip"), false);

    Map.Entry<Integer, String> result = train("/runs/all-damaged", true);
    String err = result.getValue();
    assertEquals(ExitCodes.USAGE, result.getKey(), err);
    assertTrue(
        err.contains("holds checkpoints, but none is usable")
            && err.contains("restore an intact checkpoint"),
        err);
    assertEquals(
        List.of(new Path(checkpoint).getName()),
        List.copyOf(files("/runs/all-damaged/checkpoints").keySet()),
        "nothing written beside it");
  }

  /** Writes the checkpoint a run on the test's data takes before its first minibatch. */
  private static URI firstCheckpoint(String run) throws Exception {
    return new CheckpointStore(data.storage(), HDFS.uri(run), 3)
        .save(
            network,
            config,
            ModelInfo.untrained(),
            TrainingState.start(
                new LearningRateSchedule.State(0.01, 1, 0, 0),
                config.train().seed(),
                config.augment().seed(),
                manifestSha256()),
            Map.of());
  }
}

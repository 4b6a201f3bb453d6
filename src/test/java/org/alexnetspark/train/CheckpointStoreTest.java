package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Checkpoints on a real in-process HDFS: what counts as complete, and what latest() picks. */
class CheckpointStoreTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  private static final AlexNetConfig CONFIG =
      AlexNetConfig.load(List.of(Paths.get("src/test/resources/conf/train-small.conf")), List.of());

  private static TrainingState state(int epoch, long iteration) {
    return new TrainingState(
        epoch,
        0,
        true,
        iteration,
        iteration * 32,
        new LearningRateSchedule.State(0.01, 1, 0, 0),
        1,
        2,
        0,
        "sha",
        List.of());
  }

  @Test
  void aTruncatedLatestCheckpointIsPassedOverForThePreviousCompleteOne() throws Exception {
    Storage storage = new Storage(HDFS.configuration());
    URI run = HDFS.uri("/checkpoint-tests/truncated");
    CheckpointStore store = new CheckpointStore(storage, run, 10);
    ComputationGraph network = AlexNet.create(CONFIG.model(), CONFIG.optimizer());
    store.save(network, CONFIG, ModelInfo.untrained(), state(1, 10), Map.of());
    store.save(network, CONFIG, ModelInfo.untrained(), state(2, 20), Map.of());

    // The latest checkpoint's model file was cut short (a half-finished copy, a full disk).
    FileSystem fs = HDFS.fileSystem();
    Path zip = new Path(store.checkpoints().get(1), "model.zip");
    byte[] bytes;
    try (var in = fs.open(zip)) {
      bytes = in.readAllBytes();
    }
    try (var out = fs.create(zip, true)) {
      out.write(bytes, 0, bytes.length / 2);
    }

    CheckpointStore.Checkpoint latest = store.latest();
    assertEquals(1, latest.state().epoch(), "falls back to the previous complete checkpoint");
    assertEquals(network.params(), latest.network().params());
  }

  @Test
  void aCheckpointOverTheSpaceQuotaFailsSayingWhyAndWhatToDoAndLeavesNothingBehind()
      throws Exception {
    Storage storage = new Storage(HDFS.configuration());
    URI run = HDFS.uri("/checkpoint-tests/quota");
    CheckpointStore store = new CheckpointStore(storage, run, 10);
    // A model file of several blocks (1 MB each here), so that the quota is hit while writing it.
    AlexNetConfig config =
        AlexNetConfig.load(List.of(), List.of("model.variant=scaled", "model.classes=10"));
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    store.save(network, config, ModelInfo.untrained(), state(1, 10), Map.of());
    // Room for less than one more block: the next checkpoint cannot be written.
    DistributedFileSystem fs = (DistributedFileSystem) HDFS.fileSystem();
    Path folder = new Path(run);
    fs.setQuota(
        folder,
        HdfsConstants.QUOTA_DONT_SET,
        fs.getContentSummary(folder).getSpaceConsumed() + 512 * 1024);
    try {
      IOException e =
          assertThrows(
              IOException.class,
              () -> store.save(network, config, ModelInfo.untrained(), state(2, 20), Map.of()));
      String message = e.getMessage();
      assertTrue(
          message.contains(
              "could not write checkpoint " + store.folder() + "/epoch-0002-iter-0000000020"),
          message);
      assertTrue(message.contains("quota of /checkpoint-tests/quota is exceeded"), message);
      assertTrue(
          message.contains("epoch-0001-iter-0000000010, is intact")
              && message.contains("hdfs dfsadmin -setSpaceQuota")
              && message.contains("--resume"),
          message);
      List<String> left =
          Arrays.stream(fs.listStatus(new Path(store.folder())))
              .map(status -> status.getPath().getName())
              .toList();
      assertEquals(List.of("epoch-0001-iter-0000000010"), left, "no temporary left behind");
      assertEquals(1, store.latest().state().epoch());
    } finally {
      fs.setQuota(folder, HdfsConstants.QUOTA_DONT_SET, HdfsConstants.QUOTA_RESET);
    }
  }
}

package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.testing.MiniHdfs;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Checkpoints on a real in-process HDFS: what counts as complete, and what latest() picks. */
class CheckpointStoreTest {
  @RegisterExtension
  static final MiniHdfs HDFS = new MiniHdfs();

  private static final AlexNetConfig CONFIG = AlexNetConfig.load(
      List.of(java.nio.file.Paths.get("src/test/resources/conf/train-small.conf")), List.of());

  private static TrainingState state(int epoch, long iteration) {
    return new TrainingState(epoch, 0, true, iteration, iteration * 32,
        new LearningRateSchedule.State(0.01, 1, 0, 0), 1, 2, 0, "sha", List.of());
  }

  @Test
  void aTruncatedLatestCheckpointIsPassedOverForThePreviousCompleteOne() throws Exception {
    Storage storage = new Storage(HDFS.configuration());
    URI run = HDFS.uri("/checkpoint-tests/truncated");
    CheckpointStore store = new CheckpointStore(storage, run, 10);
    ComputationGraph network = AlexNet.create(CONFIG.model(), CONFIG.optimizer());
    store.save(network, CONFIG, ModelInfo.untrained(), state(1, 10), java.util.Map.of());
    store.save(network, CONFIG, ModelInfo.untrained(), state(2, 20), java.util.Map.of());

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
}

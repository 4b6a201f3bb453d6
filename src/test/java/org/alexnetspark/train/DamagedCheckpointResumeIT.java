package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.CapturedLog;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A run's newest checkpoint damaged in place (same size, other bytes: bit rot, a bad copy) does not
 * stop {@code train --resume}: it warns naming that checkpoint and why, and continues from the one
 * before it, with exactly that checkpoint's parameters, momentum and state. Two short training
 * runs: minutes on two busy cores, hence an end-to-end test.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DamagedCheckpointResumeIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static final String OUTPUT = "/runs/damaged";

  private static AlexNetConfig config(String... overrides) {
    List<String> all = new ArrayList<>(List.of("train.checkpoint.every-iterations=4"));
    all.addAll(List.of(overrides));
    return AlexNetConfig.load(List.of(Paths.get("src/test/resources/conf/train-small.conf")), all);
  }

  private static TrainJob.Result train(
      TrainJob job, PreparedFashionMnist.Datasets data, boolean resume) throws IOException {
    TrainJob.Request request =
        new TrainJob.Request(data.train(), data.validation(), HDFS.uri(OUTPUT), resume, null);
    return job.run(SPARK.context(), request, job.check(request));
  }

  @Test
  void resumingPassesOverTheNewestCheckpointOverwrittenInPlaceForThePreviousOne() throws Exception {
    PreparedFashionMnist.Datasets data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    Storage storage = data.storage();
    train(new TrainJob(config("train.epochs=1"), storage), data, false);
    CheckpointStore written = new CheckpointStore(storage, HDFS.uri(OUTPUT), 50);
    List<Path> checkpoints = written.checkpoints();
    assertTrue(checkpoints.size() >= 2, "checkpoints of a real run: " + checkpoints);
    Path newest = checkpoints.get(checkpoints.size() - 1);
    Path previous = checkpoints.get(checkpoints.size() - 2);
    CheckpointStore.Checkpoint expected = written.load(previous.toUri());
    INDArray parameters = expected.network().params().dup();
    INDArray momentum = expected.network().getUpdater().getStateViewArray().dup();

    // The newest checkpoint's model file is overwritten in its middle, keeping its size.
    FileSystem fs = HDFS.fileSystem();
    Path zip = new Path(newest, "model.zip");
    byte[] bytes;
    try (var in = fs.open(zip)) {
      bytes = in.readAllBytes();
    }
    byte[] damaged = bytes.clone();
    for (int i = bytes.length / 2; i < bytes.length / 2 + 4096; i++) {
      damaged[i] = (byte) (bytes[i] ^ 0x5a);
    }
    try (var out = fs.create(zip, true)) {
      out.write(damaged);
    }
    assertEquals(bytes.length, fs.getFileStatus(zip).getLen());
    assertFalse(Arrays.equals(bytes, damaged));

    StartingPointCapture start = new StartingPointCapture();
    TrainJob resumed = new TrainJob(config("train.epochs=2"), storage).withListener(start);
    TrainJob.Result result;
    List<String> warnings;
    List<String> resuming;
    try (CapturedLog store = CapturedLog.of(CheckpointStore.class);
        CapturedLog job = CapturedLog.of(TrainJob.class)) {
      result = train(resumed, data, true);
      warnings = store.warnings();
      resuming = job.lines().stream().filter(l -> l.contains("resuming from")).toList();
    }
    warnings.forEach(System.out::println);
    resuming.forEach(System.out::println);

    assertTrue(
        warnings.stream()
            .anyMatch(
                w ->
                    w.contains("checkpoint " + newest.getName() + " is unusable")
                        && w.contains("model.zip is damaged")),
        warnings.toString());
    assertEquals(1, resuming.size(), resuming.toString());
    assertTrue(resuming.get(0).contains("resuming from " + previous.toUri()), resuming.toString());
    assertEquals(parameters, start.parameters, "the previous checkpoint's parameters");
    assertEquals(momentum, start.momentum, "and its momentum");
    assertEquals(expected.state(), start.state, "and its state");
    assertEquals(2, result.state().epoch(), "the resumed run finished");
  }
}

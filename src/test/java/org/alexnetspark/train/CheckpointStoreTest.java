package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.testing.CapturedLog;
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
    return state(epoch, iteration, true, List.of());
  }

  /** A state at the start of epoch {@code epoch + 1}, 32 images a minibatch. */
  private static TrainingState state(
      int epoch, long iteration, boolean validated, List<EpochMetrics> epochs) {
    return new TrainingState(
        epoch,
        0,
        validated,
        iteration,
        iteration * 32,
        new LearningRateSchedule.State(0.01, 1, 0, 0),
        1,
        2,
        0,
        "sha",
        epochs);
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

  /** An epoch-end checkpoint's state after validation with top-1 {@code top1}. */
  private static TrainingState validated(int epoch, long iteration, double top1) {
    EpochMetrics metrics =
        new EpochMetrics(epoch, iteration, 1.0, 0.01, 0.01, top1, top1, 1.0, 10, 10, 0);
    return state(epoch, iteration, true, List.of(metrics));
  }

  /** Two checkpoints (epochs 1 and 2) of one network in a new run folder. */
  private static CheckpointStore twoCheckpoints(String run, ComputationGraph network)
      throws IOException {
    CheckpointStore store =
        new CheckpointStore(new Storage(HDFS.configuration()), HDFS.uri(run), 10);
    store.save(network, CONFIG, ModelInfo.untrained(), state(1, 10), Map.of());
    store.save(network, CONFIG, ModelInfo.untrained(), state(2, 20), Map.of());
    return store;
  }

  /** A store over the run folder {@code run} as a new process sees it: nothing read yet. */
  private static CheckpointStore reopened(String run) {
    return new CheckpointStore(new Storage(HDFS.configuration()), HDFS.uri(run), 10);
  }

  private static byte[] read(Path file) throws IOException {
    try (var in = HDFS.fileSystem().open(file)) {
      return in.readAllBytes();
    }
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    try (var out = HDFS.fileSystem().create(file, true)) {
      out.write(bytes);
    }
  }

  /** Overwrites 64 bytes in the middle of {@code file}: same length, other bytes (bit rot). */
  private static void overwriteMidFile(Path file) throws IOException {
    byte[] before = read(file);
    byte[] after = before.clone();
    for (int i = before.length / 2; i < before.length / 2 + 64; i++) {
      after[i] = (byte) ~before[i];
    }
    write(file, after);
    byte[] now = read(file);
    assertEquals(before.length, now.length, "same size");
    assertFalse(Arrays.equals(before, now), "other bytes");
  }

  @Test
  void aModelFileOverwrittenInPlaceAtItsSizeIsPassedOverWithAWarningNamingIt() throws Exception {
    ComputationGraph network = AlexNet.create(CONFIG.model(), CONFIG.optimizer());
    CheckpointStore writer = twoCheckpoints("/checkpoint-tests/overwritten", network);
    Path newest = writer.checkpoints().get(1);
    overwriteMidFile(new Path(newest, "model.zip"));

    for (CheckpointStore store : List.of(reopened("/checkpoint-tests/overwritten"), writer)) {
      try (CapturedLog log = CapturedLog.of(CheckpointStore.class)) {
        CheckpointStore.Checkpoint latest = store.latest();
        assertEquals(1, latest.state().epoch(), "falls back to the previous intact checkpoint");
        assertEquals(network.params(), latest.network().params());
        assertEquals(1, store.peekLatest().state().epoch(), "the resume checks look at it too");
        String warning = log.warnings().get(0);
        assertTrue(
            warning.contains("checkpoint " + newest.getName() + " is unusable")
                && warning.contains("model.zip is damaged (SHA-256"),
            log.lines().toString());
      }
    }
  }

  @Test
  void aCheckpointWithAFileMissingIsPassedOverWithAWarningNamingIt() throws Exception {
    ComputationGraph network = AlexNet.create(CONFIG.model(), CONFIG.optimizer());
    CheckpointStore writer = twoCheckpoints("/checkpoint-tests/missing", network);
    Path newest = writer.checkpoints().get(1);
    HDFS.fileSystem().delete(new Path(newest, "model.zip"), false);

    try (CapturedLog log = CapturedLog.of(CheckpointStore.class)) {
      CheckpointStore store = reopened("/checkpoint-tests/missing");
      assertEquals(1, store.latest().state().epoch());
      assertTrue(
          log.warnings().get(0).contains(newest.getName())
              && log.warnings().get(0).contains("model.zip is missing"),
          log.lines().toString());
    }
  }

  @Test
  void aSealedStateThatDoesNotParseMakesTheCheckpointUnusable() throws Exception {
    ComputationGraph network = AlexNet.create(CONFIG.model(), CONFIG.optimizer());
    CheckpointStore writer = twoCheckpoints("/checkpoint-tests/unparsable", network);
    Path newest = writer.checkpoints().get(1);
    // Written so by a faulty writer: the seal matches the bytes, which are not JSON.
    byte[] garbage = "{\"epoch\": 2, not json".getBytes(StandardCharsets.UTF_8);
    write(new Path(newest, "state.json"), garbage);
    Path sealFile = new Path(newest, SealedFolder.SEAL);
    SealedFolder.Seal seal =
        Json.read(new String(read(sealFile), StandardCharsets.UTF_8), SealedFolder.Seal.class, "");
    String digest = HexFormat.of().formatHex(sha256(garbage));
    List<SealedFolder.Entry> files = new ArrayList<>(seal.files());
    files.replaceAll(
        e ->
            e.name().equals("state.json")
                ? new SealedFolder.Entry("state.json", garbage.length, digest)
                : e);
    write(sealFile, Json.write(new SealedFolder.Seal(files)).getBytes(StandardCharsets.UTF_8));

    try (CapturedLog log = CapturedLog.of(CheckpointStore.class)) {
      assertEquals(1, reopened("/checkpoint-tests/unparsable").latest().state().epoch());
      assertTrue(
          log.warnings().get(0).contains(newest.getName())
              && log.warnings().get(0).contains("unreadable"),
          log.lines().toString());
    }
  }

  @Test
  void aTamperedValidationRecordMakesItsCheckpointUnusableAndNeverTheBest() throws Exception {
    ComputationGraph network = AlexNet.create(CONFIG.model(), CONFIG.optimizer());
    CheckpointStore writer =
        new CheckpointStore(
            new Storage(HDFS.configuration()), HDFS.uri("/checkpoint-tests/tampered"), 10);
    URI first = writer.save(network, CONFIG, ModelInfo.untrained(), state(1, 10), Map.of());
    writer.recordValidation(first, validated(1, 10, 0.5));
    URI second = writer.save(network, CONFIG, ModelInfo.untrained(), state(2, 20), Map.of());
    writer.recordValidation(second, validated(2, 20, 0.4));
    assertEquals(0.5, writer.best().state().lastEpoch().valTop1(), "the better one, untouched");

    // The second's record is edited to claim a better accuracy, at the same length.
    Path record = new Path(new Path(second), "validated.json");
    String text = new String(read(record), StandardCharsets.UTF_8);
    assertTrue(text.contains("\"val_top1\" : 0.4,"), text);
    write(
        record,
        text.replace("\"val_top1\" : 0.4,", "\"val_top1\" : 0.9,")
            .getBytes(StandardCharsets.UTF_8));

    try (CapturedLog log = CapturedLog.of(CheckpointStore.class)) {
      CheckpointStore store = reopened("/checkpoint-tests/tampered");
      assertEquals(1, store.latest().state().epoch());
      assertTrue(
          log.warnings().get(0).contains(new Path(second).getName())
              && log.warnings().get(0).contains("validated.json is damaged"),
          log.lines().toString());
      CheckpointStore.Checkpoint best = store.best();
      assertEquals(1, best.state().epoch(), "the edited accuracy is not believed");
      assertEquals(0.5, best.state().lastEpoch().valTop1());
    }
  }

  @Test
  void aValidationRecordOutsideTheSealIsNotTrustedAndTheEpochIsValidatedAgain() throws Exception {
    ComputationGraph network = AlexNet.create(CONFIG.model(), CONFIG.optimizer());
    Storage storage = new Storage(HDFS.configuration());
    CheckpointStore writer =
        new CheckpointStore(storage, HDFS.uri("/checkpoint-tests/unsealed"), 10);
    TrainingState trained = state(1, 10, false, List.of());
    URI checkpoint = writer.save(network, CONFIG, ModelInfo.untrained(), trained, Map.of());
    // As earlier versions recorded it (and as a run stopped between the file and its seal leaves
    // it): beside the sealed files, not listed in the seal.
    storage.writeText(
        Locations.child(checkpoint, "validated.json"), Json.write(validated(1, 10, 0.7)));

    try (CapturedLog log = CapturedLog.of(CheckpointStore.class)) {
      CheckpointStore store = reopened("/checkpoint-tests/unsealed");
      CheckpointStore.Checkpoint latest = store.latest();
      assertEquals(trained, latest.state(), "the state as trained: validation is done again");
      assertFalse(latest.state().validated());
      assertTrue(
          log.warnings().get(0).contains("validated.json is not covered by the seal"),
          log.lines().toString());
      assertEquals(null, store.best(), "an untrusted accuracy is never the best");
    }
  }

  @Test
  void damagedCheckpointsDoNotCountTowardKeepLastAndTheLastIntactOneIsKept() throws Exception {
    ComputationGraph network = AlexNet.create(CONFIG.model(), CONFIG.optimizer());
    URI run = HDFS.uri("/checkpoint-tests/keep-last");
    Storage storage = new Storage(HDFS.configuration());
    new CheckpointStore(storage, run, 2)
        .save(network, CONFIG, ModelInfo.untrained(), state(1, 10), Map.of());
    URI second =
        new CheckpointStore(storage, run, 2)
            .save(network, CONFIG, ModelInfo.untrained(), state(2, 20), Map.of());
    overwriteMidFile(new Path(new Path(second), "model.zip"));
    // A later process writes the third: the damaged second must not push out the intact first.
    URI third =
        new CheckpointStore(storage, run, 2)
            .save(network, CONFIG, ModelInfo.untrained(), state(3, 30), Map.of());
    HDFS.fileSystem().delete(new Path(new Path(third), "state.json"), false);
    assertEquals(
        List.of(
            "epoch-0001-iter-0000000010",
            "epoch-0002-iter-0000000020",
            "epoch-0003-iter-0000000030"),
        names(run));
    assertEquals(
        1,
        new CheckpointStore(storage, run, 2).latest().state().epoch(),
        "the only intact one is still there");

    // Two more: now three intact ones, of which the oldest goes; the damaged ones stay.
    CheckpointStore store = new CheckpointStore(storage, run, 2);
    try (CapturedLog log = CapturedLog.of(CheckpointStore.class)) {
      store.save(network, CONFIG, ModelInfo.untrained(), state(4, 40), Map.of());
      assertEquals(4, names(run).size(), names(run).toString());
      store.save(network, CONFIG, ModelInfo.untrained(), state(5, 50), Map.of());
      assertEquals(
          List.of(
              "epoch-0002-iter-0000000020",
              "epoch-0003-iter-0000000030",
              "epoch-0004-iter-0000000040",
              "epoch-0005-iter-0000000050"),
          names(run));
      List<String> notCounted =
          log.warnings().stream().filter(w -> w.contains("not counted toward")).toList();
      assertEquals(2, notCounted.size(), "each damaged one is reported once: " + log.lines());
    }
    assertEquals(5, store.latest().state().epoch());
  }

  private static List<String> names(URI run) throws IOException {
    return Arrays.stream(HDFS.fileSystem().listStatus(new Path(run.getPath(), "checkpoints")))
        .map(status -> status.getPath().getName())
        .filter(name -> name.startsWith("epoch-"))
        .sorted()
        .toList();
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
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

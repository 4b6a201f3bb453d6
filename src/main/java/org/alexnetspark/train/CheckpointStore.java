package org.alexnetspark.train;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.protocol.QuotaExceededException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints of a run, in {@code <output>/checkpoints/epoch-EEEE-iter-IIIIIIIIII/}: a sealed model
 * folder ({@link ModelStore}: parameters, momentum, configuration, seal) plus {@code state.json}
 * (epoch, position in the epoch, schedule, seeds, metrics so far). A checkpoint taken at the end of
 * an epoch, before validation, later gets {@code validated.json}: the state after validation and
 * the schedule. Each is written atomically; a checkpoint without its seal, or with a file cut short
 * or damaged, is passed over for the previous complete one. The last {@code
 * train.checkpoint.keep-last} and the one with the best validation accuracy are kept.
 */
public final class CheckpointStore {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  static final String STATE_FILE = "state.json";
  static final String VALIDATED_FILE = "validated.json";

  private final Storage storage;
  private final ModelStore models;
  private final URI folder;
  private final int keepLast;

  /** A checkpoint read back. */
  public record Checkpoint(
      URI location, ComputationGraph network, TrainingState state, AlexNetConfig config) {}

  public CheckpointStore(Storage storage, URI output, int keepLast) {
    this.storage = storage;
    this.models = new ModelStore(storage);
    this.folder = Locations.child(output, "checkpoints");
    this.keepLast = keepLast;
  }

  /**
   * Writes a checkpoint of {@code network} at {@code state}, then drops old ones.
   *
   * @param files further files of the model folder (e.g. the training set's statistics)
   * @throws IOException if it cannot be written, saying so, why, and which checkpoint a resumed run
   *     would continue from; nothing of the unfinished one is left behind
   */
  public URI save(
      ComputationGraph network,
      AlexNetConfig config,
      ModelInfo info,
      TrainingState state,
      Map<String, byte[]> files)
      throws IOException {
    URI target =
        Locations.child(
            folder,
            String.format(Locale.ROOT, "epoch-%04d-iter-%010d", state.epoch(), state.iteration()));
    Map<String, byte[]> all = new HashMap<>(files);
    all.put(STATE_FILE, Json.write(state).getBytes(StandardCharsets.UTF_8));
    try {
      models.save(network, config, info, target, true, all);
    } catch (IOException e) {
      throw new IOException(failedSave(target, e), e);
    }
    LOG.info(
        "checkpoint {} written: epoch {}, minibatch {} of the epoch, iteration {}",
        target,
        state.epoch(),
        state.batch(),
        state.iteration());
    prune();
    return target;
  }

  /** What went wrong writing {@code target}, and what to do about it. */
  private String failedSave(URI target, IOException e) throws IOException {
    boolean full = false;
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      full |= cause instanceof QuotaExceededException;
    }
    String fix =
        full
            ? "free space in "
                + folder
                + " or raise the quota of the folder that holds "
                + "it (hdfs dfsadmin -setSpaceQuota), then"
            : "once the storage works again,";
    List<Path> all = checkpoints();
    if (all.isEmpty()) {
      return "could not write checkpoint "
          + target
          + ": "
          + e.getMessage()
          + ". There is no "
          + "earlier checkpoint; "
          + fix
          + " run the same command again";
    }
    return "could not write checkpoint "
        + target
        + ": "
        + e.getMessage()
        + ". The last complete "
        + "checkpoint, "
        + all.get(all.size() - 1)
        + ", is intact; "
        + fix
        + " run the same "
        + "command with --resume to continue from it";
  }

  /** Records the state after validation and the schedule in the checkpoint taken before them. */
  public void recordValidation(URI checkpoint, TrainingState validated) throws IOException {
    storage.writeText(Locations.child(checkpoint, VALIDATED_FILE), Json.write(validated));
  }

  /**
   * The most recent complete checkpoint, or null if there is none. Incomplete or damaged ones are
   * passed over with a warning naming what is wrong.
   */
  public Checkpoint latest() throws IOException {
    List<Path> all = checkpoints();
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        return load(all.get(i).toUri());
      } catch (SealedFolder.IncompleteException e) {
        LOG.warn(
            "checkpoint {} is unusable ({}); falling back to the one before it",
            all.get(i).getName(),
            e.getMessage());
      }
    }
    return null;
  }

  /** The newest checkpoint that looks complete, read without its network; null if none. */
  public Summary peekLatest() throws IOException {
    List<Path> all = checkpoints();
    for (int i = all.size() - 1; i >= 0; i--) {
      URI location = all.get(i).toUri();
      try {
        SealedFolder.Seal seal = SealedFolder.check(storage, location);
        AlexNetConfig config =
            AlexNetConfig.fromHocon(
                models.readText(location, seal, ModelStore.CONFIG_FILE),
                location + "/alexnet.conf");
        return new Summary(location, config, state(location));
      } catch (SealedFolder.IncompleteException e) {
        LOG.warn(
            "checkpoint {} is unusable ({}); looking at the one before it",
            all.get(i).getName(),
            e.getMessage());
      }
    }
    return null;
  }

  /** A checkpoint's configuration and state, without its network. */
  public record Summary(URI location, AlexNetConfig config, TrainingState state) {}

  public Checkpoint load(URI location) throws IOException {
    ModelStore.StoredModel model = models.load(location);
    return new Checkpoint(location, model.network(), state(location), model.config());
  }

  /** The checkpoint's state: after validation if that was recorded, else as trained. */
  TrainingState state(URI location) throws IOException {
    URI validated = Locations.child(location, VALIDATED_FILE);
    if (storage.exists(validated)) {
      try {
        return Json.read(storage.readText(validated), TrainingState.class, validated.toString());
      } catch (IllegalArgumentException e) {
        LOG.warn(
            "{} is unreadable ({}); the epoch will be validated again", validated, e.getMessage());
      }
    }
    SealedFolder.Seal seal = SealedFolder.check(storage, location);
    URI file = Locations.child(location, STATE_FILE);
    return Json.read(
        models.readText(location, seal, STATE_FILE), TrainingState.class, file.toString());
  }

  /**
   * The complete checkpoint with the best validation top-1 accuracy (the latest among equals), or
   * null if no checkpoint was validated.
   */
  public Checkpoint best() throws IOException {
    List<Path> all = checkpoints();
    for (Path candidate :
        all.stream()
            .sorted(
                Comparator.comparingDouble((Path p) -> validationAccuracy(p))
                    .thenComparing(Path::getName)
                    .reversed())
            .toList()) {
      if (validationAccuracy(candidate) < 0) {
        return null;
      }
      try {
        return load(candidate.toUri());
      } catch (SealedFolder.IncompleteException e) {
        LOG.warn(
            "checkpoint {} is unusable ({}); looking at the next best",
            candidate.getName(),
            e.getMessage());
      }
    }
    return null;
  }

  /** Checkpoint folders, complete or not, oldest first. */
  List<Path> checkpoints() throws IOException {
    FileSystem fs = storage.fileSystem(folder);
    Path root = new Path(folder);
    if (!fs.exists(root)) {
      return List.of();
    }
    return Arrays.stream(fs.listStatus(root))
        .filter(FileStatus::isDirectory)
        .map(FileStatus::getPath)
        .filter(p -> p.getName().startsWith("epoch-"))
        .sorted(Comparator.comparing(Path::getName))
        .toList();
  }

  /**
   * Cleans up after a process killed while writing a checkpoint: removes its hidden temporary
   * folder (about half a gigabyte for the paper's network) and puts back a checkpoint that was
   * moved aside to be replaced.
   *
   * @return what was removed or restored, for the log
   */
  public List<String> removeLeftovers() throws IOException {
    return storage.recoverInterruptedWrites(folder);
  }

  /** The folder holding the checkpoints. */
  public URI folder() {
    return folder;
  }

  private void prune() throws IOException {
    List<Path> all = new ArrayList<>(checkpoints());
    if (all.size() <= keepLast) {
      return;
    }
    Path best = null;
    double bestAccuracy = -1;
    for (Path checkpoint : all) {
      double accuracy = validationAccuracy(checkpoint);
      if (accuracy > bestAccuracy) {
        bestAccuracy = accuracy;
        best = checkpoint;
      }
    }
    FileSystem fs = storage.fileSystem(folder);
    for (Path old : all.subList(0, all.size() - keepLast)) {
      if (!old.equals(best)) {
        fs.delete(old, true);
        LOG.info("removed old checkpoint {}", old.getName());
      }
    }
  }

  /** Validation top-1 of a checkpoint taken at an epoch's end, or -1 (mid-epoch, unvalidated). */
  double validationAccuracy(Path checkpoint) {
    try {
      TrainingState state = state(checkpoint.toUri());
      if (state.batch() != 0 || !state.validated() || state.epochs().isEmpty()) {
        return -1;
      }
      double accuracy = state.lastEpoch().valTop1();
      return Double.isFinite(accuracy) ? accuracy : -1;
    } catch (IOException | IllegalArgumentException e) {
      return -1; // incomplete: never the best
    }
  }
}

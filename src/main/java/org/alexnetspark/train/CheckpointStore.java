package org.alexnetspark.train;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Sha256;
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
 * the schedule, added to the seal. Each is written atomically.
 *
 * <p>A checkpoint is usable only if its seal is there and every file it lists is there with its
 * size and SHA-256, and its files can be read. Any other checkpoint (cut short, overwritten in
 * place, a file missing, a digest that does not match, a file that does not parse) is unusable: it
 * is passed over with a warning naming it and why, for the previous usable one, it is never the
 * best, and it does not count toward {@code train.checkpoint.keep-last} (it is left in place for
 * inspection, and no usable checkpoint is removed because of it). The last {@code keep-last} usable
 * checkpoints and the one with the best validation accuracy are kept.
 */
public final class CheckpointStore {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  static final String STATE_FILE = "state.json";
  static final String VALIDATED_FILE = "validated.json";

  private final Storage storage;
  private final ModelStore models;
  private final URI folder;
  private final int keepLast;

  /** Seals whose files were all read back and matched, by checkpoint: each is read once. */
  private final Map<URI, SealedFolder.Seal> verified = new HashMap<>();

  /** Unusable checkpoints already warned about, with the reason. */
  private final Map<URI, String> reported = new HashMap<>();

  /** Checkpoints whose {@code validated.json} outside the seal was already warned about. */
  private final Set<URI> unsealedReported = new HashSet<>();

  /** A checkpoint read back. */
  public record Checkpoint(
      URI location, ComputationGraph network, TrainingState state, AlexNetConfig config) {}

  /** A checkpoint that cannot be used; the message names it and says why. */
  public static final class UnusableCheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    UnusableCheckpointException(URI location, String reason, Throwable cause) {
      super(location + " is unusable: " + withoutLocation(location, reason), cause);
      this.reason = withoutLocation(location, reason);
    }

    /** What is wrong with it, e.g. "model.zip is damaged (SHA-256 ..., its seal says ...)". */
    public String reason() {
      return reason;
    }

    /** The reason without the checkpoint's location, which messages of the seal start with. */
    private static String withoutLocation(URI location, String reason) {
      for (String prefix : List.of(location + " is incomplete: ", location + ": ")) {
        if (reason.startsWith(prefix)) {
          return reason.substring(prefix.length());
        }
      }
      return reason;
    }
  }

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
    // Its digests were computed from the bytes written: no need to read it back to trust it.
    verified.put(target, SealedFolder.check(storage, target));
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
    URI last = lastUsable();
    if (last == null) {
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
        + last
        + ", is intact; "
        + fix
        + " run the same "
        + "command with --resume to continue from it";
  }

  /**
   * Records the state after validation and the schedule in the checkpoint taken before them, and
   * adds it to the checkpoint's seal. Until the seal is replaced (one rename) the file is not
   * trusted, so a run stopped in between validates that epoch again.
   */
  public void recordValidation(URI checkpoint, TrainingState validated) throws IOException {
    SealedFolder.Seal seal = SealedFolder.check(storage, checkpoint);
    List<SealedFolder.Entry> files = new ArrayList<>(seal.files());
    if (files.removeIf(e -> e.name().equals(VALIDATED_FILE))) {
      // Never a seal listing digests of a file being replaced.
      writeSeal(checkpoint, new SealedFolder.Seal(files));
    }
    String text = Json.write(validated);
    storage.replaceFile(
        Locations.child(checkpoint, VALIDATED_FILE), text.getBytes(StandardCharsets.UTF_8));
    files.add(
        new SealedFolder.Entry(
            VALIDATED_FILE, text.getBytes(StandardCharsets.UTF_8).length, Sha256.of(text)));
    SealedFolder.Seal sealed = new SealedFolder.Seal(files);
    writeSeal(checkpoint, sealed);
    if (verified.containsKey(checkpoint)) {
      verified.put(checkpoint, sealed);
    }
  }

  private void writeSeal(URI checkpoint, SealedFolder.Seal seal) throws IOException {
    storage.replaceFile(
        Locations.child(checkpoint, SealedFolder.SEAL),
        Json.write(seal).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The most recent usable checkpoint, or null if there is none. Unusable ones are passed over with
   * a warning naming each and why.
   */
  public Checkpoint latest() throws IOException {
    List<Path> all = checkpoints();
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        return load(all.get(i).toUri());
      } catch (UnusableCheckpointException e) {
        warnUnusable(all.get(i), e, "falling back to the one before it");
      }
    }
    return null;
  }

  /**
   * The newest usable checkpoint, read without its network (whose bytes are checked against the
   * seal all the same, so that this is the checkpoint {@link #latest} returns); null if none.
   */
  public Summary peekLatest() throws IOException {
    List<Path> all = checkpoints();
    for (int i = all.size() - 1; i >= 0; i--) {
      URI location = all.get(i).toUri();
      try {
        SealedFolder.Seal seal = verify(location);
        AlexNetConfig config =
            parsed(
                location,
                () ->
                    AlexNetConfig.fromHocon(
                        models.readText(location, seal, ModelStore.CONFIG_FILE),
                        location + "/" + ModelStore.CONFIG_FILE));
        return new Summary(location, config, state(location, seal));
      } catch (UnusableCheckpointException e) {
        warnUnusable(all.get(i), e, "falling back to the one before it");
      }
    }
    return null;
  }

  /** A checkpoint's configuration and state, without its network. */
  public record Summary(URI location, AlexNetConfig config, TrainingState state) {}

  /**
   * Reads a checkpoint, every file of which is first checked against its seal.
   *
   * @throws UnusableCheckpointException if it is incomplete, damaged or unreadable, saying why
   * @throws IOException if the storage fails
   */
  public Checkpoint load(URI location) throws IOException {
    SealedFolder.Seal seal = verify(location);
    try {
      ModelStore.StoredModel model = parsed(location, () -> models.load(location));
      return new Checkpoint(location, model.network(), state(location, seal), model.config());
    } catch (IOException e) {
      // Changed since it was checked (e.g. overwritten in place)? Then say so: it is damaged, and
      // the storage is not failing.
      verified.remove(location);
      verify(location);
      throw e;
    }
  }

  /**
   * The checkpoint's state: after validation if that was recorded and sealed, else as trained. A
   * {@code validated.json} outside the seal (written by a version before it was sealed, or left by
   * a run stopped while recording it) is not trusted: the epoch is validated again.
   */
  private TrainingState state(URI location, SealedFolder.Seal seal) throws IOException {
    String name = seal.entry(VALIDATED_FILE) != null ? VALIDATED_FILE : STATE_FILE;
    if (name.equals(STATE_FILE)
        && storage.exists(Locations.child(location, VALIDATED_FILE))
        && unsealedReported.add(location)) {
      LOG.warn(
          "{} is not covered by the seal of {} (written by an earlier version, or the run stopped "
              + "while recording it); the epoch will be validated again",
          VALIDATED_FILE,
          location);
    }
    String where = Locations.child(location, name).toString();
    return parsed(
        location,
        () -> Json.read(models.readText(location, seal, name), TrainingState.class, where));
  }

  /**
   * Checks that {@code location} is sealed and that every file it lists is there, of its size and
   * with its digest (reading each once per store).
   *
   * @throws UnusableCheckpointException if not, saying what is wrong
   */
  private SealedFolder.Seal verify(URI location) throws IOException {
    SealedFolder.Seal seal;
    try {
      seal = SealedFolder.check(storage, location);
      if (seal.equals(verified.get(location))) {
        return seal;
      }
      for (SealedFolder.Entry entry : seal.files()) {
        try (InputStream in = SealedFolder.open(storage, location, seal, entry.name())) {
          in.transferTo(OutputStream.nullOutputStream());
        }
      }
      for (String required : List.of(ModelStore.CONFIG_FILE, STATE_FILE)) {
        if (seal.entry(required) == null) {
          throw new SealedFolder.IncompleteException(
              location + ": " + required + " is not listed in its " + SealedFolder.SEAL);
        }
      }
    } catch (SealedFolder.IncompleteException | FileNotFoundException e) {
      throw new UnusableCheckpointException(location, e.getMessage(), e);
    }
    verified.put(location, seal);
    return seal;
  }

  /** Something read from a checkpoint's files. */
  @FunctionalInterface
  private interface Read<T> {
    T read() throws IOException;
  }

  /**
   * Reads from a checkpoint; a file that is missing, damaged or does not parse makes it unusable.
   */
  private static <T> T parsed(URI location, Read<T> read) throws IOException {
    try {
      return read.read();
    } catch (SealedFolder.IncompleteException | FileNotFoundException e) {
      throw new UnusableCheckpointException(location, e.getMessage(), e);
    } catch (IllegalArgumentException | InvalidConfigException e) {
      throw new UnusableCheckpointException(location, "unreadable: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      // DL4J and ND4J report a model file they cannot make sense of this way.
      throw new UnusableCheckpointException(location, "unreadable: " + e, e);
    }
  }

  /**
   * The usable checkpoint with the best validation top-1 accuracy (the latest among equals), or
   * null if no usable checkpoint was validated.
   */
  public Checkpoint best() throws IOException {
    List<Path> all = checkpoints();
    Map<Path, Double> accuracy = new HashMap<>();
    for (Path checkpoint : all) {
      accuracy.put(checkpoint, validationAccuracy(checkpoint));
    }
    for (Path candidate :
        all.stream()
            .sorted(
                Comparator.comparingDouble((Path p) -> accuracy.get(p))
                    .thenComparing(Path::getName)
                    .reversed())
            .toList()) {
      if (accuracy.get(candidate) < 0) {
        return null;
      }
      try {
        return load(candidate.toUri());
      } catch (UnusableCheckpointException e) {
        warnUnusable(candidate, e, "looking at the next best");
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

  /** The newest usable checkpoint, or null. */
  private URI lastUsable() throws IOException {
    List<Path> all = checkpoints();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (usable(all.get(i))) {
        return all.get(i).toUri();
      }
    }
    return null;
  }

  /** Warns that {@code checkpoint} is unusable, why, and what is done instead: once per reason. */
  private void warnUnusable(Path checkpoint, UnusableCheckpointException e, String instead) {
    if (!e.reason().equals(reported.put(checkpoint.toUri(), e.reason()))) {
      LOG.warn("checkpoint {} is unusable: {}; {}", checkpoint.getName(), e.reason(), instead);
    }
  }

  /** Whether a checkpoint is usable; warns once about each that is not. */
  private boolean usable(Path checkpoint) throws IOException {
    try {
      verify(checkpoint.toUri());
      return true;
    } catch (UnusableCheckpointException e) {
      warnUnusable(
          checkpoint,
          e,
          "it is not counted toward train.checkpoint.keep-last and is left in place: remove it "
              + "once inspected");
      return false;
    }
  }

  /**
   * Removes usable checkpoints beyond the last {@code keep-last}, except the best validated one.
   * Unusable ones are not counted and not removed.
   */
  private void prune() throws IOException {
    List<Path> usable = new ArrayList<>();
    for (Path checkpoint : checkpoints()) {
      if (usable(checkpoint)) {
        usable.add(checkpoint);
      }
    }
    if (usable.size() <= keepLast) {
      return;
    }
    Path best = null;
    double bestAccuracy = -1;
    for (Path checkpoint : usable) {
      double accuracy = validationAccuracy(checkpoint);
      if (accuracy > bestAccuracy) {
        bestAccuracy = accuracy;
        best = checkpoint;
      }
    }
    FileSystem fs = storage.fileSystem(folder);
    for (Path old : usable.subList(0, usable.size() - keepLast)) {
      if (!old.equals(best)) {
        fs.delete(old, true);
        verified.remove(old.toUri());
        LOG.info("removed old checkpoint {}", old.getName());
      }
    }
  }

  /** Validation top-1 of a checkpoint taken at an epoch's end, or -1 (mid-epoch, unvalidated). */
  double validationAccuracy(Path checkpoint) {
    try {
      URI location = checkpoint.toUri();
      TrainingState state = state(location, SealedFolder.check(storage, location));
      if (state.batch() != 0 || !state.validated() || state.epochs().isEmpty()) {
        return -1;
      }
      double accuracy = state.lastEpoch().valTop1();
      return Double.isFinite(accuracy) ? accuracy : -1;
    } catch (IOException | IllegalArgumentException e) {
      return -1; // unusable: never the best
    }
  }
}

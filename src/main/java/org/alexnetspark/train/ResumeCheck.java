package org.alexnetspark.train;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;

/**
 * Whether a run may be resumed with the configuration given now: every setting that changes what is
 * computed (the network, the optimiser, the augmentation, the batch, the seeds, the averaging, the
 * schedule) must be the checkpoint's; settings that only change how the work is spread or recorded
 * (workers, checkpoints, retries, evaluation batch, more epochs) may differ, as may the
 * prepare-time {@code data.*} settings. The training data itself must be the same dataset. And a
 * run writes only into an output folder that is its own ({@link #outputProblems}).
 */
final class ResumeCheck {
  /** Keys (or key prefixes, ending in ".") that a resumed run may change. */
  private static final List<String> SAFE =
      List.of(
          "train.workers",
          "train.epochs",
          "train.checkpoint.",
          "train.rounds-per-job",
          "train.worker-prefetch",
          "train.eval-batch",
          "train.max-retries",
          "train.on-divergence",
          "train.max-rollbacks",
          "data.");

  /** The run's final model, in its output folder. */
  static final String MODEL_FOLDER = "model";

  /** The provenance file of a model folder ({@link ModelInfo}). */
  private static final String MODEL_PROVENANCE = "model.json";

  private ResumeCheck() {}

  /** Why the run in {@code checkpoint} cannot continue with {@code current}: empty if it can. */
  static List<String> problems(
      CheckpointStore.Summary checkpoint, AlexNetConfig current, String dataSha256) {
    List<String> problems = new ArrayList<>();
    SortedMap<String, String> saved = checkpoint.config().settings();
    SortedMap<String, String> now = current.settings();
    TreeSet<String> keys = new TreeSet<>(saved.keySet());
    keys.addAll(now.keySet());
    for (String key : keys) {
      if (!Objects.equals(saved.get(key), now.get(key)) && !safe(key)) {
        problems.add(
            "'"
                + key
                + "' = "
                + now.get(key)
                + ", but the run in "
                + checkpoint.location()
                + " was trained with "
                + saved.get(key)
                + "; resuming would "
                + "change what is computed: set it back, or start a new run in another --output");
      }
    }
    TrainingState state = checkpoint.state();
    if (current.train().epochs() < state.epoch()) {
      problems.add(
          "'train.epochs' = "
              + current.train().epochs()
              + ", but the run in "
              + checkpoint.location()
              + " has already finished "
              + state.epoch()
              + " epochs");
    }
    if (state.dataSha256() != null && !state.dataSha256().equals(dataSha256)) {
      problems.add(
          "the training set is not the one the run in "
              + checkpoint.location()
              + " was trained on (its manifest differs); resume with the same --data, or start a new "
              + "run in another --output");
    }
    return problems;
  }

  /**
   * Why the run cannot write into {@code output}, checked before Spark starts: with {@code
   * --resume}, none of its checkpoints usable, or the checkpoint's settings or data not the run's
   * ({@link #problems}); resumed or not, a {@code model/} this run did not write (none of its
   * checkpoints beside it, or its provenance not the checkpoints' run), which training would
   * replace.
   *
   * @throws Storage.ArtifactExistsException if {@code output} holds checkpoints and {@code resume}
   *     is not set
   */
  static List<String> outputProblems(
      Storage storage,
      URI output,
      boolean resume,
      CheckpointStore checkpoints,
      AlexNetConfig current,
      String dataSha256)
      throws IOException {
    List<String> problems = new ArrayList<>();
    boolean anyCheckpoint = !checkpoints.checkpoints().isEmpty();
    if (anyCheckpoint && !resume) {
      throw new Storage.ArtifactExistsException(
          output.toString(),
          "holds checkpoints of an earlier run; add --resume to continue it, or choose another "
              + "--output");
    }
    CheckpointStore.Summary latest = anyCheckpoint ? checkpoints.peekLatest() : null;
    if (anyCheckpoint && latest == null) {
      problems.add(
          checkpoints.folder()
              + " holds checkpoints, but none is usable (the warnings above name each and what is "
              + "wrong); resuming would start the run afresh beside them: restore an intact "
              + "checkpoint, or move "
              + checkpoints.folder()
              + " away to start afresh, or choose another --output");
    } else if (latest != null) {
      problems.addAll(problems(latest, current, dataSha256));
    }
    URI model = Locations.child(output, MODEL_FOLDER);
    if (storage.exists(model)) {
      String why =
          latest == null
              ? "there is no "
                  + (anyCheckpoint ? "usable " : "")
                  + "checkpoint of this run beside it"
              : provenanceMismatch(storage, model, latest);
      if (why != null) {
        problems.add(
            model
                + " holds a model this run did not write ("
                + why
                + "); training would replace it: move it away, or choose another --output");
      }
    }
    return problems;
  }

  /**
   * How the model in {@code model} differs from the run in {@code checkpoint}; null if it does not.
   */
  private static String provenanceMismatch(
      Storage storage, URI model, CheckpointStore.Summary checkpoint) throws IOException {
    ModelStore models = new ModelStore(storage);
    ModelInfo info;
    AlexNetConfig config;
    try {
      SealedFolder.Seal seal = SealedFolder.check(storage, model);
      info =
          Json.read(
              models.readText(model, seal, MODEL_PROVENANCE),
              ModelInfo.class,
              Locations.child(model, MODEL_PROVENANCE).toString());
      config =
          AlexNetConfig.fromHocon(
              models.readText(model, seal, ModelStore.CONFIG_FILE),
              Locations.child(model, ModelStore.CONFIG_FILE).toString());
    } catch (SealedFolder.IncompleteException | FileNotFoundException e) {
      return "its provenance cannot be read: " + e.getMessage();
    } catch (IllegalArgumentException | InvalidConfigException e) {
      return "its provenance does not parse: " + e.getMessage();
    }
    String runData = checkpoint.state().dataSha256();
    if (!Objects.equals(info.trainingDataSha256(), runData)) {
      return "it was trained on the training set with manifest SHA-256 "
          + info.trainingDataSha256()
          + ", the run in "
          + checkpoint.location()
          + " on "
          + runData;
    }
    List<String> changed = changedKeys(config.settings(), checkpoint.config().settings());
    if (!changed.isEmpty()) {
      return "it was made with other settings than the run in "
          + checkpoint.location()
          + ": "
          + String.join(", ", changed);
    }
    return null;
  }

  /**
   * Keys whose values differ between {@code a} and {@code b} and that a resumed run may not change.
   */
  private static List<String> changedKeys(Map<String, String> a, Map<String, String> b) {
    TreeSet<String> keys = new TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    return keys.stream().filter(k -> !Objects.equals(a.get(k), b.get(k)) && !safe(k)).toList();
  }

  private static boolean safe(String key) {
    return SAFE.stream().anyMatch(s -> s.endsWith(".") ? key.startsWith(s) : key.equals(s));
  }
}

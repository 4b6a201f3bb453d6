package org.alexnetspark.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeSet;
import org.alexnetspark.config.AlexNetConfig;

/**
 * Whether a run may be resumed with the configuration given now: every setting that changes what is
 * computed (the network, the optimiser, the augmentation, the batch, the seeds, the averaging, the
 * schedule) must be the checkpoint's; settings that only change how the work is spread or recorded
 * (workers, checkpoints, retries, evaluation batch, more epochs) may differ, as may the
 * prepare-time {@code data.*} settings. The training data itself must be the same dataset.
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

  private static boolean safe(String key) {
    return SAFE.stream().anyMatch(s -> s.endsWith(".") ? key.startsWith(s) : key.equals(s));
  }
}

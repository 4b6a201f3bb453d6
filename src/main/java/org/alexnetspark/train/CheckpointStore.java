package org.alexnetspark.train;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelStore;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints of a run, in {@code <output>/checkpoints/epoch-EEEE-iter-IIIIIIIIII/}: a saved model
 * (parameters and momentum state, see {@link ModelStore}) plus {@code state.json} (epoch,
 * iteration, schedule, seeds, metrics so far). Each is written atomically; the last
 * {@code train.checkpoint.keep-last} and the one with the best validation accuracy are kept.
 */
public final class CheckpointStore {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  static final String STATE_FILE = "state.json";

  private final Storage storage;
  private final ModelStore models;
  private final URI folder;
  private final int keepLast;

  /** A checkpoint read back. */
  public record Checkpoint(URI location, ComputationGraph network, TrainingState state,
      AlexNetConfig config) {}

  public CheckpointStore(Storage storage, URI output, int keepLast) {
    this.storage = storage;
    this.models = new ModelStore(storage);
    this.folder = Locations.child(output, "checkpoints");
    this.keepLast = keepLast;
  }

  /** Writes a checkpoint of {@code network} at {@code state}, then drops old ones. */
  public URI save(ComputationGraph network, AlexNetConfig config, TrainingState state)
      throws IOException {
    URI target = Locations.child(folder, String.format(Locale.ROOT, "epoch-%04d-iter-%010d",
        state.epoch(), state.iteration()));
    models.save(network, config, target, true,
        Map.of(STATE_FILE, Json.write(state).getBytes(StandardCharsets.UTF_8)));
    prune();
    return target;
  }

  /** The most recent checkpoint, or null if there is none. */
  public Checkpoint latest() throws IOException {
    List<Path> all = checkpoints();
    return all.isEmpty() ? null : load(all.get(all.size() - 1).toUri());
  }

  public Checkpoint load(URI location) throws IOException {
    ModelStore.StoredModel model = models.load(location);
    URI file = Locations.child(location, STATE_FILE);
    TrainingState state = Json.read(storage.readText(file), TrainingState.class, file.toString());
    return new Checkpoint(location, model.network(), state, model.config());
  }

  /** Checkpoint folders, oldest first. */
  List<Path> checkpoints() throws IOException {
    FileSystem fs = storage.fileSystem(folder);
    Path root = new Path(folder);
    if (!fs.exists(root)) {
      return List.of();
    }
    return Arrays.stream(fs.listStatus(root)).filter(FileStatus::isDirectory).map(FileStatus::getPath)
        .filter(p -> p.getName().startsWith("epoch-"))
        .sorted(Comparator.comparing(Path::getName)).toList();
  }

  private void prune() throws IOException {
    List<Path> all = new ArrayList<>(checkpoints());
    if (all.size() <= keepLast) {
      return;
    }
    Path best = null;
    double bestAccuracy = -1;
    for (Path checkpoint : all) {
      double accuracy = lastValidationAccuracy(checkpoint);
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

  private double lastValidationAccuracy(Path checkpoint) throws IOException {
    TrainingState state = Json.read(storage.readText(new Path(checkpoint, STATE_FILE).toUri()),
        TrainingState.class, checkpoint.toString());
    if (state.job() != 0 || state.epochs().isEmpty()) {
      return -1; // mid-epoch: not validated
    }
    double accuracy = state.epochs().get(state.epochs().size() - 1).valTop1();
    return Double.isNaN(accuracy) ? -1 : accuracy;
  }
}

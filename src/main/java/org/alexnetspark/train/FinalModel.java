package org.alexnetspark.train;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelStore;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model a run leaves in {@code <output>/model}: its best validated checkpoint (the epoch with
 * the best validation top-1 accuracy), or the last network when there was no validation; saved with
 * the configuration, its {@link Provenance} and the training set's statistics.
 */
final class FinalModel {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private final Storage storage;
  private final AlexNetConfig config;
  private final Provenance provenance;
  private final Map<String, byte[]> normalisation;

  /**
   * @param normalisation the training set's statistics, as files of the model folder
   */
  FinalModel(
      Storage storage,
      AlexNetConfig config,
      Provenance provenance,
      Map<String, byte[]> normalisation) {
    this.storage = storage;
    this.config = config;
    this.provenance = provenance;
    this.normalisation = normalisation;
  }

  /**
   * Chooses and saves the run's model.
   *
   * @param checkpoints the run's checkpoints, to choose from when the run was validated; null when
   *     it was not
   * @param last the network at the run's end, and {@code lastState} its state
   * @return where it was saved
   */
  URI save(URI output, CheckpointStore checkpoints, ComputationGraph last, TrainingState lastState)
      throws IOException {
    URI model = Locations.child(output, "model");
    CheckpointStore.Checkpoint best = checkpoints == null ? null : checkpoints.best();
    ComputationGraph network = best == null ? last : best.network();
    TrainingState state = best == null ? lastState : best.state();
    new ModelStore(storage).save(network, config, provenance.of(state), model, true, normalisation);
    EpochMetrics epoch = state.lastEpoch();
    LOG.info(
        "model saved to {}: epoch {}{}",
        model,
        state.epoch(),
        epoch == null || Double.isNaN(epoch.valTop1())
            ? ""
            : String.format(
                Locale.ROOT, " (validation top-1 %.4f, the best of the run)", epoch.valTop1()));
    return model;
  }
}

package org.alexnetspark.train;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where an attempt at training starts: the network and the state that go with it.
 *
 * @param checkpoint the checkpoint they come from, or null for a fresh or warm start
 */
record StartingPoint(ComputationGraph network, TrainingState state, URI checkpoint) {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  /**
   * The latest complete checkpoint in {@code checkpoints}, logged with its position, learning rate
   * and the fingerprints of its parameters and momentum.
   *
   * @throws FileNotFoundException if there is none
   */
  static StartingPoint latest(CheckpointStore checkpoints) throws IOException {
    CheckpointStore.Checkpoint latest = checkpoints.latest();
    if (latest == null) {
      throw new FileNotFoundException(
          "no complete checkpoint in " + checkpoints.folder() + " to go back to");
    }
    TrainingState state = latest.state();
    LOG.info(
        "resuming from {}: epoch {}, minibatch {} of the epoch, iteration {}, learning rate {}"
            + " (parameters SHA-256 {}, momentum SHA-256 {})",
        latest.location(),
        state.epoch(),
        state.batch(),
        state.iteration(),
        state.schedule().learningRate(),
        Provenance.fingerprint(latest.network().params()),
        Provenance.fingerprint(latest.network().getUpdater().getStateViewArray()));
    return new StartingPoint(latest.network(), state, latest.location());
  }

  /** This starting point with another state (e.g. after a rollback). */
  StartingPoint with(TrainingState other) {
    return new StartingPoint(network, other, checkpoint);
  }
}

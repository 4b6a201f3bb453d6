package org.alexnetspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A listener that keeps what training started from: the parameters, the updater's momentum and the
 * state, as they were when the job said {@link TrainingListener.Started}.
 */
final class StartingPointCapture implements TrainingListener {
  INDArray parameters;
  INDArray momentum;
  TrainingState state;

  @Override
  public TrainingState on(Event event, TrainingState state, ComputationGraph network) {
    if (event instanceof TrainingListener.Started) {
      parameters = network.params().dup();
      momentum = network.getUpdater().getStateViewArray().dup();
      this.state = state;
    }
    return state;
  }
}

package org.alexnetspark.train;

import org.alexnetspark.metrics.TrainingGauges;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Hands each round's and epoch's figures to Spark's metrics system ({@link TrainingGauges}, which
 * {@code metrics.TrainingMetricsPlugin} exports), as {@link MetricsLog} writes them to {@code
 * metrics.jsonl}.
 */
final class SparkMetricsListener implements TrainingListener {

  @Override
  public TrainingState on(Event event, TrainingState state, ComputationGraph network) {
    if (event instanceof RoundEnd end) {
      RoundMetrics round = end.metrics();
      TrainingGauges.roundEnded(
          round.epoch(),
          round.iteration(),
          round.loss(),
          round.learningRate(),
          round.imagesPerSecond(),
          round.seconds(),
          round.secondsAveraging());
    } else if (event instanceof EpochEnd && !state.epochs().isEmpty()) {
      // Validation, earlier in the listeners, has recorded its accuracies in the epoch's line.
      EpochMetrics epoch = state.lastEpoch();
      if (Double.isFinite(epoch.valTop1())) {
        TrainingGauges.validated(epoch.valTop1(), epoch.valTop5());
      }
    }
    return state;
  }
}

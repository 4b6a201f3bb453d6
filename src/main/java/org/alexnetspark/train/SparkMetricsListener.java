package org.alexnetspark.train;

import org.alexnetspark.metrics.TrainingGauge;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Hands each round's and epoch's figures to Spark's metrics system ({@link TrainingGauge}, which
 * {@code metrics.TrainingMetricsPlugin} exports), as {@link MetricsLog} writes them to {@code
 * metrics.jsonl}.
 */
final class SparkMetricsListener implements TrainingListener {

  @Override
  public TrainingState on(Event event, TrainingState state, ComputationGraph network) {
    if (event instanceof RoundEnd end) {
      RoundMetrics round = end.metrics();
      TrainingGauge.EPOCH.set(round.epoch());
      TrainingGauge.ITERATION.set(round.iteration());
      TrainingGauge.LOSS.set(round.loss());
      TrainingGauge.LEARNING_RATE.set(round.learningRate());
      TrainingGauge.IMAGES_PER_SECOND.set(round.imagesPerSecond());
      TrainingGauge.ROUND_SECONDS.set(round.seconds());
      TrainingGauge.AVERAGING_SHARE.set(
          round.seconds() > 0 ? round.secondsAveraging() / round.seconds() : Double.NaN);
    } else if (event instanceof EpochEnd && !state.epochs().isEmpty()) {
      // Validation, earlier in the listeners, has recorded its accuracies in the epoch's line.
      EpochMetrics epoch = state.lastEpoch();
      if (Double.isFinite(epoch.valTop1())) {
        TrainingGauge.VALIDATION_TOP1.set(epoch.valTop1());
        TrainingGauge.VALIDATION_TOP5.set(epoch.valTop5());
      }
    }
    return state;
  }
}

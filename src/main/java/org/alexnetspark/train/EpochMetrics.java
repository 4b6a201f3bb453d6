package org.alexnetspark.train;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One finished epoch: a {@code "kind": "epoch"} line of {@code metrics.jsonl}, also kept in every
 * checkpoint's state.
 *
 * @param epoch 1-based
 * @param iteration iterations done at its end
 * @param loss mean training loss of its last averaging round
 * @param learningRate the rate it was trained with
 * @param nextLearningRate the rate the schedule chose for the next epoch (NaN until it has)
 * @param valTop1 validation top-1 accuracy in [0, 1] (NaN without validation)
 * @param valTop5 validation top-5 accuracy in [0, 1] (NaN without validation)
 * @param seconds wall time of the epoch's training
 * @param plannedMinibatches minibatches in the epoch's plan
 * @param fittedMinibatches minibatches the workers reported fitting (equal to the plan's unless
 *     something was lost)
 * @param skippedImages records skipped on the workers: undecodable, or a label outside the map
 */
public record EpochMetrics(
    int epoch,
    long iteration,
    double loss,
    @JsonProperty("learning_rate") double learningRate,
    @JsonProperty("next_learning_rate") double nextLearningRate,
    @JsonProperty("val_top1") double valTop1,
    @JsonProperty("val_top5") double valTop5,
    double seconds,
    @JsonProperty("planned_minibatches") long plannedMinibatches,
    @JsonProperty("fitted_minibatches") long fittedMinibatches,
    @JsonProperty("skipped_images") long skippedImages)
    implements MetricsLine {

  /** These metrics with the validation accuracies. */
  public EpochMetrics withValidation(double top1, double top5) {
    return new EpochMetrics(
        epoch,
        iteration,
        loss,
        learningRate,
        nextLearningRate,
        top1,
        top5,
        seconds,
        plannedMinibatches,
        fittedMinibatches,
        skippedImages);
  }

  /** These metrics with the next epoch's learning rate. */
  public EpochMetrics withNextLearningRate(double rate) {
    return new EpochMetrics(
        epoch,
        iteration,
        loss,
        learningRate,
        rate,
        valTop1,
        valTop5,
        seconds,
        plannedMinibatches,
        fittedMinibatches,
        skippedImages);
  }
}

package org.alexnetspark.train;

import java.util.List;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.eval.Evaluator;
import org.alexnetspark.eval.Tally;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Top-1 and top-5 accuracy on the validation set (centre crops, on Spark) at the end of an epoch,
 * added to the epoch's metrics for the schedule, the metrics file and the choice of the best
 * checkpoint.
 */
final class ValidationListener implements TrainingListener {
  private final JavaSparkContext spark;
  private final List<Minibatch> batches;
  private final MinibatchReader reader;
  private final int classes;

  ValidationListener(
      JavaSparkContext spark, List<Minibatch> batches, MinibatchReader reader, int classes) {
    this.spark = spark;
    this.batches = batches;
    this.reader = reader;
    this.classes = classes;
  }

  @Override
  public TrainingState on(Event event, TrainingState state, ComputationGraph network) {
    Tally centre = Evaluator.evaluate(spark, network, batches, reader, classes, false).centre();
    return state.withLastEpoch(
        state.lastEpoch().withValidation(centre.top1Accuracy(), centre.top5Accuracy()));
  }
}

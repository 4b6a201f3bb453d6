package org.alexnetspark.eval;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.stream.Collectors;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Top-1 and top-5 accuracy of a network over a dataset's shards, on Spark: each task rebuilds the
 * network from a broadcast copy of its configuration and parameters, streams its shards through
 * an evaluation preset (centre crop, or ten crops whose softmax outputs are averaged, as in the
 * paper) and counts hits; the driver sums them. The broadcast holds a copy of the parameters and
 * is destroyed afterwards (Spark closes broadcast values it cleans up, which must never be the
 * driver's live arrays).
 */
public final class TopKEvaluation {

  /**
   * @param images images evaluated
   * @param top1 fraction whose true class had the highest score
   * @param top5 fraction whose true class was among the five highest
   */
  public record Result(long images, double top1, double top5) implements Serializable {}

  private TopKEvaluation() {}

  /**
   * Evaluates {@code network} on {@code batches} (a dataset's minibatches in stored order, e.g.
   * {@link MinibatchPlan#inOrder()}), read by {@code reader}; one Spark task per shard.
   */
  public static Result evaluate(JavaSparkContext spark, ComputationGraph network,
      List<Minibatch> batches, MinibatchReader reader) {
    Broadcast<NetworkCopy> copy = spark.broadcast(
        new NetworkCopy(network.getConfiguration().toJson(), network.params().dup()));
    try {
      List<List<Minibatch>> byShard = new ArrayList<>(batches.stream()
          .collect(Collectors.groupingBy(Minibatch::shard, LinkedHashMap::new, Collectors.toList()))
          .values());
      long[] counts = spark.parallelize(byShard, Math.max(1, byShard.size()))
          .mapPartitions(new Counter(copy, reader))
          .reduce((a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
      return new Result(counts[0], (double) counts[1] / Math.max(1, counts[0]),
          (double) counts[2] / Math.max(1, counts[0]));
    } finally {
      copy.destroy();
    }
  }

  /**
   * Hits among {@code scores} (one row per image) for one-hot {@code labels}: {top1, top5}. The
   * true class is a top-k hit only when fewer than k classes score at least as high as it, so a
   * tie is a miss, and a row holding any NaN (a diverged network) is a miss for every k.
   */
  static long[] hits(INDArray scores, INDArray labels) {
    // One copy to the heap per batch: per-element reads would be one native call each.
    float[][] score = scores.toFloatMatrix();
    float[][] label = labels.toFloatMatrix();
    long top1 = 0;
    long top5 = 0;
    for (int i = 0; i < score.length; i++) {
      int rank = rank(score[i], truth(label[i]));
      top1 += rank < 1 ? 1 : 0;
      top5 += rank < 5 ? 1 : 0;
    }
    return new long[] {top1, top5};
  }

  /**
   * How many other classes score at least as high as class {@code truth}: 0 means a clear win;
   * {@link Integer#MAX_VALUE} if any score is NaN.
   */
  static int rank(float[] scores, int truth) {
    int rank = 0;
    for (int c = 0; c < scores.length; c++) {
      if (Float.isNaN(scores[c])) {
        return Integer.MAX_VALUE;
      }
      if (c != truth && scores[c] >= scores[truth]) {
        rank++;
      }
    }
    return rank;
  }

  /** The index of the largest value of a one-hot (or averaged one-hot) row. */
  static int truth(float[] oneHot) {
    int truth = 0;
    for (int c = 1; c < oneHot.length; c++) {
      if (oneHot[c] > oneHot[truth]) {
        truth = c;
      }
    }
    return truth;
  }

  /** Averages each image's {@code crops} consecutive rows: [n * crops, k] to [n, k]. */
  static INDArray averageCrops(INDArray rows, int crops) {
    if (crops == 1) {
      return rows;
    }
    long n = rows.rows() / crops;
    return rows.reshape(n, crops, rows.columns()).mean(1);
  }

  record NetworkCopy(String configuration, INDArray parameters) implements Serializable {}

  static final class Counter implements FlatMapFunction<Iterator<List<Minibatch>>, long[]> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<NetworkCopy> network;
    private final MinibatchReader reader;

    Counter(Broadcast<NetworkCopy> network, MinibatchReader reader) {
      this.network = network;
      this.reader = reader;
    }

    @Override
    public Iterator<long[]> call(Iterator<List<Minibatch>> shards) throws IOException {
      if (!shards.hasNext()) {
        return List.<long[]>of().iterator();
      }
      GpuAssignment.pin();
      NetworkCopy copy = network.value();
      ComputationGraph graph = new ComputationGraph(
          ComputationGraphConfiguration.fromJson(copy.configuration()));
      graph.init(copy.parameters().dup(), false);
      long[] counts = new long[3];
      while (shards.hasNext()) {
        for (Minibatch minibatch : shards.next()) {
          Batch batch = reader.read(minibatch);
          if (batch.images() == 0) {
            continue;
          }
          INDArray scores = averageCrops(graph.outputSingle(false, batch.features()), batch.crops());
          INDArray labels = averageCrops(batch.labels(), batch.crops());
          long[] hits = hits(scores, labels);
          counts[0] += scores.rows();
          counts[1] += hits[0];
          counts[2] += hits[1];
        }
      }
      return List.of(counts).iterator();
    }
  }
}

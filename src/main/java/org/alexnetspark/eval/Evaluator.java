package org.alexnetspark.eval;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Collectors;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.inference.NetworkCopy;
import org.alexnetspark.inference.Scores;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates a network over a dataset's minibatches on Spark, one task per shard: each task rebuilds
 * the network from a broadcast copy of its configuration and parameters, reads its minibatches
 * through the given reader and counts ({@link #count}); the tallies are summed by a tree reduction.
 * With the ten-crop preset one pass counts both the centre crop and the paper's average of the ten
 * crops' softmax outputs. The broadcast holds a copy of the parameters and is destroyed afterwards
 * (Spark closes broadcast values it cleans up, which must never be the driver's live arrays).
 */
public final class Evaluator {

  /**
   * What one pass counted.
   *
   * @param centre the centre crop's scores
   * @param tenCrop the ten crops' averaged scores, or null if the pass read centre crops only
   */
  public record Counts(Tally centre, Tally tenCrop) implements Serializable {
    Counts plus(Counts other) {
      return new Counts(
          centre.plus(other.centre), tenCrop == null ? null : tenCrop.plus(other.tenCrop));
    }
  }

  private Evaluator() {}

  /**
   * Evaluates {@code network} on {@code batches} (in stored order, e.g. {@code
   * MinibatchPlan.inOrder()}), read by {@code reader} with the centre or ten-crop preset.
   *
   * @param confusion whether to count confusion matrices
   */
  public static Counts evaluate(
      JavaSparkContext spark,
      ComputationGraph network,
      List<Minibatch> batches,
      MinibatchReader reader,
      int classes,
      boolean confusion) {
    Broadcast<NetworkCopy> copy = spark.broadcast(NetworkCopy.of(network));
    try {
      List<List<Minibatch>> byShard =
          new ArrayList<>(
              batches.stream()
                  .collect(
                      Collectors.groupingBy(
                          Minibatch::shard, LinkedHashMap::new, Collectors.toList()))
                  .values());
      return spark
          .parallelize(byShard, Math.max(1, byShard.size()))
          .mapPartitions(new ShardCounter(copy, reader, classes, confusion))
          .treeReduce(Counts::plus);
    } finally {
      copy.destroy();
    }
  }

  /** Counts {@code batches} with {@code network} in this process (what each task does). */
  public static Counts count(
      ComputationGraph network,
      Iterable<Minibatch> batches,
      MinibatchReader reader,
      int classes,
      boolean confusion)
      throws IOException {
    boolean tenCrop = reader.options().preset() == Preset.TEN_CROP;
    Tally centre = Tally.empty(classes, confusion);
    Tally averaged = tenCrop ? Tally.empty(classes, confusion) : null;
    for (Minibatch minibatch : batches) {
      Batch batch = reader.read(minibatch);
      if (batch.images() == 0) {
        continue;
      }
      INDArray outputs = Scores.outputs(network, batch);
      add(centre, tenCrop ? Scores.centreOfTen(outputs) : outputs, batch.classes());
      if (tenCrop) {
        add(averaged, Scores.averageCrops(outputs, 10), batch.classes());
      }
    }
    return new Counts(centre, averaged);
  }

  private static void add(Tally tally, INDArray scores, int[] truths) {
    // One copy to the heap per batch: per-element reads would be one native call each.
    float[][] rows = scores.toFloatMatrix();
    for (int i = 0; i < rows.length; i++) {
      tally.add(rows[i], truths[i]);
    }
  }

  /** On the executors: the counts of one partition's shards. */
  static final class ShardCounter implements FlatMapFunction<Iterator<List<Minibatch>>, Counts> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<NetworkCopy> network;
    private final MinibatchReader reader;
    private final int classes;
    private final boolean confusion;

    ShardCounter(
        Broadcast<NetworkCopy> network, MinibatchReader reader, int classes, boolean confusion) {
      this.network = network;
      this.reader = reader;
      this.classes = classes;
      this.confusion = confusion;
    }

    @Override
    public Iterator<Counts> call(Iterator<List<Minibatch>> shards) throws IOException {
      if (!shards.hasNext()) {
        return List.<Counts>of().iterator();
      }
      GpuAssignment.pin();
      ComputationGraph graph = network.value().rebuild();
      List<Minibatch> mine = new ArrayList<>();
      shards.forEachRemaining(mine::addAll);
      return List.of(count(graph, mine, reader, classes, confusion)).iterator();
    }
  }
}

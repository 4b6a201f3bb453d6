package org.alexnetspark.eval;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.inference.DatasetPass;
import org.alexnetspark.inference.NetworkCopy;
import org.alexnetspark.inference.Scores;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates one network, or several averaged, over a dataset's minibatches on Spark, one task per
 * shard: each task rebuilds the networks from broadcast copies of their configuration and
 * parameters, reads its minibatches through the given readers and counts ({@link #count}); the
 * tallies are summed by a tree reduction. With the ten-crop preset one pass counts both the centre
 * crop and the paper's average of the ten crops' softmax outputs; with several networks it counts
 * each of them and the average of their softmax outputs over the same crops (the paper's "5 CNNs").
 * The broadcast holds a copy of the parameters and is destroyed afterwards (Spark closes broadcast
 * values it cleans up, which must never be the driver's live arrays).
 */
public final class Evaluator {
  /** Classes kept per image for a submission (ILSVRC's flat top-5 error). */
  public static final int RANKED = 5;

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

  /**
   * What one pass of several networks over the same inputs counted.
   *
   * @param members each network's counts, in the order given
   * @param average the counts of their averaged softmax outputs (the only member's, for one)
   * @param ranked each image's {@link #RANKED} best classes by the averaged scores (ten crops if
   *     read, else the centre crop), if asked for; else empty. In no particular order.
   */
  public record Pass(List<Counts> members, Counts average, List<Ranked> ranked)
      implements Serializable {
    Pass plus(Pass other) {
      List<Counts> sum = new ArrayList<>();
      for (int m = 0; m < members.size(); m++) {
        sum.add(members.get(m).plus(other.members.get(m)));
      }
      List<Ranked> both = new ArrayList<>(ranked);
      both.addAll(other.ranked);
      return new Pass(sum, members.size() == 1 ? sum.get(0) : average.plus(other.average), both);
    }
  }

  /**
   * An image's best classes.
   *
   * @param key its record key
   * @param classes its best class indices, best first
   */
  public record Ranked(String key, int[] classes) implements Serializable {}

  /**
   * How the networks' inputs are read: network {@code m} through {@code readers.get(readerOf[m])}.
   * Networks normalised alike share a reader, so that an image is decoded and cropped once for all
   * of them.
   */
  public record Inputs(List<MinibatchReader> readers, int[] readerOf) implements Serializable {
    /** One network's inputs. */
    public static Inputs of(MinibatchReader reader) {
      return new Inputs(List.of(reader), new int[] {0});
    }

    Preset preset() {
      return readers.get(0).options().preset();
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
    return evaluate(spark, List.of(network), batches, Inputs.of(reader), classes, confusion, false)
        .average();
  }

  /**
   * Evaluates {@code networks}, each alone and their softmax outputs averaged, on {@code batches}
   * read through {@code inputs}.
   *
   * @param confusion whether to count confusion matrices
   * @param rank whether to keep each image's best classes ({@link Pass#ranked})
   */
  public static Pass evaluate(
      JavaSparkContext spark,
      List<ComputationGraph> networks,
      List<Minibatch> batches,
      Inputs inputs,
      int classes,
      boolean confusion,
      boolean rank) {
    List<NetworkCopy> copies = networks.stream().map(NetworkCopy::of).toList();
    Broadcast<List<NetworkCopy>> copy = spark.broadcast(new ArrayList<>(copies));
    try {
      List<List<Minibatch>> byShard = DatasetPass.byShard(batches);
      return spark
          .parallelize(byShard, Math.max(1, byShard.size()))
          .mapPartitions(new ShardCounter(copy, inputs, classes, confusion, rank))
          .treeReduce(Pass::plus);
    } finally {
      copy.destroy();
    }
  }

  /** Counts {@code batches} with {@code networks} in this process (what each task does). */
  public static Pass count(
      List<ComputationGraph> networks,
      Iterable<Minibatch> batches,
      Inputs inputs,
      int classes,
      boolean confusion,
      boolean rank)
      throws IOException {
    boolean tenCrop = inputs.preset() == Preset.TEN_CROP;
    int n = networks.size();
    List<Counts> members = new ArrayList<>();
    for (int m = 0; m < n; m++) {
      members.add(empty(classes, confusion, tenCrop));
    }
    Counts average = n == 1 ? members.get(0) : empty(classes, confusion, tenCrop);
    List<Ranked> ranked = new ArrayList<>();
    for (Minibatch minibatch : batches) {
      Batch[] read = new Batch[inputs.readers().size()];
      List<INDArray> outputs = new ArrayList<>();
      for (int m = 0; m < n; m++) {
        int r = inputs.readerOf()[m];
        if (read[r] == null) {
          read[r] = inputs.readers().get(r).read(minibatch);
        }
        if (!read[r].keys().equals(read[inputs.readerOf()[0]].keys())) {
          throw new IOException(
              "the readers of the networks' inputs read different images from "
                  + minibatch.descriptor());
        }
        outputs.add(read[r].images() == 0 ? null : Scores.outputs(networks.get(m), read[r]));
      }
      Batch batch = read[inputs.readerOf()[0]];
      if (batch.images() == 0) {
        continue;
      }
      for (int m = 0; m < n; m++) {
        add(members.get(m), outputs.get(m), batch.classes(), tenCrop);
      }
      INDArray averaged = Scores.averageModels(outputs);
      if (n > 1) {
        add(average, averaged, batch.classes(), tenCrop);
      }
      if (rank) {
        float[][] rows = (tenCrop ? Scores.averageCrops(averaged, 10) : averaged).toFloatMatrix();
        for (int i = 0; i < rows.length; i++) {
          ranked.add(new Ranked(batch.keys().get(i), Scores.top(rows[i], RANKED)));
        }
      }
    }
    return new Pass(members, average, ranked);
  }

  private static Counts empty(int classes, boolean confusion, boolean tenCrop) {
    return new Counts(
        Tally.empty(classes, confusion), tenCrop ? Tally.empty(classes, confusion) : null);
  }

  /** Counts one network's (or the average's) {@code outputs} of a batch. */
  private static void add(Counts counts, INDArray outputs, int[] truths, boolean tenCrop) {
    add(counts.centre(), tenCrop ? Scores.centreOfTen(outputs) : outputs, truths);
    if (tenCrop) {
      add(counts.tenCrop(), Scores.averageCrops(outputs, 10), truths);
    }
  }

  private static void add(Tally tally, INDArray scores, int[] truths) {
    // One copy to the heap per batch: per-element reads would be one native call each.
    float[][] rows = scores.toFloatMatrix();
    for (int i = 0; i < rows.length; i++) {
      tally.add(rows[i], truths[i]);
    }
  }

  /** On the executors: the counts of one partition's shards. */
  static final class ShardCounter implements FlatMapFunction<Iterator<List<Minibatch>>, Pass> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<List<NetworkCopy>> networks;
    private final Inputs inputs;
    private final int classes;
    private final boolean confusion;
    private final boolean rank;

    ShardCounter(
        Broadcast<List<NetworkCopy>> networks,
        Inputs inputs,
        int classes,
        boolean confusion,
        boolean rank) {
      this.networks = networks;
      this.inputs = inputs;
      this.classes = classes;
      this.confusion = confusion;
      this.rank = rank;
    }

    @Override
    public Iterator<Pass> call(Iterator<List<Minibatch>> shards) throws IOException {
      if (!shards.hasNext()) {
        return List.<Pass>of().iterator();
      }
      GpuAssignment.pin();
      List<ComputationGraph> graphs = networks.value().stream().map(NetworkCopy::rebuild).toList();
      List<Minibatch> mine = new ArrayList<>();
      shards.forEachRemaining(mine::addAll);
      return List.of(count(graphs, mine, inputs, classes, confusion, rank)).iterator();
    }
  }
}

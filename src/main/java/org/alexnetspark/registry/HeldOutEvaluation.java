package org.alexnetspark.registry;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.eval.EvaluationJob;
import org.alexnetspark.inference.DatasetPass;
import org.alexnetspark.inference.NetworkCopy;
import org.alexnetspark.inference.Scores;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model's ten-crop result for every image of a held-out set, keyed by image: what the paired
 * {@link PromotionGate} needs (the totals of {@code alexnet evaluate} cannot be paired). The model
 * and data are checked as {@link EvaluationJob#check} does (label map, image size); the pass is the
 * same as evaluation's (one task per shard, the model's evaluation transforms, the average of the
 * ten crops' softmax outputs), returning per-image results instead of tallies.
 */
final class HeldOutEvaluation {
  private final AlexNetConfig config;
  private final Storage storage;

  HeldOutEvaluation(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
  }

  /** Checks that {@code model} can be evaluated on {@code data}, without Spark. */
  EvaluationJob.Checked check(URI model, URI data) throws IOException {
    return new EvaluationJob(config, storage).check(new EvaluationJob.Request(model, data, null));
  }

  /** Every image's result, by key. */
  Map<String, PromotionGate.ImageResult> run(
      JavaSparkContext spark, EvaluationJob.Checked checked) {
    int classes = checked.model().config().model().classes();
    Broadcast<Augmenter> augmenter = spark.broadcast(checked.model().evaluationAugmenter());
    Broadcast<NetworkCopy> network = spark.broadcast(NetworkCopy.of(checked.model().network()));
    try {
      MinibatchReader reader =
          new MinibatchReader(
              augmenter::value,
              new HadoopConf(storage.hadoopConfiguration()),
              new MinibatchReader.Options(config.data().decoder(), classes, Preset.TEN_CROP, 0, 0));
      List<List<Minibatch>> byShard = DatasetPass.byShard(checked.batches());
      List<PromotionGate.ImageResult> results =
          spark
              .parallelize(byShard, Math.max(1, byShard.size()))
              .mapPartitions(new ShardResults(network, reader))
              .collect();
      Map<String, PromotionGate.ImageResult> byKey = new TreeMap<>();
      for (PromotionGate.ImageResult result : results) {
        if (byKey.put(result.key(), result) != null) {
          throw new IllegalStateException(
              "image key " + result.key() + " appears twice in the held-out set");
        }
      }
      return byKey;
    } finally {
      network.destroy();
      augmenter.destroy();
    }
  }

  /** The results of {@code batches} with {@code network} in this process (what a task does). */
  static List<PromotionGate.ImageResult> results(
      ComputationGraph network, Iterable<Minibatch> batches, MinibatchReader reader)
      throws IOException {
    List<PromotionGate.ImageResult> results = new ArrayList<>();
    for (Minibatch minibatch : batches) {
      Batch batch = reader.read(minibatch);
      if (batch.images() == 0) {
        continue;
      }
      INDArray averaged = Scores.averageCrops(Scores.outputs(network, batch), batch.crops());
      float[][] rows = averaged.toFloatMatrix();
      for (int i = 0; i < rows.length; i++) {
        int rank = Scores.rank(rows[i], batch.classes()[i]);
        results.add(
            new PromotionGate.ImageResult(
                batch.keys().get(i),
                batch.classes()[i],
                rank >= 0 && rank < 1,
                rank >= 0 && rank < 5));
      }
    }
    return results;
  }

  /** On the executors: the results of one partition's shards. */
  static final class ShardResults
      implements FlatMapFunction<Iterator<List<Minibatch>>, PromotionGate.ImageResult> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<NetworkCopy> network;
    private final MinibatchReader reader;

    ShardResults(Broadcast<NetworkCopy> network, MinibatchReader reader) {
      this.network = network;
      this.reader = reader;
    }

    @Override
    public Iterator<PromotionGate.ImageResult> call(Iterator<List<Minibatch>> shards)
        throws IOException {
      if (!shards.hasNext()) {
        return List.<PromotionGate.ImageResult>of().iterator();
      }
      GpuAssignment.pin();
      ComputationGraph graph = network.value().rebuild();
      List<Minibatch> mine = new ArrayList<>();
      shards.forEachRemaining(mine::addAll);
      return results(graph, mine, reader).iterator();
    }
  }
}

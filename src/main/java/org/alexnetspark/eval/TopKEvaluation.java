package org.alexnetspark.eval;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.data.ShardStream;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

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

  /** What the executors need besides the network. */
  public record Inputs(Broadcast<Augmenter> augmenter, HadoopConf hadoop, JpegDecoder.Kind decoder,
      int classes, int batch) implements Serializable {}

  private TopKEvaluation() {}

  public static Result evaluate(JavaSparkContext spark, ComputationGraph network, List<URI> shards,
      Preset preset, Inputs inputs) {
    Broadcast<NetworkCopy> copy = spark.broadcast(
        new NetworkCopy(network.getConfiguration().toJson(), network.params().dup()));
    try {
      List<String> paths = shards.stream().map(URI::toString).toList();
      long[] counts = spark.parallelize(paths, Math.max(1, paths.size()))
          .mapPartitions(new Counter(copy, inputs, preset))
          .reduce((a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
      return new Result(counts[0], (double) counts[1] / Math.max(1, counts[0]),
          (double) counts[2] / Math.max(1, counts[0]));
    } finally {
      copy.destroy();
    }
  }

  /** Hits among {@code scores} (one row per image) for one-hot {@code labels}: {top1, top5}. */
  static long[] hits(INDArray scores, INDArray labels) {
    // One copy to the heap per batch: per-element reads would be one native call each.
    float[][] score = scores.toFloatMatrix();
    float[][] label = labels.toFloatMatrix();
    long top1 = 0;
    long top5 = 0;
    for (int i = 0; i < score.length; i++) {
      int truth = 0;
      for (int c = 1; c < label[i].length; c++) {
        if (label[i][c] > label[i][truth]) {
          truth = c;
        }
      }
      int better = 0;
      for (float value : score[i]) {
        if (value > score[i][truth]) {
          better++;
        }
      }
      top1 += better == 0 ? 1 : 0;
      top5 += better < 5 ? 1 : 0;
    }
    return new long[] {top1, top5};
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

  static final class Counter implements FlatMapFunction<Iterator<String>, long[]> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<NetworkCopy> network;
    private final Inputs inputs;
    private final Preset preset;

    Counter(Broadcast<NetworkCopy> network, Inputs inputs, Preset preset) {
      this.network = network;
      this.inputs = inputs;
      this.preset = preset;
    }

    @Override
    public Iterator<long[]> call(Iterator<String> shards) throws IOException {
      List<String> mine = new ArrayList<>();
      shards.forEachRemaining(mine::add);
      if (mine.isEmpty()) {
        return List.<long[]>of().iterator();
      }
      GpuAssignment.pin();
      NetworkCopy copy = network.value();
      ComputationGraph graph = new ComputationGraph(
          ComputationGraphConfiguration.fromJson(copy.configuration()));
      graph.init(copy.parameters().dup(), false);
      long[] counts = new long[3];
      try (ShardStream stream = new ShardStream(inputs.hadoop().get(), mine,
          JpegDecoder.of(inputs.decoder()), inputs.augmenter().value(),
          new ShardStream.Options(inputs.batch(), inputs.classes(), preset, 0, 0))) {
        while (stream.hasNext()) {
          DataSet batch = stream.next();
          int crops = preset.cropsPerImage();
          INDArray scores = averageCrops(graph.outputSingle(false, batch.getFeatures()), crops);
          INDArray labels = averageCrops(batch.getLabels(), crops);
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

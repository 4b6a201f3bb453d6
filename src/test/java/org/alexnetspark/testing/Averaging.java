package org.alexnetspark.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.TaskContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Fixtures for parameter-averaging tests: a tiny network and a loader that counts what it loads.
 */
public final class Averaging {
  public static final int FEATURES = 6;
  public static final int CLASSES = 3;

  private Averaging() {}

  /** A small ComputationGraph with momentum (so the updater has state to average). */
  public static ComputationGraph tinyNetwork(long seed) {
    ComputationGraphConfiguration conf =
        new NeuralNetConfiguration.Builder()
            .seed(seed)
            .dataType(DataType.FLOAT)
            .updater(new Nesterovs(0.05, 0.9))
            .weightInit(WeightInit.XAVIER)
            .graphBuilder()
            .addInputs("in")
            .addLayer(
                "hidden",
                new DenseLayer.Builder().nIn(FEATURES).nOut(16).activation(Activation.TANH).build(),
                "in")
            .addLayer(
                "out",
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                    .nIn(16)
                    .nOut(CLASSES)
                    .activation(Activation.SOFTMAX)
                    .build(),
                "hidden")
            .setOutputs("out")
            .build();
    ComputationGraph network = new ComputationGraph(conf);
    network.init();
    return network;
  }

  /**
   * {@code n} distinct descriptors in the project's form ({@code <uri>#<group>/<batch>/<count>}).
   */
  public static List<String> descriptors(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("file:///nonexistent/shard-" + (i / 4) + ".parquet#0/" + (i % 4) + "/4");
    }
    return out;
  }

  /**
   * The minibatch a descriptor stands for: the same values wherever and however often it is loaded.
   */
  public static MultiDataSet minibatch(String descriptor, int batch) {
    Random random = new Random(descriptor.hashCode());
    float[] x = new float[batch * FEATURES];
    float[] y = new float[batch * CLASSES];
    for (int i = 0; i < batch; i++) {
      int label = random.nextInt(CLASSES);
      y[i * CLASSES + label] = 1;
      for (int j = 0; j < FEATURES; j++) {
        x[i * FEATURES + j] = (float) random.nextGaussian() + (j == label ? 1.5f : 0);
      }
    }
    INDArray features = Nd4j.create(x, new long[] {batch, FEATURES}, DataType.FLOAT);
    INDArray labels = Nd4j.create(y, new long[] {batch, CLASSES}, DataType.FLOAT);
    return new org.nd4j.linalg.dataset.MultiDataSet(features, labels);
  }

  /**
   * Builds minibatches from descriptors and counts each load on the worker (a Spark accumulator:
   * updates of failed tasks are not counted) with the descriptor it loaded. Optionally fails once:
   * the first attempt of partition {@code failPartition} throws at its second minibatch; optionally
   * returns NaN features for one descriptor.
   */
  public static final class CountingLoader implements MultiDataSetLoader {
    private static final long serialVersionUID = 1L;
    private final int batch;
    private final LongAccumulator loaded;
    private final CollectionAccumulator<String> seen;
    private final int failPartition;
    private final String poisoned;

    public CountingLoader(
        int batch,
        LongAccumulator loaded,
        CollectionAccumulator<String> seen,
        int failPartition,
        String poisoned) {
      this.batch = batch;
      this.loaded = loaded;
      this.seen = seen;
      this.failPartition = failPartition;
      this.poisoned = poisoned;
    }

    @Override
    public MultiDataSet load(Source source) {
      String path = source.getPath();
      TaskContext task = TaskContext.get();
      if (task != null
          && task.partitionId() == failPartition
          && task.attemptNumber() == 0
          && path.endsWith("/1/4")) {
        throw new IllegalStateException(
            "injected failure: partition " + failPartition + ", attempt 0");
      }
      loaded.add(1);
      seen.add(path);
      MultiDataSet data = minibatch(path, batch);
      if (path.equals(poisoned)) {
        data.getFeatures(0).putScalar(0, Float.NaN);
      }
      return data;
    }
  }
}

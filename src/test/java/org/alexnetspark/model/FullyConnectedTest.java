package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class FullyConnectedTest {
  private static final int BATCH = 6;

  /**
   * Two hidden layers with dropout on their inputs, as FC6 and FC7: the gradient of every parameter
   * equals that of DL4J's dense layer with the same parameters and dropout masks (which recomputes
   * the product in its backward pass). With tanh the layer takes DL4J's path.
   */
  @ParameterizedTest
  @ValueSource(strings = {"RELU", "TANH"})
  void gradientsEqualDl4jDenseLayers(String activation) {
    ComputationGraph dense = graph(false, Activation.valueOf(activation));
    ComputationGraph ours = graph(true, Activation.valueOf(activation));
    ours.setParams(dense.params());
    Nd4j.getRandom().setSeed(11);
    INDArray input = Nd4j.randn(DataType.DOUBLE, BATCH, 8);
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, 3);
    for (int i = 0; i < BATCH; i++) {
      labels.putScalar(i, i % 3, 1.0);
    }
    INDArray[] gradients = new INDArray[2];
    double[] scores = new double[2];
    ComputationGraph[] graphs = {dense, ours};
    for (int i = 0; i < 2; i++) {
      graphs[i].setInputs(input);
      graphs[i].setLabels(labels);
      Nd4j.getRandom().setSeed(5); // the same dropout masks on both
      graphs[i].computeGradientAndScore();
      gradients[i] = graphs[i].gradient().gradient().dup();
      scores[i] = graphs[i].score();
    }
    assertEquals(scores[0], scores[1], 1e-12);
    assertTrue(gradients[0].sumNumber().doubleValue() != 0, "gradient is zero");
    double difference = gradients[0].sub(gradients[1]).amaxNumber().doubleValue();
    assertTrue(difference < 1e-12, "largest gradient difference " + difference);
  }

  @Test
  void configurationSurvivesJson() {
    ComputationGraphConfiguration conf = graph(true, Activation.RELU).getConfiguration();
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
    assertEquals(conf, back);
    assertInstanceOf(
        FullyConnected.class,
        ((LayerVertex) back.getVertices().get("b")).getLayerConf().getLayer());
  }

  private static ComputationGraph graph(boolean fullyConnected, Activation activation) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .seed(3)
                .updater(new NoOp())
                .l2(5e-4)
                .graphBuilder()
                .addInputs("in")
                .addLayer("a", hidden(fullyConnected, activation, 8, 1.0), "in")
                .addLayer("b", hidden(fullyConnected, activation, 10, 0.5), "a")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(10)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER)
                        .dropOut(0.5)
                        .build(),
                    "b")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }

  private static FeedForwardLayer hidden(
      boolean fullyConnected, Activation activation, int nIn, double retain) {
    FeedForwardLayer.Builder<?> builder =
        fullyConnected ? new FullyConnected.Builder() : new DenseLayer.Builder();
    builder.nIn(nIn).nOut(10).activation(activation).weightInit(WeightInit.XAVIER).biasInit(0.1);
    if (retain < 1) {
      builder.dropOut(retain);
    }
    return builder.build();
  }
}

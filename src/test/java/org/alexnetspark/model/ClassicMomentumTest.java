package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ClassicMomentumTest {

  /**
   * One linear unit y = w.x + b, loss = mean over the batch of (y - t)^2, lr 0.1, momentum 0.9,
   * weight decay 0.0005 on w only. The paper's rule, worked out by hand for the batch x = (1, 2),
   * (3, -1); t = 1, -2; starting from w = (0.5, -0.25), b = 0.1, v = 0:
   *
   * <pre>
   * v <- 0.9 v - 0.0005 lr w - lr grad;  w <- w + v
   * step 1: y = (0.1, 1.85), grad_w = (6.65, -3.1), grad_b = 2.95
   *         v_w = (-1.065025, 0.5650125), w = (-0.565025, 0.3150125), b = -0.195
   * step 2: w = (-1.34899299875, 1.028999249375), b = -0.32699125
   * step 3: w = (-0.97180732428756, 1.45483607428753), b = -0.0436878504375
   *         v_w = (0.37718567446244, 0.42583682491253), v_b = 0.2833033995625
   * </pre>
   */
  @Test
  void threeStepsFollowThePapersUpdateExactly() {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .updater(new ClassicMomentum(0.1, 0.9))
                .l2(0.0005)
                .graphBuilder()
                .addInputs("x")
                .setInputTypes(InputType.feedForward(2))
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY)
                        .nOut(1)
                        .build(),
                    "x")
                .setOutputs("out")
                .build());
    graph.init();
    graph.getParam("out_W").assign(Nd4j.createFromArray(0.5, -0.25).reshape(2, 1));
    graph.getParam("out_b").assign(0.1);
    DataSet batch =
        new DataSet(
            Nd4j.createFromArray(new double[][] {{1, 2}, {3, -1}}),
            Nd4j.createFromArray(new double[][] {{1}, {-2}}));

    graph.fit(batch);
    assertArrayEquals(
        new double[] {-0.565025, 0.3150125},
        graph.getParam("out_W").reshape(2).toDoubleVector(),
        1e-12);
    assertEquals(-0.195, graph.getParam("out_b").getDouble(0), 1e-12);

    graph.fit(batch);
    assertArrayEquals(
        new double[] {-1.34899299875, 1.028999249375},
        graph.getParam("out_W").reshape(2).toDoubleVector(),
        1e-12);
    assertEquals(-0.32699125, graph.getParam("out_b").getDouble(0), 1e-12);

    graph.fit(batch);
    assertArrayEquals(
        new double[] {-0.97180732428756, 1.45483607428753},
        graph.getParam("out_W").reshape(2).toDoubleVector(),
        1e-12);
    assertEquals(-0.0436878504375, graph.getParam("out_b").getDouble(0), 1e-12);

    // The stored velocity is the paper's v with the sign flipped (DL4J subtracts the step).
    double[] velocity = graph.getUpdater().getStateViewArray().toDoubleVector();
    assertArrayEquals(
        new double[] {-0.37718567446244, -0.42583682491253, -0.2833033995625}, velocity, 1e-12);
  }
}

package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class ConvBlockGradientTest {
  private static final int BATCH = 2;
  private static final double STEP = 1e-6;

  /** Relative tolerance (ND4J's own LRN backward, off by 0.3% here, would fail it). */
  private static final double TOLERANCE = 1e-3;

  /**
   * Three stacked blocks (towers, LRN with the paper's constants, overlapping and plain pooling)
   * and a softmax layer: the gradient of every parameter array agrees with central finite
   * differences of the loss at sampled entries. DL4J's SameDiff layer returned twice the gradient
   * at each block (8x at the first of three), which this check finds.
   */
  @Test
  void gradientsOfStackedBlocksMatchFiniteDifferences() {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .seed(3)
                .updater(new NoOp())
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(9, 9, 4))
                .addLayer(
                    "a",
                    new ConvBlock(
                        new ConvBlock.Convolution(3, 1, 1, 4, 2),
                        new ConvBlock.Normalisation(2, 5, 1e-4, 0.75),
                        new ConvBlock.Pooling(3, 2),
                        new ConvBlock.Init(0.1, 1.0)),
                    "in")
                .addLayer(
                    "b",
                    new ConvBlock(
                        new ConvBlock.Convolution(3, 1, 1, 4, 2),
                        null,
                        new ConvBlock.Pooling(2, 1),
                        new ConvBlock.Init(0.1, 1.0)),
                    "a")
                .addLayer(
                    "c",
                    new ConvBlock(
                        new ConvBlock.Convolution(3, 1, 1, 4, 1),
                        null,
                        null,
                        new ConvBlock.Init(0.1, 1.0)),
                    "b")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER)
                        .build(),
                    "c")
                .setOutputs("out")
                .build());
    graph.init();
    List<String> mismatches = mismatches(graph, 4, 9);
    assertTrue(mismatches.isEmpty(), "gradients differ from finite differences: " + mismatches);
  }

  /**
   * A first block that computes no gradient for its input (conv1's case: its weight gradient comes
   * from a transposed convolution, not from oneDNN's full backward pass): strided, in two towers,
   * with windows that cover the input exactly, that leave its last rows unread, and (padded) that
   * take the full backward pass instead.
   */
  @ParameterizedTest(name = "input {0}x{0}, kernel {1}, stride {2}, padding {3}")
  @CsvSource({"9, 3, 2, 0", "10, 3, 2, 0", "11, 5, 3, 0", "9, 3, 2, 1", "10, 3, 2, 1"})
  void firstBlockWeightGradientsMatchFiniteDifferences(
      int size, int kernel, int stride, int padding) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .seed(5)
                .updater(new NoOp())
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(size, size, 4))
                .addLayer(
                    "a",
                    new ConvBlock(
                            new ConvBlock.Convolution(kernel, stride, padding, 6, 2),
                            new ConvBlock.Normalisation(2, 5, 1e-4, 0.75),
                            null,
                            new ConvBlock.Init(0.1, 0.1))
                        .withoutInputGradient(),
                    "in")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER)
                        .build(),
                    "a")
                .setOutputs("out")
                .build());
    graph.init();
    List<String> mismatches = mismatches(graph, 4, size);
    assertTrue(mismatches.isEmpty(), "gradients differ from finite differences: " + mismatches);
  }

  /** Parameter arrays whose sampled analytic gradients disagree with central differences. */
  private static List<String> mismatches(ComputationGraph graph, int channels, int size) {
    Nd4j.getRandom().setSeed(7);
    INDArray input = Nd4j.rand(DataType.DOUBLE, BATCH, channels, size, size);
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, 3);
    labels.putScalar(0, 1, 1.0);
    labels.putScalar(1, 2, 1.0);
    DataSet batch = new DataSet(input, labels);

    graph.setInputs(input);
    graph.setLabels(labels);
    graph.computeGradientAndScore();
    // DL4J's gradient is the sum over the minibatch (its updater divides), the score the mean.
    INDArray analytic = graph.gradient().gradient().div(BATCH);
    INDArray params = graph.params();

    List<String> mismatches = new ArrayList<>();
    long offset = 0;
    for (Map.Entry<String, INDArray> param : graph.paramTable().entrySet()) {
      long length = param.getValue().length();
      long stride = Math.max(1, length / 12);
      int checked = 0;
      int agreeing = 0;
      for (long i = offset; i < offset + length; i += stride) {
        double original = params.getDouble(i);
        params.putScalar(i, original + STEP);
        double plus = graph.score(batch);
        params.putScalar(i, original - STEP);
        double minus = graph.score(batch);
        params.putScalar(i, original);
        double numeric = (plus - minus) / (2 * STEP);
        double exact = analytic.getDouble(i);
        checked++;
        if (Math.abs(exact - numeric) <= TOLERANCE * Math.max(Math.abs(numeric), 1e-4)) {
          agreeing++;
        }
      }
      // A few entries may sit on a ReLU or max-pooling kink; a wrong scale fails them all.
      if (agreeing < 0.9 * checked) {
        mismatches.add(param.getKey() + ": " + agreeing + " of " + checked + " agree");
      }
      offset += length;
    }
    return mismatches;
  }
}

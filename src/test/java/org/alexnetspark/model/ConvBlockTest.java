package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ConvBlockTest {

  /** A network holding only {@code block}, for inputs of {@code channels x size x size}. */
  static ComputationGraph network(ConvBlock block, int channels, int size) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .seed(1)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(size, size, channels))
                .addLayer("block", block, "in")
                .setOutputs("block")
                .build());
    graph.init();
    return graph;
  }

  /** 1x1 convolution with identity weights and zero bias: the block's ReLU, LRN, pool act alone. */
  private static ComputationGraph identityConv(
      ConvBlock.Normalisation lrn, ConvBlock.Pooling pool, int channels, int size) {
    ComputationGraph graph =
        network(
            new ConvBlock(
                new ConvBlock.Convolution(1, 1, 0, channels, 1),
                lrn,
                pool,
                new ConvBlock.Init(0.01, 0)),
            channels,
            size);
    INDArray weights = graph.getParam("block_W");
    weights.assign(0);
    for (int c = 0; c < channels; c++) {
      weights.putScalar(new long[] {0, 0, c, c}, 1.0);
    }
    return graph;
  }

  @Test
  void lrnMatchesValuesWorkedOutByHand() {
    // b_i = a_i / (k + alpha * sum_{j = max(0, i-2)}^{min(6, i+2)} a_j^2)^beta, k=2 n=5 alpha=0.1
    // beta=0.75
    // e.g. b_0 = 1 / (2 + 0.1 * (1 + 4 + 9))^0.75 = 1 / 3.4^0.75 = 0.3993841
    ComputationGraph graph = identityConv(new ConvBlock.Normalisation(2, 5, 0.1, 0.75), null, 7, 1);
    INDArray input = Nd4j.createFromArray(1f, 2f, 3f, 4f, 5f, 6f, 7f).reshape(1, 7, 1, 1);
    float[] out = graph.outputSingle(input).reshape(7).toFloatVector();
    float[] expected = {
      0.3993841f, 0.5981395f, 0.6619502f, 0.6622401f, 0.6400608f, 0.8033164f, 1.0224463f
    };
    assertArrayEquals(expected, out, 1e-5f);
  }

  @Test
  void lrnWithThePapersConstantsMatchesTheFormulaEverywhere() {
    int channels = 12;
    ComputationGraph graph =
        identityConv(new ConvBlock.Normalisation(2, 5, 1e-4, 0.75), null, channels, 3);
    INDArray input = Nd4j.rand(DataType.FLOAT, 2, channels, 3, 3).muli(100);
    INDArray out = graph.outputSingle(input);
    for (int n = 0; n < 2; n++) {
      for (int y = 0; y < 3; y++) {
        for (int x = 0; x < 3; x++) {
          for (int i = 0; i < channels; i++) {
            double sum = 0;
            for (int j = Math.max(0, i - 2); j <= Math.min(channels - 1, i + 2); j++) {
              double a = input.getDouble(n, j, y, x);
              sum += a * a;
            }
            double expected = input.getDouble(n, i, y, x) / Math.pow(2 + 1e-4 * sum, 0.75);
            assertEquals(expected, out.getDouble(n, i, y, x), 1e-4 * Math.abs(expected));
          }
        }
      }
    }
  }

  @Test
  void convolutionUsesKernelHeightWidthInOutLayout() {
    ComputationGraph graph =
        network(
            new ConvBlock(
                new ConvBlock.Convolution(2, 1, 0, 1, 1),
                null,
                null,
                new ConvBlock.Init(0.01, 0.5)),
            1,
            3);
    INDArray weights = graph.getParam("block_W");
    assertArrayEquals(new long[] {2, 2, 1, 1}, weights.shape());
    weights.assign(0);
    weights.putScalar(new long[] {0, 0, 0, 0}, 1);
    weights.putScalar(new long[] {1, 1, 0, 0}, 1);
    INDArray input = Nd4j.createFromArray(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f).reshape(1, 1, 3, 3);
    // out[y][x] = in[y][x] + in[y+1][x+1] + 0.5
    assertArrayEquals(
        new float[] {6.5f, 8.5f, 12.5f, 14.5f},
        graph.outputSingle(input).reshape(4).toFloatVector(),
        1e-6f);
  }

  @Test
  void reluThenOverlappingMaxPool() {
    ComputationGraph graph = identityConv(null, new ConvBlock.Pooling(3, 2), 1, 5);
    INDArray input =
        Nd4j.createFromArray(
                new float[] {
                  -1, -2, -3, -4, -5,
                  -6, 7, -8, 9, -10,
                  11, -12, -13, -14, 15,
                  -16, -17, -18, -19, -20,
                  -21, -22, 23, -24, -25
                })
            .reshape(1, 1, 5, 5);
    // 3x3 windows at (0,0), (0,2), (2,0), (2,2) of relu(input); they overlap on row and column 2,
    // so 15 and 23 each win two windows.
    assertArrayEquals(
        new float[] {11, 15, 23, 23}, graph.outputSingle(input).reshape(4).toFloatVector(), 0f);
  }

  @Test
  void eachTowerSeesOnlyItsOwnHalfOfTheInput() {
    ComputationGraph graph =
        network(
            new ConvBlock(
                new ConvBlock.Convolution(3, 1, 1, 6, 2), null, null, new ConvBlock.Init(0.5, 1.0)),
            4,
            5);
    assertArrayEquals(new long[] {3, 3, 2, 6}, graph.getParam("block_W").shape());
    INDArray input = Nd4j.rand(DataType.FLOAT, 1, 4, 5, 5);
    INDArray before = graph.outputSingle(input).dup();

    INDArray changedTowerOne = input.dup();
    changedTowerOne.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)).addi(3.0);
    INDArray after = graph.outputSingle(changedTowerOne);
    assertEquals(tower(before, 2), tower(after, 2), "tower two must not see tower one's inputs");
    assertNotEquals(tower(before, 1), tower(after, 1));

    INDArray changedTowerTwo = input.dup();
    changedTowerTwo.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 4)).addi(3.0);
    after = graph.outputSingle(changedTowerTwo);
    assertEquals(tower(before, 1), tower(after, 1), "tower one must not see tower two's inputs");
    assertNotEquals(tower(before, 2), tower(after, 2));
  }

  @Test
  void everyPartOfTheBlockSurvivesTheJsonRoundTrip() {
    ConvBlock block =
        new ConvBlock(
            new ConvBlock.Convolution(5, 1, 2, 8, 2),
            new ConvBlock.Normalisation(2, 5, 1e-4, 0.75),
            new ConvBlock.Pooling(3, 2),
            new ConvBlock.Init(0.02, 1));
    var conf = network(block, 4, 9).getConfiguration();
    String json = conf.toJson();
    var again = ComputationGraphConfiguration.fromJson(json);
    ConvBlock read =
        (ConvBlock) ((LayerVertex) again.getVertices().get("block")).getLayerConf().getLayer();
    assertEquals(new ConvBlock.Convolution(5, 1, 2, 8, 2), read.getConvolution());
    assertEquals(new ConvBlock.Normalisation(2, 5, 1e-4, 0.75), read.getNormalisation());
    assertEquals(new ConvBlock.Pooling(3, 2), read.getPooling());
    assertEquals(new ConvBlock.Init(0.02, 1), read.getInit());
    assertEquals(4, read.getNIn());
  }

  @Test
  void stagesAreComputedByArithmetic() {
    ConvBlock conv1 =
        new ConvBlock(
            new ConvBlock.Convolution(11, 4, 0, 96, 1),
            new ConvBlock.Normalisation(2, 5, 1e-4, 0.75),
            new ConvBlock.Pooling(3, 2),
            new ConvBlock.Init(0.01, 0));
    assertEquals(
        List.of(
            new ConvBlock.Stage(ConvBlock.StageKind.CONVOLUTION, 96, 55, 55),
            new ConvBlock.Stage(ConvBlock.StageKind.NORMALISATION, 96, 55, 55),
            new ConvBlock.Stage(ConvBlock.StageKind.POOLING, 96, 27, 27)),
        conv1.stages(227, 227));
    // 224 gives 54 (the paper's 224 does not divide evenly) and 26 after pooling.
    assertEquals(26, conv1.stages(224, 224).get(2).height());
  }

  private static INDArray tower(INDArray output, int tower) {
    return output.get(NDArrayIndex.all(), NDArrayIndex.interval((tower - 1) * 3, tower * 3)).dup();
  }
}

package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link ConvBlockLayer}'s gradients against finite differences of the loss (double precision,
 * DL4J's gradient check), with and without towers, LRN and pooling; and the check shown to catch a
 * wrong gradient: the SameDiff formulation, whose DL4J layer (1.0.0-M2.1) returns twice the
 * parameter gradients, fails it.
 */
class ConvBlockGradientCheckTest {
  private static DataType defaultType;
  private static DataType defaultFloatingType;

  @BeforeAll
  static void doublePrecision() {
    // DL4J's gradient check insists on double as ND4J's default type; restored afterwards.
    defaultType = Nd4j.dataType();
    defaultFloatingType = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  @AfterAll
  static void restorePrecision() {
    Nd4j.setDefaultDataTypes(defaultType, defaultFloatingType);
  }

  private static ComputationGraph network(ConvBlock block) {
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .seed(1)
                .updater(new NoOp())
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(7, 7, 4))
                .addLayer("block", block, "in")
                .addLayer(
                    "out",
                    new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nOut(3)
                        .activation(Activation.IDENTITY)
                        .build(),
                    "block")
                .setOutputs("out")
                .build());
    graph.init();
    return graph;
  }

  private static boolean gradientsMatch(ConvBlock block) {
    ComputationGraph graph = network(block);
    Nd4j.getRandom().setSeed(3);
    INDArray input = Nd4j.rand(DataType.DOUBLE, 2, 4, 7, 7);
    INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, 3);
    return GradientCheckUtil.checkGradients(
        new GradientCheckUtil.GraphConfig()
            .net(graph)
            .inputs(new INDArray[] {input})
            .labels(new INDArray[] {labels})
            .epsilon(1e-6)
            .maxRelError(1e-3)
            .minAbsoluteError(1e-7)
            .subset(true)
            .maxPerParam(6));
  }

  private static ConvBlock block(int towers, boolean lrn, boolean pool) {
    // alpha large enough that the normalisation is far from the identity
    return new ConvBlock(
        new ConvBlock.Convolution(3, 1, 1, 6, towers),
        lrn ? new ConvBlock.Normalisation(2, 5, 0.1, 0.75) : null,
        pool ? new ConvBlock.Pooling(3, 2) : null,
        new ConvBlock.Init(0.3, 0.1));
  }

  @ParameterizedTest(name = "towers {0}, LRN {1}, pooling {2}")
  @CsvSource({"2, true, true", "2, false, true", "1, false, false"})
  void gradientsMatchFiniteDifferences(int towers, boolean lrn, boolean pool) {
    assertTrue(gradientsMatch(block(towers, lrn, pool)));
  }

  @Test
  void theCheckCatchesTheSameDiffLayersDoubledGradients() {
    assertFalse(gradientsMatch(new ConvBlockLayerTest.SameDiffFormulation(block(1, false, false))));
  }
}

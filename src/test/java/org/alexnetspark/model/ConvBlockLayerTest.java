package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.ManhattanDistance;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link ConvBlockLayer} against the block's SameDiff graph ({@link ConvBlock#defineLayer}, run by
 * DL4J's SameDiff layer), at the sizes and strides AlexNet's blocks have: the same outputs; and,
 * for blocks without LRN, the same parameter and input gradients up to the factor of two by which
 * DL4J 1.0.0-M2.1's SameDiff layer overstates both (the true gradients, and those of blocks with
 * LRN, whose native gradient op is wrong too, are checked against finite differences in {@link
 * ConvBlockGradientCheckTest}).
 */
class ConvBlockLayerTest {

  /** The same block, run as DL4J's SameDiff layer over {@link ConvBlock#defineLayer}. */
  static final class SameDiffFormulation extends ConvBlock {
    private static final long serialVersionUID = 1L;

    SameDiffFormulation(ConvBlock block) {
      super(block.getConvolution(), block.getNormalisation(), block.getPooling(), block.getInit());
      setInputGradient(block.getInputGradient());
      setNIn(block.getNIn());
      setLayerName(block.getLayerName());
      setUpdater(block.getUpdater());
      setBiasUpdater(block.getBiasUpdater());
      setRegularization(block.getRegularization());
      setRegularizationBias(block.getRegularizationBias());
      setGradientNormalization(block.getGradientNormalization());
      setGradientNormalizationThreshold(block.getGradientNormalizationThreshold());
      setWeightInit(block.getWeightInit());
    }

    @Override
    public Layer instantiate(
        NeuralNetConfiguration conf,
        Collection<TrainingListener> listeners,
        int layerIndex,
        INDArray layerParamsView,
        boolean initializeParams,
        DataType networkDataType) {
      var layer = new SameDiffLayer(conf, networkDataType);
      layer.setIndex(layerIndex);
      layer.setParamsViewArray(layerParamsView);
      layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
      layer.setConf(conf);
      return layer;
    }
  }

  private static final ConvBlock.Normalisation LRN = new ConvBlock.Normalisation(2, 5, 1e-4, 0.75);
  private static final ConvBlock.Pooling POOL = new ConvBlock.Pooling(3, 2);

  /** Forward and backward of one block, both ways, on random input and output gradient. */
  private static void assertSameAsSameDiff(
      ConvBlock block, int channels, int size, float inputScale) {
    boolean gradients = block.getNormalisation() == null;
    ComputationGraph fast = ConvBlockTest.network(block, channels, size);
    ComputationGraph reference =
        ConvBlockTest.network(new SameDiffFormulation(block), channels, size);
    fast.initGradientsView();
    reference.initGradientsView();
    assertInstanceOf(ConvBlockLayer.class, fast.getLayer("block"));
    reference.setParams(fast.params());
    // Biases are 0 or 1 at initialisation; random ones check that each tower gets its own.
    Nd4j.getRandom().setSeed(5);
    INDArray bias = Nd4j.rand(DataType.FLOAT, fast.getParam("block_b").shape()).subi(0.5);
    fast.setParam("block_b", bias);
    reference.setParam("block_b", bias);
    INDArray input = Nd4j.rand(DataType.FLOAT, 3, channels, size, size).subi(0.3).muli(inputScale);

    Pair<Gradient, INDArray> fastResult = step(fast.getLayer("block"), input, null);
    INDArray output = fastResult.getSecond();
    Pair<Gradient, INDArray> referenceResult = step(reference.getLayer("block"), input, null);
    assertClose(referenceResult.getSecond(), output, "output");

    INDArray epsilon = Nd4j.rand(DataType.FLOAT, output.shape()).subi(0.5);
    fastResult = step(fast.getLayer("block"), input, epsilon);
    referenceResult = step(reference.getLayer("block"), input, epsilon);
    if (!gradients) {
      return;
    }
    for (String param : List.of("W", "b")) {
      assertClose(
          referenceResult.getFirst().getGradientFor(param).mul(0.5),
          fastResult.getFirst().getGradientFor(param),
          "gradient of " + param);
    }
    if (block.getInputGradient()) {
      assertClose(referenceResult.getSecond().mul(0.5), fastResult.getSecond(), "input gradient");
    } else {
      assertNull(fastResult.getSecond());
    }
  }

  /** epsilon null: forward only, returns (null, output); else (gradient, input gradient). */
  private static Pair<Gradient, INDArray> step(Layer layer, INDArray input, INDArray epsilon) {
    LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(input, none);
    INDArray output = layer.activate(true, none).dup();
    if (epsilon == null) {
      return new Pair<>(null, output);
    }
    Pair<Gradient, INDArray> result = layer.backpropGradient(epsilon, none);
    Gradient copy = new DefaultGradient();
    result.getFirst().gradientForVariable().forEach((k, v) -> copy.setGradientFor(k, v.dup()));
    return new Pair<>(copy, result.getSecond() == null ? null : result.getSecond().dup());
  }

  private static void assertClose(INDArray expected, INDArray actual, String what) {
    assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
    double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
    double worst =
        Nd4j.getExecutioner()
                .exec(
                    new ManhattanDistance(
                        expected.castTo(DataType.DOUBLE), actual.castTo(DataType.DOUBLE)))
                .getDouble(0)
            / expected.length();
    double maxDiff =
        expected
            .castTo(DataType.DOUBLE)
            .sub(actual.castTo(DataType.DOUBLE))
            .amaxNumber()
            .doubleValue();
    assertTrue(
        maxDiff <= 1e-4 * scale,
        what
            + ": largest difference "
            + maxDiff
            + " (mean "
            + worst
            + ") against largest value "
            + scale);
  }

  @Test
  void conv1BlockMatchesTheSameDiffGraph() {
    // 11x11 stride 4, LRN, pool, no input gradient: conv1 at reduced width and size
    assertSameAsSameDiff(
        new ConvBlock(
                new ConvBlock.Convolution(11, 4, 0, 16, 1), LRN, POOL, new ConvBlock.Init(0.01, 0))
            .withoutInputGradient(),
        3,
        35,
        255f);
    assertSameAsSameDiff(
        new ConvBlock(
            new ConvBlock.Convolution(11, 4, 0, 16, 1), LRN, POOL, new ConvBlock.Init(0.01, 0)),
        3,
        35,
        255f);
  }

  @Test
  void conv2BlockWithTowersMatchesTheSameDiffGraph() {
    assertSameAsSameDiff(
        new ConvBlock(
            new ConvBlock.Convolution(5, 1, 2, 12, 2), LRN, POOL, new ConvBlock.Init(0.05, 1)),
        8,
        11,
        30f);
  }

  @Test
  void lrnStrongEnoughToMatterMatchesTheSameDiffGraph() {
    // alpha large enough that the normalisation (and its gradient) is far from the identity
    assertSameAsSameDiff(
        new ConvBlock(
            new ConvBlock.Convolution(3, 1, 1, 10, 2),
            new ConvBlock.Normalisation(2, 5, 0.1, 0.75),
            POOL,
            new ConvBlock.Init(0.3, 0)),
        6,
        9,
        3f);
  }

  @Test
  void conv3AndConv4BlocksMatchTheSameDiffGraph() {
    assertSameAsSameDiff(
        new ConvBlock(
            new ConvBlock.Convolution(3, 1, 1, 12, 1), null, null, new ConvBlock.Init(0.05, 0)),
        8,
        7,
        1f);
    assertSameAsSameDiff(
        new ConvBlock(
            new ConvBlock.Convolution(3, 1, 1, 12, 2), null, null, new ConvBlock.Init(0.05, 1)),
        8,
        7,
        1f);
  }

  @Test
  void convolutionsLargeEnoughForWinogradRunTheSplitBackwardPassAndMatchTheSameDiffGraph() {
    ConvBlock.Convolution conv3 = new ConvBlock.Convolution(3, 1, 1, 12, 1);
    ConvBlock.Convolution conv4 = new ConvBlock.Convolution(3, 1, 1, 12, 2);
    // The paper network's conv3-conv5 (13x13) split; the demo network's (3x3) and others do not.
    assertTrue(ConvBlockLayer.avoidsWinograd(conv4, 13, 13));
    assertTrue(ConvBlockLayer.avoidsWinograd(conv4, 8, 8));
    assertFalse(ConvBlockLayer.avoidsWinograd(conv4, 3, 3));
    assertFalse(ConvBlockLayer.avoidsWinograd(conv4, 7, 13));
    assertFalse(ConvBlockLayer.avoidsWinograd(new ConvBlock.Convolution(5, 1, 2, 12, 2), 27, 27));
    assertFalse(ConvBlockLayer.avoidsWinograd(new ConvBlock.Convolution(3, 2, 1, 12, 2), 13, 13));
    // Both gradients through deconv2d and deconv2d_bp, one tower and two.
    assertSameAsSameDiff(new ConvBlock(conv3, null, null, new ConvBlock.Init(0.05, 0)), 8, 13, 1f);
    assertSameAsSameDiff(new ConvBlock(conv4, null, null, new ConvBlock.Init(0.05, 1)), 8, 9, 1f);
    assertSameAsSameDiff(
        new ConvBlock(
            new ConvBlock.Convolution(3, 1, 1, 8, 2), null, POOL, new ConvBlock.Init(0.05, 1)),
        12,
        13,
        1f);
  }

  @Test
  void conv5BlockMatchesTheSameDiffGraph() {
    assertSameAsSameDiff(
        new ConvBlock(
            new ConvBlock.Convolution(3, 1, 1, 8, 2), null, POOL, new ConvBlock.Init(0.05, 1)),
        12,
        7,
        1f);
  }

  @Test
  void scaledNetworkGivesTheSameOutputEitherWay() {
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(),
            List.of(
                "model.variant=scaled",
                "model.classes=10",
                "data.image-size=76",
                "model.dropout=0",
                "model.init.weight-std=0.05"));
    ComputationGraph fast = AlexNet.create(config.model(), config.optimizer());
    ComputationGraphConfiguration referenceConf =
        AlexNet.configuration(config.model(), config.optimizer());
    for (String name : List.of("conv1", "conv2", "conv3", "conv4", "conv5")) {
      LayerVertex vertex = (LayerVertex) referenceConf.getVertices().get(name);
      vertex
          .getLayerConf()
          .setLayer(new SameDiffFormulation((ConvBlock) vertex.getLayerConf().getLayer()));
    }
    ComputationGraph reference = new ComputationGraph(referenceConf);
    reference.init();
    reference.setParams(fast.params());

    Nd4j.getRandom().setSeed(11);
    INDArray images = Nd4j.rand(DataType.FLOAT, 8, 3, 67, 67).subi(0.5).muli(2);
    assertClose(reference.outputSingle(images), fast.outputSingle(images), "output");
    INDArray labels = Nd4j.eye(10).getRows(0, 3, 5, 7, 9, 1, 2, 4).castTo(DataType.FLOAT);
    fast.fit(new MultiDataSet(images, labels));
    assertTrue(
        Double.isFinite(fast.params().norm2Number().doubleValue()),
        "finite parameters after a step");
    assertTrue(
        fast.params().sub(reference.params()).amaxNumber().doubleValue() > 0,
        "a step changes the parameters");
  }
}

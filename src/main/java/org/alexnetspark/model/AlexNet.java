package org.alexnetspark.model;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.alexnetspark.config.ModelConfig;
import org.alexnetspark.config.OptimizerConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the paper's network for any {@link ModelConfig}: one topology, three variants.
 *
 * <pre>
 * input 3 x S x S
 * conv1 96 11x11/4          relu  lrn  max pool 3/2
 * conv2 256 5x5 pad 2       relu  lrn  max pool 3/2   towers (paper, scaled)
 * conv3 384 3x3 pad 1       relu                      sees both towers
 * conv4 384 3x3 pad 1       relu                      towers
 * conv5 256 3x3 pad 1       relu       max pool 3/2   towers
 * fc6   4096                relu  dropout
 * fc7   4096                relu  dropout
 * fc8   classes             softmax
 * </pre>
 *
 * Weights start from N(0, weight-std^2); biases of {@code model.init.bias-one-layers} start at 1,
 * the rest at 0. SGD with classic momentum and L2 weight decay on weights.
 */
public final class AlexNet {
  /** Name of the network's input. */
  public static final String INPUT = "input";

  /** Name of the softmax output layer. */
  public static final String OUTPUT = "fc8";

  /** Name of the last hidden layer, whose 4096 activations are the image's feature vector. */
  public static final String FEATURES = "fc7";

  private static final int[] PAPER_CONV_WIDTHS = {96, 256, 384, 384, 256};
  private static final int PAPER_TOWERS = 2;

  /** The paper's overlapping pooling: 3x3 windows, stride 2. */
  private static final ConvBlock.Pooling POOL = new ConvBlock.Pooling(3, 2);

  private AlexNet() {}

  /** An initialised network, ready to train. */
  public static ComputationGraph create(ModelConfig model, OptimizerConfig optimizer) {
    ComputationGraph graph = new ComputationGraph(configuration(model, optimizer));
    graph.init();
    return graph;
  }

  /** The network's configuration (what DL4J serialises to JSON). */
  public static ComputationGraphConfiguration configuration(
      ModelConfig model, OptimizerConfig optimizer) {
    int[] widths = convWidths(model.widthMultiplier());
    int towers = model.variant().hasTowers() ? PAPER_TOWERS : 1;
    ModelConfig.Lrn paperLrn = model.lrn();
    ConvBlock.Normalisation lrn =
        new ConvBlock.Normalisation(paperLrn.k(), paperLrn.n(), paperLrn.alpha(), paperLrn.beta());
    double[] std = weightStds(model, widths, towers);
    double retain = 1.0 - model.dropout();

    FullyConnected.Builder fc7 =
        new FullyConnected.Builder()
            .nOut(model.fcWidth())
            .activation(Activation.RELU)
            .weightInit(new NormalDistribution(0, std[6]))
            .biasInit(biasInit(model, "fc7"));
    OutputLayer.Builder fc8 =
        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
            .nOut(model.classes())
            .activation(Activation.SOFTMAX)
            .weightInit(new NormalDistribution(0, std[7]))
            .biasInit(biasInit(model, "fc8"));
    if (model.dropout() > 0) {
      // DL4J drops a layer's *input* with a *retain* probability: dropping FC6's and FC7's outputs
      // is dropout on the inputs of FC7 and FC8.
      fc7.dropOut(retain);
      fc8.dropOut(retain);
    }

    return new NeuralNetConfiguration.Builder()
        .seed(model.seed())
        .dataType(DataType.FLOAT)
        // The starting rate only: a training run sets each epoch's rate into the updater from its
        // learning-rate schedule (train.LearningRateSchedule), which starts at the same value.
        .updater(new ClassicMomentum(optimizer.learningRate(), optimizer.momentum()))
        .l2(optimizer.weightDecay())
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
        .graphBuilder()
        .addInputs(INPUT)
        .setInputTypes(inputType(model))
        .addLayer(
            "conv1",
            conv(
                    model,
                    "conv1",
                    std[0],
                    new ConvBlock.Convolution(11, 4, 0, widths[0], 1),
                    lrn,
                    POOL)
                .withoutInputGradient(),
            INPUT)
        .addLayer(
            "conv2",
            conv(
                model,
                "conv2",
                std[1],
                new ConvBlock.Convolution(5, 1, 2, widths[1], towers),
                lrn,
                POOL),
            "conv1")
        .addLayer(
            "conv3",
            conv(
                model,
                "conv3",
                std[2],
                new ConvBlock.Convolution(3, 1, 1, widths[2], 1),
                null,
                null),
            "conv2")
        .addLayer(
            "conv4",
            conv(
                model,
                "conv4",
                std[3],
                new ConvBlock.Convolution(3, 1, 1, widths[3], towers),
                null,
                null),
            "conv3")
        .addLayer(
            "conv5",
            conv(
                model,
                "conv5",
                std[4],
                new ConvBlock.Convolution(3, 1, 1, widths[4], towers),
                null,
                POOL),
            "conv4")
        .addLayer(
            "fc6",
            new FullyConnected.Builder()
                .nOut(model.fcWidth())
                .activation(Activation.RELU)
                .weightInit(new NormalDistribution(0, std[5]))
                .biasInit(biasInit(model, "fc6"))
                .build(),
            "conv5")
        .addLayer(FEATURES, fc7.build(), "fc6")
        .addLayer(OUTPUT, fc8.build(), FEATURES)
        .setOutputs(OUTPUT)
        .build();
  }

  /** The network's input: RGB images of the configured input size, NCHW. */
  public static InputType inputType(ModelConfig model) {
    return InputType.convolutional(model.networkInputSize(), model.networkInputSize(), 3);
  }

  /** {@link #convWidths} as "96,256,384,384,256": how the bench passes them to its reference. */
  public static String convWidthList(double multiplier) {
    return Arrays.stream(convWidths(multiplier))
        .mapToObj(Integer::toString)
        .collect(Collectors.joining(","));
  }

  /** The paper's convolution widths times {@code multiplier}, rounded to even (two towers). */
  static int[] convWidths(double multiplier) {
    int[] widths = new int[PAPER_CONV_WIDTHS.length];
    for (int i = 0; i < widths.length; i++) {
      long half = Math.round(PAPER_CONV_WIDTHS[i] * multiplier / PAPER_TOWERS);
      widths[i] = (int) Math.max(1, half) * PAPER_TOWERS;
    }
    return widths;
  }

  /**
   * Weight standard deviation of conv1..conv5, fc6, fc7, fc8: {@code model.init.weight-std} for
   * all, or with the {@code he} scheme sqrt(2 / fan-in) (sqrt(1 / fan-in) for the softmax layer),
   * fan-in counting the inputs one filter sees (its own tower's half where there are towers).
   */
  static double[] weightStds(ModelConfig model, int[] widths, int towers) {
    double[] std = new double[ModelConfig.LEARNED_LAYERS.size()];
    if (model.initScheme() == ModelConfig.InitScheme.NORMAL) {
      Arrays.fill(std, model.weightStd());
      return std;
    }
    // Side of conv5's pooled output, the input of fc6: conv1 and pool1 shrink it, then pool2,
    // pool5.
    long side = (model.networkInputSize() - 11) / 4 + 1;
    for (int pool = 0; pool < 3; pool++) {
      side = (side - POOL.kernel()) / POOL.stride() + 1;
    }
    long[] fanIn = {
      11L * 11 * 3,
      5L * 5 * widths[0] / towers,
      3L * 3 * widths[1],
      3L * 3 * widths[2] / towers,
      3L * 3 * widths[3] / towers,
      widths[4] * side * side,
      model.fcWidth(),
      model.fcWidth()
    };
    for (int i = 0; i < std.length; i++) {
      std[i] = Math.sqrt((i == std.length - 1 ? 1.0 : 2.0) / fanIn[i]);
    }
    return std;
  }

  private static ConvBlock conv(
      ModelConfig model,
      String name,
      double std,
      ConvBlock.Convolution convolution,
      ConvBlock.Normalisation lrn,
      ConvBlock.Pooling pool) {
    return new ConvBlock(convolution, lrn, pool, new ConvBlock.Init(std, biasInit(model, name)));
  }

  private static double biasInit(ModelConfig model, String layer) {
    return model.biasOneLayers().contains(layer) ? 1.0 : 0.0;
  }
}

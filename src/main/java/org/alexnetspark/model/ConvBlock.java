package org.alexnetspark.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.LocalResponseNormalizationConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.rng.distribution.impl.NormalDistribution;

/**
 * One convolution stage of AlexNet as a single DL4J layer: convolution (optionally split into
 * towers), ReLU, optional local response normalisation and optional overlapping max pooling.
 *
 * <p>Its forward and backward passes run ND4J's native conv2d, LRN and pooling ops (oneDNN on CPU,
 * cuDNN on GPU) rather than DL4J's Java-side layers, which are about three times slower here. The
 * configuration is a {@link SameDiffLayer}, and {@link #defineLayer} is the block as a SameDiff
 * graph; the layer DL4J runs is {@link ConvBlockLayer}, which calls the same native ops directly
 * (one forward pass per training step, towers as views, no transposed copies around LRN; see
 * there). The network stays an ordinary DL4J network (JSON config, model serialisation and
 * dl4j-spark training all work unchanged).
 *
 * <p>Towers: with {@code towers = 2} input channels {@code [0, nIn/2)} and output channels {@code
 * [0, nOut/2)} form tower one, the upper halves tower two; each tower's filters see only their own
 * tower's inputs, as on the paper's two GPUs. The weights are one array {@code W} of shape {@code
 * [kernel, kernel, nIn / towers, nOut]}, bias {@code b} of shape {@code [1, nOut]}.
 *
 * <p>The block is data: four small value types ({@link Convolution}, {@link Normalisation}, {@link
 * Pooling}, {@link Init}), the input channel count, and whether the gradient with respect to the
 * block's input is computed (not for the first block, whose input is the images: see {@link
 * #withoutInputGradient}). DL4J serialises layer configurations to JSON through bean accessors, so
 * each of those six has one getter and one setter, and the no-argument constructor exists for the
 * same reason. Output shapes come from {@link #stages}, plain arithmetic.
 */
public class ConvBlock extends SameDiffLayer {
  private static final long serialVersionUID = 2L;

  /** Square convolution: kernel side, stride, zero padding, output channels, towers (groups). */
  public record Convolution(int kernel, int stride, int padding, long channels, int towers)
      implements Serializable {
    public Convolution {
      if (towers < 1 || channels % towers != 0) {
        throw new IllegalArgumentException(
            channels + " output channels cannot be split into " + towers + " towers");
      }
    }
  }

  /**
   * Local response normalisation: {@code b = a / (k + alpha * sum of a^2 over n channels)^beta}.
   */
  public record Normalisation(double k, int n, double alpha, double beta) implements Serializable {}

  /** Max pooling over square windows. */
  public record Pooling(int kernel, int stride) implements Serializable {}

  /** Weights from N(0, weightStd^2), every bias {@code bias}. */
  public record Init(double weightStd, double bias) implements Serializable {}

  /** What one step of the block does. */
  public enum StageKind {
    CONVOLUTION,
    NORMALISATION,
    POOLING
  }

  /** One step of the block with the shape it produces. */
  public record Stage(StageKind kind, long channels, long height, long width) {}

  private Convolution convolution;
  private Normalisation normalisation;
  private Pooling pooling;
  private Init init;
  private long nIn;
  private boolean inputGradient = true;

  /** For JSON deserialisation only. */
  protected ConvBlock() {}

  /**
   * @param normalisation LRN after the ReLU, or null for none
   * @param pooling max pooling last, or null for none
   */
  public ConvBlock(
      Convolution convolution, Normalisation normalisation, Pooling pooling, Init init) {
    this.convolution = Objects.requireNonNull(convolution);
    this.normalisation = normalisation;
    this.pooling = pooling;
    this.init = Objects.requireNonNull(init);
  }

  /**
   * This block, returning no gradient with respect to its input: for a block whose input is the
   * network's input, where that gradient is never used. (ND4J's conv2d_bp computes it all the same,
   * into scratch memory; the network just never holds it.)
   */
  public ConvBlock withoutInputGradient() {
    this.inputGradient = false;
    return this;
  }

  /**
   * The block's steps (convolution, then normalisation and pooling if present) for an input size.
   */
  public List<Stage> stages(long height, long width) {
    List<Stage> stages = new ArrayList<>();
    long channels = convolution.channels();
    long h = sizeAfter(height, convolution.kernel(), convolution.stride(), convolution.padding());
    long w = sizeAfter(width, convolution.kernel(), convolution.stride(), convolution.padding());
    stages.add(new Stage(StageKind.CONVOLUTION, channels, h, w));
    if (normalisation != null) {
      stages.add(new Stage(StageKind.NORMALISATION, channels, h, w));
    }
    if (pooling != null) {
      h = sizeAfter(h, pooling.kernel(), pooling.stride(), 0);
      w = sizeAfter(w, pooling.kernel(), pooling.stride(), 0);
      stages.add(new Stage(StageKind.POOLING, channels, h, w));
    }
    return stages;
  }

  private static long sizeAfter(long size, int kernel, int stride, int padding) {
    return (size + 2L * padding - kernel) / stride + 1;
  }

  @Override
  public SDVariable defineLayer(
      SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
    long nOut = convolution.channels();
    int towers = convolution.towers();
    SDVariable weights = params.get("W");
    SDVariable bias = params.get("b").reshape(nOut);
    Conv2DConfig conv =
        Conv2DConfig.builder()
            .kH(convolution.kernel())
            .kW(convolution.kernel())
            .sH(convolution.stride())
            .sW(convolution.stride())
            .pH(convolution.padding())
            .pW(convolution.padding())
            .dataFormat("NCHW")
            .build();
    SDVariable out;
    if (towers == 1) {
      out = sd.cnn().conv2d(input, weights, bias, conv);
    } else {
      long inPerTower = nIn / towers;
      long outPerTower = nOut / towers;
      SDVariable[] outputs = new SDVariable[towers];
      for (int g = 0; g < towers; g++) {
        SDIndex inChannels = SDIndex.interval(g * inPerTower, (g + 1) * inPerTower);
        SDIndex outChannels = SDIndex.interval(g * outPerTower, (g + 1) * outPerTower);
        SDVariable towerInput = input.get(SDIndex.all(), inChannels, SDIndex.all(), SDIndex.all());
        SDVariable towerWeights =
            weights.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), outChannels);
        outputs[g] = sd.cnn().conv2d(towerInput, towerWeights, bias.get(outChannels), conv);
      }
      out = sd.concat(1, outputs);
    }
    out = sd.nn().relu(out, 0.0);
    if (normalisation != null) {
      // ND4J's lrn normalises across the last axis (NHWC) and its depth is the half-width of the
      // window (n = 2 * depth + 1 channels), so the channels are moved last and back.
      SDVariable channelsLast = out.permute(0, 2, 3, 1);
      SDVariable normalised =
          sd.cnn()
              .localResponseNormalization(
                  channelsLast,
                  LocalResponseNormalizationConfig.builder()
                      .bias(normalisation.k())
                      .alpha(normalisation.alpha())
                      .beta(normalisation.beta())
                      .depth(normalisation.n() / 2)
                      .build());
      out = normalised.permute(0, 3, 1, 2);
    }
    if (pooling != null) {
      out =
          sd.cnn()
              .maxPooling2d(
                  out,
                  Pooling2DConfig.builder()
                      .kH(pooling.kernel())
                      .kW(pooling.kernel())
                      .sH(pooling.stride())
                      .sW(pooling.stride())
                      .isNHWC(false)
                      .build());
    }
    return out;
  }

  @Override
  public void defineParameters(SDLayerParams params) {
    params.clear();
    int k = convolution.kernel();
    params.addWeightParam("W", k, k, nIn / convolution.towers(), convolution.channels());
    params.addBiasParam("b", 1, convolution.channels());
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    // Nd4j's global generator: DL4J seeds it from the network's seed before initialising.
    new NormalDistribution(0.0, init.weightStd()).sample(params.get("W"));
    params.get("b").assign(init.bias());
  }

  /**
   * As DL4J's own {@code instantiate}, with {@link ConvBlockLayer} as the runtime layer: its
   * forward and backward passes call the native ops directly, with the true gradients.
   */
  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray layerParamsView,
      boolean initializeParams,
      DataType dataType) {
    ConvBlockLayer layer = new ConvBlockLayer(conf, dataType);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(layerParamsView);
    layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
    layer.setConf(conf);
    return layer;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) inputType;
    List<Stage> stages = stages(in.getHeight(), in.getWidth());
    Stage last = stages.get(stages.size() - 1);
    return InputType.convolutional(last.height(), last.width(), last.channels());
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    if (nIn <= 0 || override) {
      long channels = ((InputType.InputTypeConvolutional) inputType).getChannels();
      if (channels % convolution.towers() != 0) {
        throw new IllegalArgumentException(
            "a convolution block with "
                + convolution.towers()
                + " towers needs an input channel count divisible by "
                + convolution.towers()
                + ", got "
                + channels);
      }
      this.nIn = channels;
    }
  }

  // Bean accessors: DL4J serialises layer configurations to JSON through them.

  public Convolution getConvolution() {
    return convolution;
  }

  public void setConvolution(Convolution convolution) {
    this.convolution = convolution;
  }

  public Normalisation getNormalisation() {
    return normalisation;
  }

  public void setNormalisation(Normalisation normalisation) {
    this.normalisation = normalisation;
  }

  public Pooling getPooling() {
    return pooling;
  }

  public void setPooling(Pooling pooling) {
    this.pooling = pooling;
  }

  public Init getInit() {
    return init;
  }

  public void setInit(Init init) {
    this.init = init;
  }

  public long getNIn() {
    return nIn;
  }

  public void setNIn(long nIn) {
    this.nIn = nIn;
  }

  /** False if the block computes no gradient with respect to its input. */
  public boolean getInputGradient() {
    return inputGradient;
  }

  public void setInputGradient(boolean inputGradient) {
    this.inputGradient = inputGradient;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConvBlock other
        && super.equals(o)
        && nIn == other.nIn
        && Objects.equals(convolution, other.convolution)
        && Objects.equals(normalisation, other.normalisation)
        && Objects.equals(pooling, other.pooling)
        && Objects.equals(init, other.init)
        && inputGradient == other.inputGradient;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        super.hashCode(), convolution, normalisation, pooling, init, nIn, inputGradient);
  }
}

package org.alexnetspark.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.LocalResponseNormalizationConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.rng.distribution.impl.NormalDistribution;

/**
 * One convolution stage of AlexNet as a single DL4J layer: convolution (optionally split into
 * towers), ReLU, optional local response normalisation and optional overlapping max pooling.
 *
 * <p>Built as a {@link SameDiffLayer} so that forward and backward passes run ND4J's native conv2d,
 * LRN and pooling ops (oneDNN on CPU, cuDNN on GPU) rather than DL4J's Java-side layers, which are
 * about three times slower here; the network stays an ordinary DL4J network (JSON config, model
 * serialisation and dl4j-spark training all work unchanged).
 *
 * <p>Towers: with {@code groups = 2} input channels {@code [0, nIn/2)} and output channels {@code
 * [0, nOut/2)} form tower one, the upper halves tower two; each tower's filters see only their own
 * tower's inputs, as on the paper's two GPUs. The weights are one array {@code W} of shape
 * {@code [kernel, kernel, nIn / groups, nOut]}, bias {@code b} of shape {@code [1, nOut]}.
 *
 * <p>Fields are plain and the no-argument constructor exists because DL4J serialises layer
 * configurations to JSON (model files, Spark workers).
 */
public class ConvBlock extends SameDiffLayer {
  private static final long serialVersionUID = 1L;

  private int kernel;
  private int stride;
  private int padding;
  private long nIn;
  private long nOut;
  private int groups;
  private double weightStd;
  private double biasInit;
  private boolean lrn;
  private double lrnK;
  private int lrnN;
  private double lrnAlpha;
  private double lrnBeta;
  private int poolKernel;
  private int poolStride;

  /** For JSON deserialisation only. */
  protected ConvBlock() {}

  private ConvBlock(Builder b) {
    this.kernel = b.kernel;
    this.stride = b.stride;
    this.padding = b.padding;
    this.nIn = b.nIn;
    this.nOut = b.nOut;
    this.groups = b.groups;
    this.weightStd = b.weightStd;
    this.biasInit = b.biasInit;
    this.lrn = b.lrn;
    this.lrnK = b.lrnK;
    this.lrnN = b.lrnN;
    this.lrnAlpha = b.lrnAlpha;
    this.lrnBeta = b.lrnBeta;
    this.poolKernel = b.poolKernel;
    this.poolStride = b.poolStride;
    if (nOut % groups != 0) {
      throw new IllegalArgumentException("nOut " + nOut + " is not divisible by groups " + groups);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** One step of the block with the shape it produces, for summaries. */
  public record Stage(String kind, String description, long channels, long height, long width) {}

  /** The block's steps (conv, then lrn and pool if present) for an input of the given size. */
  public List<Stage> stages(long height, long width) {
    List<Stage> stages = new ArrayList<>();
    long h = sizeAfter(height, kernel, stride, padding);
    long w = sizeAfter(width, kernel, stride, padding);
    String conv = "conv " + kernel + "x" + kernel + "/" + stride
        + (padding > 0 ? " pad " + padding : "") + ", " + nOut
        + (groups > 1 ? ", " + groups + " towers" : "") + ", relu";
    stages.add(new Stage("conv", conv, nOut, h, w));
    if (lrn) {
      stages.add(new Stage("lrn", "lrn n=" + lrnN + " k=" + fmt(lrnK) + " alpha=" + fmt(lrnAlpha)
          + " beta=" + fmt(lrnBeta), nOut, h, w));
    }
    if (poolKernel > 0) {
      h = sizeAfter(h, poolKernel, poolStride, 0);
      w = sizeAfter(w, poolKernel, poolStride, 0);
      stages.add(new Stage("pool", "max pool " + poolKernel + "x" + poolKernel + "/" + poolStride,
          nOut, h, w));
    }
    return stages;
  }

  private static long sizeAfter(long size, int kernel, int stride, int padding) {
    return (size + 2L * padding - kernel) / stride + 1;
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  @Override
  public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params,
      SDVariable mask) {
    SDVariable weights = params.get("W");
    SDVariable bias = params.get("b").reshape(nOut);
    Conv2DConfig conv = Conv2DConfig.builder()
        .kH(kernel).kW(kernel).sH(stride).sW(stride).pH(padding).pW(padding)
        .dataFormat("NCHW").build();
    SDVariable out;
    if (groups == 1) {
      out = sd.cnn().conv2d(input, weights, bias, conv);
    } else {
      long inPerTower = nIn / groups;
      long outPerTower = nOut / groups;
      SDVariable[] towers = new SDVariable[groups];
      for (int g = 0; g < groups; g++) {
        SDIndex inChannels = SDIndex.interval(g * inPerTower, (g + 1) * inPerTower);
        SDIndex outChannels = SDIndex.interval(g * outPerTower, (g + 1) * outPerTower);
        SDVariable towerInput = input.get(SDIndex.all(), inChannels, SDIndex.all(), SDIndex.all());
        SDVariable towerWeights = weights.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), outChannels);
        towers[g] = sd.cnn().conv2d(towerInput, towerWeights, bias.get(outChannels), conv);
      }
      out = sd.concat(1, towers);
    }
    out = sd.nn().relu(out, 0.0);
    if (lrn) {
      // ND4J's lrn normalises across the last axis (NHWC) and its depth is the half-width of the
      // window (n = 2 * depth + 1 channels), so the channels are moved last and back.
      SDVariable channelsLast = out.permute(0, 2, 3, 1);
      SDVariable normalised = sd.cnn().localResponseNormalization(channelsLast,
          LocalResponseNormalizationConfig.builder()
              .bias(lrnK).alpha(lrnAlpha).beta(lrnBeta).depth(lrnN / 2).build());
      out = normalised.permute(0, 3, 1, 2);
    }
    if (poolKernel > 0) {
      out = sd.cnn().maxPooling2d(out, Pooling2DConfig.builder()
          .kH(poolKernel).kW(poolKernel).sH(poolStride).sW(poolStride)
          .isNHWC(false).build());
    }
    return out;
  }

  @Override
  public void defineParameters(SDLayerParams params) {
    params.clear();
    params.addWeightParam("W", kernel, kernel, nIn / groups, nOut);
    params.addBiasParam("b", 1, nOut);
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    // Nd4j's global generator: DL4J seeds it from the network's seed before initialising.
    new NormalDistribution(0.0, weightStd).sample(params.get("W"));
    params.get("b").assign(biasInit);
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
      if (channels % groups != 0) {
        throw new IllegalArgumentException("conv block with " + groups + " towers needs an input "
            + "channel count divisible by " + groups + ", got " + channels);
      }
      this.nIn = channels;
    }
  }

  // Bean accessors: DL4J serialises layer configurations to JSON through them.

  public int getKernel() {
    return kernel;
  }

  public void setKernel(int kernel) {
    this.kernel = kernel;
  }

  public int getStride() {
    return stride;
  }

  public void setStride(int stride) {
    this.stride = stride;
  }

  public int getPadding() {
    return padding;
  }

  public void setPadding(int padding) {
    this.padding = padding;
  }

  public long getNIn() {
    return nIn;
  }

  public void setNIn(long nIn) {
    this.nIn = nIn;
  }

  public long getNOut() {
    return nOut;
  }

  public void setNOut(long nOut) {
    this.nOut = nOut;
  }

  public int getGroups() {
    return groups;
  }

  public void setGroups(int groups) {
    this.groups = groups;
  }

  public double getWeightStd() {
    return weightStd;
  }

  public void setWeightStd(double weightStd) {
    this.weightStd = weightStd;
  }

  public double getBiasInit() {
    return biasInit;
  }

  public void setBiasInit(double biasInit) {
    this.biasInit = biasInit;
  }

  public boolean isLrn() {
    return lrn;
  }

  public void setLrn(boolean lrn) {
    this.lrn = lrn;
  }

  public double getLrnK() {
    return lrnK;
  }

  public void setLrnK(double lrnK) {
    this.lrnK = lrnK;
  }

  public int getLrnN() {
    return lrnN;
  }

  public void setLrnN(int lrnN) {
    this.lrnN = lrnN;
  }

  public double getLrnAlpha() {
    return lrnAlpha;
  }

  public void setLrnAlpha(double lrnAlpha) {
    this.lrnAlpha = lrnAlpha;
  }

  public double getLrnBeta() {
    return lrnBeta;
  }

  public void setLrnBeta(double lrnBeta) {
    this.lrnBeta = lrnBeta;
  }

  public int getPoolKernel() {
    return poolKernel;
  }

  public void setPoolKernel(int poolKernel) {
    this.poolKernel = poolKernel;
  }

  public int getPoolStride() {
    return poolStride;
  }

  public void setPoolStride(int poolStride) {
    this.poolStride = poolStride;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConvBlock other && super.equals(o)
        && kernel == other.kernel && stride == other.stride && padding == other.padding && nIn == other.nIn && nOut == other.nOut && groups == other.groups && Double.compare(weightStd, other.weightStd) == 0 && Double.compare(biasInit, other.biasInit) == 0 && lrn == other.lrn && Double.compare(lrnK, other.lrnK) == 0 && lrnN == other.lrnN && Double.compare(lrnAlpha, other.lrnAlpha) == 0 && Double.compare(lrnBeta, other.lrnBeta) == 0 && poolKernel == other.poolKernel && poolStride == other.poolStride;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(super.hashCode(), kernel, stride, padding, nIn, nOut, groups, weightStd, biasInit, lrn, lrnK, lrnN, lrnAlpha, lrnBeta, poolKernel, poolStride);
  }

  /** Fluent construction; every field has the meaning given in the class comment. */
  public static final class Builder extends SameDiffLayer.Builder<Builder> {
    private int kernel;
    private int stride = 1;
    private int padding;
    private long nIn;
    private long nOut;
    private int groups = 1;
    private double weightStd = 0.01;
    private double biasInit;
    private boolean lrn;
    private double lrnK;
    private int lrnN;
    private double lrnAlpha;
    private double lrnBeta;
    private int poolKernel;
    private int poolStride;

    public Builder conv(int kernel, int stride, int padding, long nOut) {
      this.kernel = kernel;
      this.stride = stride;
      this.padding = padding;
      this.nOut = nOut;
      return this;
    }

    public Builder nIn(long nIn) {
      this.nIn = nIn;
      return this;
    }

    public Builder groups(int groups) {
      this.groups = groups;
      return this;
    }

    public Builder init(double weightStd, double biasInit) {
      this.weightStd = weightStd;
      this.biasInit = biasInit;
      return this;
    }

    public Builder lrn(double k, int n, double alpha, double beta) {
      this.lrn = true;
      this.lrnK = k;
      this.lrnN = n;
      this.lrnAlpha = alpha;
      this.lrnBeta = beta;
      return this;
    }

    public Builder maxPool(int kernel, int stride) {
      this.poolKernel = kernel;
      this.poolStride = stride;
      return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ConvBlock build() {
      return new ConvBlock(this);
    }
  }
}

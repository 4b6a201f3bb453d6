package org.alexnetspark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The forward and backward passes of a {@link ConvBlock}, calling ND4J's native ops (oneDNN on CPU,
 * cuDNN on GPU) directly: the same arithmetic as the SameDiff graph of {@link
 * ConvBlock#defineLayer}, without its overheads.
 *
 * <ul>
 *   <li>The forward pass runs once per training step: its intermediate arrays (the ReLU output and
 *       the LRN output) stay in DL4J's activation workspace until the backward pass, which a
 *       SameDiff layer instead recomputes.
 *   <li>Towers are convolutions on views: in the forward pass each tower reads its channel slice of
 *       the input and writes its channel slice of the output in place (no concatenation); its
 *       weight and bias gradients are written into their views the same way.
 *   <li>LRN normalises over the last axis in ND4J, so a block with LRN keeps its convolution output
 *       channels-last in memory (the convolution writes through an NCHW view of it) and pooling
 *       reads it through the same kind of view: no transposed copies.
 *   <li>A block whose input is the network's input computes no gradient for it: its weight gradient
 *       comes from a transposed convolution ({@code deconv2d_bp}) instead of the full backward
 *       pass.
 *   <li>In the backward pass each tower reads contiguous copies of its input and output-gradient
 *       slices: oneDNN's backward pass runs 15-20% slower on views, more than the copies cost.
 *   <li>On the CPU, 3x3 stride-1 convolutions take their input gradient from {@code deconv2d} and
 *       their weight gradient from {@code deconv2d_bp}, not from {@code conv2d_bp}, which oneDNN
 *       runs with Winograd kernels several times slower here ({@link #avoidsWinograd}).
 * </ul>
 *
 * <p>Parameters, gradients and their views are those of DL4J's SameDiff layer, which this class
 * extends, so a saved network's parameter layout does not depend on which implementation ran.
 */
final class ConvBlockLayer extends SameDiffLayer {
  private static final long serialVersionUID = 1L;

  /** The input the cached arrays below were computed from (identity), or null. */
  private transient INDArray cachedInput;

  /** relu(conv(input)): NCHW, or channels-last ({@code [N, H, W, C]}) when the block has LRN. */
  private transient INDArray activated;

  /** lrn(activated), channels-last, or null without LRN. */
  private transient INDArray normalised;

  ConvBlockLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private ConvBlock block() {
    return (ConvBlock) layerConf();
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    // While training, what the backward pass needs lives as long as the activations.
    INDArray output =
        forward(
            workspaceMgr,
            training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM,
            ArrayType.ACTIVATIONS);
    if (!training) {
      clearCache();
    }
    return output;
  }

  /** Runs the block on {@code input}, caching relu and LRN outputs; returns the block's output. */
  private INDArray forward(
      LayerWorkspaceMgr workspaceMgr, ArrayType intermediate, ArrayType outputType) {
    ConvBlock block = block();
    ConvBlock.Convolution conv = block.getConvolution();
    ConvBlock.Normalisation lrn = block.getNormalisation();
    ConvBlock.Pooling pool = block.getPooling();
    long n = input.size(0);
    long h = outSize(input.size(2), conv.kernel(), conv.stride(), conv.padding());
    long w = outSize(input.size(3), conv.kernel(), conv.stride(), conv.padding());
    long channels = conv.channels();
    boolean last = lrn == null && pool == null;

    // The convolution output in memory: channels-last for LRN, else NCHW; act is its NCHW view.
    INDArray memory =
        lrn != null
            ? workspaceMgr.createUninitialized(
                intermediate, dataType, new long[] {n, h, w, channels}, 'c')
            : workspaceMgr.createUninitialized(
                last ? outputType : intermediate, dataType, new long[] {n, channels, h, w}, 'c');
    INDArray act = lrn != null ? memory.permute(0, 3, 1, 2) : memory;
    convolve(input, act);
    Transforms.relu(memory, false);
    INDArray norm = null;
    INDArray output = act;
    if (lrn != null) {
      // LRN and pooling run channels-last on contiguous memory; only the (small) pooled output is
      // transposed to NCHW for the next layer.
      norm =
          workspaceMgr.createUninitialized(
              pool == null ? outputType : intermediate,
              dataType,
              new long[] {n, h, w, channels},
              'c');
      Nd4j.exec(
          DynamicCustomOp.builder("lrn")
              .addInputs(memory)
              .addOutputs(norm)
              .addFloatingPointArguments(lrn.k(), lrn.alpha(), lrn.beta())
              .addIntegerArguments(lrn.n() / 2)
              .build());
      output = norm.permute(0, 3, 1, 2);
      if (pool != null) {
        INDArray pooled =
            workspaceMgr.createUninitialized(
                intermediate,
                dataType,
                new long[] {
                  n,
                  outSize(h, pool.kernel(), pool.stride(), 0),
                  outSize(w, pool.kernel(), pool.stride(), 0),
                  channels
                },
                'c');
        Nd4j.exec(
            DynamicCustomOp.builder("maxpool2d")
                .addInputs(norm)
                .addOutputs(pooled)
                .addIntegerArguments(poolArguments(pool, true))
                .build());
        output = workspaceMgr.dup(outputType, pooled.permute(0, 3, 1, 2), 'c');
      }
    } else if (pool != null) {
      output =
          workspaceMgr.createUninitialized(
              outputType,
              dataType,
              new long[] {
                n,
                channels,
                outSize(h, pool.kernel(), pool.stride(), 0),
                outSize(w, pool.kernel(), pool.stride(), 0)
              },
              'c');
      Nd4j.exec(
          DynamicCustomOp.builder("maxpool2d")
              .addInputs(act)
              .addOutputs(output)
              .addIntegerArguments(poolArguments(pool, false))
              .build());
    }
    cachedInput = input;
    activated = memory;
    normalised = norm;
    return output;
  }

  /** conv2d per tower, each on channel views of the input, weights, bias and output. */
  private void convolve(INDArray x, INDArray out) {
    ConvBlock.Convolution conv = block().getConvolution();
    INDArray weights = paramTable.get("W");
    INDArray bias = paramTable.get("b");
    int towers = conv.towers();
    long inPerTower = x.size(1) / towers;
    long outPerTower = conv.channels() / towers;
    for (int g = 0; g < towers; g++) {
      Nd4j.exec(
          DynamicCustomOp.builder("conv2d")
              .addInputs(
                  channels(x, g, inPerTower, towers),
                  lastAxis(weights, g, outPerTower, towers),
                  lastAxis(bias, g, outPerTower, towers))
              .addOutputs(channels(out, g, outPerTower, towers))
              .addIntegerArguments(convArguments(conv))
              .build());
    }
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    ConvBlock block = block();
    ConvBlock.Convolution conv = block.getConvolution();
    ConvBlock.Normalisation lrn = block.getNormalisation();
    ConvBlock.Pooling pool = block.getPooling();
    if (cachedInput != input || activated == null) {
      // No training forward pass on this input (e.g. backpropagation after an inference pass).
      forward(workspaceMgr, ArrayType.BP_WORKING_MEM, ArrayType.BP_WORKING_MEM);
    }
    INDArray gradient;
    if (lrn != null) {
      // Channels-last throughout, as in the forward pass; the ReLU's gradient is part of the LRN
      // loop.
      INDArray gradNorm = epsilon;
      if (pool != null) {
        INDArray epsilonChannelsLast =
            workspaceMgr.dup(ArrayType.BP_WORKING_MEM, epsilon.permute(0, 2, 3, 1), 'c');
        gradNorm =
            workspaceMgr.createUninitialized(
                ArrayType.BP_WORKING_MEM, dataType, normalised.shape(), 'c');
        Nd4j.exec(
            DynamicCustomOp.builder("maxpool2d_bp")
                .addInputs(normalised, epsilonChannelsLast)
                .addOutputs(gradNorm)
                .addIntegerArguments(poolArguments(pool, true))
                .build());
      } else {
        gradNorm = workspaceMgr.dup(ArrayType.BP_WORKING_MEM, epsilon.permute(0, 2, 3, 1), 'c');
      }
      INDArray gradActivated =
          workspaceMgr.createUninitialized(
              ArrayType.BP_WORKING_MEM, dataType, activated.shape(), 'c');
      LrnGradient.backwardThroughRelu(
          activated, gradNorm, gradActivated, lrn, Nd4j.getEnvironment().maxThreads());
      gradient = gradActivated.permute(0, 3, 1, 2);
    } else {
      if (pool != null) {
        gradient =
            workspaceMgr.createUninitialized(
                ArrayType.BP_WORKING_MEM, dataType, activated.shape(), 'c');
        Nd4j.exec(
            DynamicCustomOp.builder("maxpool2d_bp")
                .addInputs(activated, epsilon)
                .addOutputs(gradient)
                .addIntegerArguments(poolArguments(pool, false))
                .build());
      } else {
        // epsilon belongs to the next layer: do not overwrite it
        gradient = workspaceMgr.dup(ArrayType.BP_WORKING_MEM, epsilon, 'c');
      }
      // ReLU: pass the gradient where the output was positive (relu(z) > 0 exactly when z > 0).
      Nd4j.exec(
          DynamicCustomOp.builder("relu_bp")
              .addInputs(activated, gradient)
              .addOutputs(gradient)
              .build());
    }

    INDArray weights = paramTable.get("W");
    INDArray bias = paramTable.get("b");
    INDArray gradWeights = gradTable.get("W");
    INDArray gradBias = gradTable.get("b");
    int towers = conv.towers();
    long inPerTower = input.size(1) / towers;
    long outPerTower = conv.channels() / towers;
    INDArray gradInput =
        block.getInputGradient()
            ? workspaceMgr.createUninitialized(
                ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c')
            : null;
    boolean splitBackward = avoidsWinograd(conv, gradient.size(2), gradient.size(3));
    for (int g = 0; g < towers; g++) {
      INDArray x = channels(input, g, inPerTower, towers);
      INDArray gradOut = channels(gradient, g, outPerTower, towers);
      INDArray towerWeights = lastAxis(weights, g, outPerTower, towers);
      INDArray towerGradWeights = lastAxis(gradWeights, g, outPerTower, towers);
      INDArray towerGradBias = lastAxis(gradBias, g, outPerTower, towers);
      if (gradInput == null
          && weightGradientOnly(
              x, gradOut, towerWeights, towerGradWeights, towerGradBias, workspaceMgr)) {
        continue;
      }
      if (towers > 1) {
        // oneDNN's backward pass is 15-20% slower on channel views than on contiguous copies
        x = workspaceMgr.dup(ArrayType.BP_WORKING_MEM, x, 'c');
        gradOut = workspaceMgr.dup(ArrayType.BP_WORKING_MEM, gradOut, 'c');
      }
      // The input gradient goes straight into gradInput with one tower; otherwise into contiguous
      // memory, copied into the tower's slice only when the gradient is wanted.
      INDArray written =
          gradInput != null && towers == 1
              ? gradInput
              : workspaceMgr.createUninitialized(
                  ArrayType.BP_WORKING_MEM, dataType, x.shape(), 'c');
      if (splitBackward
          && weightGradientOnly(
              x, gradOut, towerWeights, towerGradWeights, towerGradBias, workspaceMgr)) {
        // The input gradient is the transposed convolution of the output gradient.
        Nd4j.exec(
            DynamicCustomOp.builder("deconv2d")
                .addInputs(gradOut, towerWeights)
                .addOutputs(written)
                .addIntegerArguments(convArguments(conv))
                .build());
      } else {
        Nd4j.exec(
            DynamicCustomOp.builder("conv2d_bp")
                .addInputs(x, towerWeights, lastAxis(bias, g, outPerTower, towers), gradOut)
                .addOutputs(written, towerGradWeights, towerGradBias)
                .addIntegerArguments(convArguments(conv))
                .build());
      }
      if (gradInput != null && towers > 1) {
        channels(gradInput, g, inPerTower, towers).assign(written);
      }
    }
    Gradient g = new DefaultGradient(gradients);
    g.gradientForVariable().put("W", gradWeights);
    g.gradientForVariable().put("b", gradBias);
    clearCache();
    return new Pair<>(g, block.getInputGradient() ? gradInput : null);
  }

  /**
   * Whether this convolution's backward pass runs as two direct passes (the input gradient from
   * {@code deconv2d}, the weight gradient as in {@link #weightGradientOnly}) rather than one {@code
   * conv2d_bp}. ND4J's oneDNN {@code conv2d_bp} asks for {@code convolution_auto}, and oneDNN 2.3
   * answers it with its Winograd kernels for many 3x3 stride-1 convolutions: measured on AVX-512 (2
   * threads, batch 64) on the paper network's 13x13 conv3-conv5, they took 86-225 ms per call where
   * the direct kernels of the two passes took 11-46 ms. On the demo network's 3x3 outputs oneDNN
   * picks its direct kernels itself, and the split would only add a pass (about 14% of that
   * network's step), so outputs smaller than 8x8 (two of Winograd F(4,3)'s 4x4 tiles a side) keep
   * {@code conv2d_bp}. Deconvolutions have only the direct algorithm. On GPUs {@code conv2d_bp} is
   * cuDNN's and stays.
   */
  static boolean avoidsWinograd(ConvBlock.Convolution conv, long outHeight, long outWidth) {
    return conv.kernel() == 3
        && conv.stride() == 1
        && outHeight >= 8
        && outWidth >= 8
        && Nd4j.getEnvironment().isCPU()
        && Nd4j.getEnvironment().helpersAllowed();
  }

  /**
   * The weight and bias gradients of one tower without the gradient of its input, which oneDNN's
   * convolution backward pass always computes (for conv1 that costs 4x the forward pass: a stride-4
   * 11x11 transposed convolution onto 227x227 images). A convolution's weight gradient is the
   * weight gradient of the transposed convolution that maps its output gradient back onto its
   * input, so deconv2d_bp with the roles swapped gives it exactly, for the price of one forward
   * convolution besides. Applies when the convolution's windows cover its input exactly, or (no
   * padding) when the uncovered last rows and columns are left out; returns false otherwise.
   */
  private boolean weightGradientOnly(
      INDArray x,
      INDArray gradOut,
      INDArray towerWeights,
      INDArray towerGradWeights,
      INDArray towerGradBias,
      LayerWorkspaceMgr workspaceMgr) {
    ConvBlock.Convolution conv = block().getConvolution();
    long coveredH = (gradOut.size(2) - 1) * conv.stride() + conv.kernel() - 2L * conv.padding();
    long coveredW = (gradOut.size(3) - 1) * conv.stride() + conv.kernel() - 2L * conv.padding();
    boolean exact = coveredH == x.size(2) && coveredW == x.size(3);
    if (!exact && conv.padding() != 0) {
      return false;
    }
    INDArray covered =
        exact
            ? x
            : x.get(
                NDArrayIndex.all(),
                NDArrayIndex.all(),
                NDArrayIndex.interval(0, coveredH),
                NDArrayIndex.interval(0, coveredW));
    INDArray unused =
        workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, gradOut.shape(), 'c');
    // deconv2d's weights [kH, kW, its output channels, its input channels] are conv2d's [kH, kW,
    // iC, oC]
    Nd4j.exec(
        DynamicCustomOp.builder("deconv2d_bp")
            .addInputs(gradOut, towerWeights, covered)
            .addOutputs(unused, towerGradWeights)
            .addIntegerArguments(convArguments(conv))
            .build());
    towerGradBias.assign(gradOut.sum(0, 2, 3).reshape(towerGradBias.shape()));
    return true;
  }

  @Override
  public void clear() {
    super.clear();
    clearCache();
  }

  private void clearCache() {
    cachedInput = null;
    activated = null;
    normalised = null;
  }

  /** Channel slice {@code g} of {@code towers} of an NCHW array (a view). */
  private static INDArray channels(INDArray nchw, int g, long perTower, int towers) {
    if (towers == 1) {
      return nchw;
    }
    return nchw.get(
        NDArrayIndex.all(),
        NDArrayIndex.interval(g * perTower, (g + 1) * perTower),
        NDArrayIndex.all(),
        NDArrayIndex.all());
  }

  /** Slice {@code g} of {@code towers} along the last axis (output channels of W and b; a view). */
  private static INDArray lastAxis(INDArray array, int g, long perTower, int towers) {
    if (towers == 1) {
      return array;
    }
    INDArrayIndex[] index = new INDArrayIndex[array.rank()];
    for (int i = 0; i < index.length - 1; i++) {
      index[i] = NDArrayIndex.all();
    }
    index[index.length - 1] = NDArrayIndex.interval(g * perTower, (g + 1) * perTower);
    return array.get(index);
  }

  /**
   * conv2d's integer arguments: kernel, stride, padding, dilation 1, explicit padding, NCHW, [kH,
   * kW, iC, oC].
   */
  private static int[] convArguments(ConvBlock.Convolution conv) {
    return new int[] {
      conv.kernel(),
      conv.kernel(),
      conv.stride(),
      conv.stride(),
      conv.padding(),
      conv.padding(),
      1,
      1,
      0,
      0,
      0
    };
  }

  /**
   * maxpool2d's integer arguments: kernel, stride, no padding, dilation 1, explicit padding,
   * layout.
   */
  private static int[] poolArguments(ConvBlock.Pooling pool, boolean channelsLast) {
    return new int[] {
      pool.kernel(),
      pool.kernel(),
      pool.stride(),
      pool.stride(),
      0,
      0,
      1,
      1,
      0,
      0,
      channelsLast ? 1 : 0
    };
  }

  private static long outSize(long size, int kernel, int stride, int padding) {
    return (size + 2L * padding - kernel) / stride + 1;
  }
}

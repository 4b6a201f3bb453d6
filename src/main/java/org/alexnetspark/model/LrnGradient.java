package org.alexnetspark.model;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.alexnetspark.simd.VectorApi;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The gradient of local response normalisation across channels applied to a ReLU's output, {@code
 * b_i = a_i s_i^-beta} with {@code s_i = k + alpha * sum over the n channels j around i of a_j^2}
 * and {@code a = relu(z)}:
 *
 * <pre>
 * dL/da_m = g_m s_m^-beta - 2 alpha beta a_m * sum over the n channels i around m of g_i b_i / s_i
 * dL/dz_m = dL/da_m where a_m > 0, else 0
 * </pre>
 *
 * (the window is symmetric, so "m in the window of i" is "i in the window of m"). The ReLU's part
 * is one comparison in the same loop, rather than another pass over the array.
 *
 * <p>ND4J 1.0.0-M2.1's native {@code lrn_bp} does not compute this (it disagrees with finite
 * differences; tested in ConvBlockLayerTest), and a formulation in ND4J's element-wise ops over
 * channel views took seconds per minibatch; this is a direct loop over channels-last data, split
 * across threads by pixel, about as fast as the native op was.
 */
final class LrnGradient {
  /** Pixels copied in and out per step of the loop. */
  private static final int PIXELS_PER_CHUNK = 256;

  private LrnGradient() {}

  /**
   * Writes dL/dz into {@code gradInput}.
   *
   * @param activations a = relu(z), channels-last ({@code [N, H, W, C]}, 'c' order, contiguous)
   * @param gradOutput dL/db, same layout
   * @param gradInput the result, same layout
   * @param threads how many threads share the work
   */
  static void backwardThroughRelu(
      INDArray activations,
      INDArray gradOutput,
      INDArray gradInput,
      ConvBlock.Normalisation lrn,
      int threads) {
    if (activations.dataType() != DataType.FLOAT) {
      // Other precisions (double for gradient checks, half) go through float.
      INDArray result = Nd4j.create(DataType.FLOAT, gradInput.shape(), 'c');
      backwardThroughRelu(
          activations.castTo(DataType.FLOAT).dup('c'),
          gradOutput.castTo(DataType.FLOAT).dup('c'),
          result,
          lrn,
          threads);
      gradInput.assign(result.castTo(gradInput.dataType()));
      return;
    }
    for (INDArray array : new INDArray[] {activations, gradOutput, gradInput}) {
      if (array.ordering() != 'c'
          || array.elementWiseStride() != 1
          || array.dataType() != DataType.FLOAT
          || !Arrays.equals(array.shape(), activations.shape())) {
        throw new IllegalArgumentException(
            "LRN gradient: expected contiguous channels-last float arrays of "
                + Arrays.toString(activations.shape())
                + ", got "
                + array.shapeInfoToString());
      }
    }
    int channels = (int) activations.size(activations.rank() - 1);
    long pixels = activations.length() / channels;
    // On the CPU backend the loop reads and writes ND4J's memory in place; elsewhere it works on
    // copies.
    boolean direct = Nd4j.getEnvironment().isCPU();
    FloatBuffer a = buffer(activations, direct);
    FloatBuffer g = buffer(gradOutput, direct);
    FloatBuffer out =
        direct ? buffer(gradInput, true) : FloatBuffer.allocate((int) gradInput.length());
    long chunks = (pixels + PIXELS_PER_CHUNK - 1) / PIXELS_PER_CHUNK;
    int parts = (int) Math.max(1, Math.min(threads, chunks));
    IntStream.range(0, parts)
        .parallel()
        .forEach(
            part -> {
              Kernel kernel = Kernel.of(channels, lrn);
              long from = chunks * part / parts;
              long to = chunks * (part + 1) / parts;
              for (long chunk = from; chunk < to; chunk++) {
                long firstPixel = chunk * PIXELS_PER_CHUNK;
                int count = (int) Math.min(PIXELS_PER_CHUNK, pixels - firstPixel);
                kernel.run(a, g, out, (int) (firstPixel * channels), count);
              }
            });
    if (!direct) {
      gradInput.assign(Nd4j.create(out.array(), gradInput.shape(), 'c'));
    }
  }

  /** The array's data: its own off-heap memory on the CPU backend, else a copy. */
  private static FloatBuffer buffer(INDArray array, boolean direct) {
    if (direct) {
      FloatBuffer buffer = array.data().asNioFloat();
      return buffer.position((int) array.offset()).slice();
    }
    return FloatBuffer.wrap(array.data().asFloat(), (int) array.offset(), (int) array.length())
        .slice();
  }

  /**
   * One thread's buffers and the loop over a chunk of pixels: plain Java here, or the Vector API's
   * ({@link VectorLrnKernel}, the same floats) where the JVM has it.
   */
  abstract static class Kernel {
    final int channels;
    final int radius;
    final float k;
    final float alpha;
    final double beta;
    final float twoAlphaBeta;
    final float[] a;
    final float[] g;
    final float[] out;

    /** a^2, then g b / s, with radius zeros on either side. */
    final float[] padded;

    final float[] sum;
    final float[] scale;

    Kernel(int channels, ConvBlock.Normalisation lrn) {
      this.channels = channels;
      this.radius = lrn.n() / 2;
      this.k = (float) lrn.k();
      this.alpha = (float) lrn.alpha();
      this.beta = lrn.beta();
      this.twoAlphaBeta = (float) (2 * lrn.alpha() * lrn.beta());
      this.a = new float[PIXELS_PER_CHUNK * channels];
      this.g = new float[PIXELS_PER_CHUNK * channels];
      this.out = new float[PIXELS_PER_CHUNK * channels];
      this.padded = new float[channels + 2 * radius];
      this.sum = new float[channels];
      this.scale = new float[channels];
    }

    /** The fastest kernel this JVM can run. */
    static Kernel of(int channels, ConvBlock.Normalisation lrn) {
      return VectorApi.available()
          ? new VectorLrnKernel(channels, lrn)
          : new ScalarKernel(channels, lrn);
    }

    final void run(
        FloatBuffer aBuffer, FloatBuffer gBuffer, FloatBuffer outBuffer, int offset, int pixels) {
      int length = pixels * channels;
      aBuffer.get(offset, a, 0, length);
      gBuffer.get(offset, g, 0, length);
      compute(pixels);
      outBuffer.put(offset, out, 0, length);
    }

    /** {@code out} from {@code a} and {@code g} for the first {@code pixels} pixels. */
    abstract void compute(int pixels);
  }

  /** {@link Kernel} in plain Java. */
  static final class ScalarKernel extends Kernel {
    ScalarKernel(int channels, ConvBlock.Normalisation lrn) {
      super(channels, lrn);
    }

    @Override
    void compute(int pixels) {
      int c = channels;
      int width = 2 * radius;
      boolean paperBeta = beta == 0.75;
      for (int p = 0; p < pixels; p++) {
        int base = p * c;
        for (int i = 0; i < c; i++) {
          float v = a[base + i];
          padded[radius + i] = v * v;
        }
        windowSum(width);
        for (int i = 0; i < c; i++) {
          sum[i] = k + alpha * sum[i]; // s
        }
        // s^-beta; the paper's beta = 3/4 without pow (float square roots vectorise, pow does not)
        if (paperBeta) {
          for (int i = 0; i < c; i++) {
            float root = (float) Math.sqrt(sum[i]);
            scale[i] = 1f / (root * (float) Math.sqrt(root));
          }
        } else {
          for (int i = 0; i < c; i++) {
            scale[i] = (float) Math.pow(sum[i], -beta);
          }
        }
        for (int i = 0; i < c; i++) {
          sum[i] = scale[i] / sum[i]; // s^-beta / s
        }
        for (int i = 0; i < c; i++) {
          // g_i b_i / s_i = g_i a_i s_i^-beta / s_i
          padded[radius + i] = g[base + i] * a[base + i] * sum[i];
        }
        windowSum(width);
        for (int i = 0; i < c; i++) {
          float ai = a[base + i];
          out[base + i] = ai > 0 ? g[base + i] * scale[i] - twoAlphaBeta * ai * sum[i] : 0f;
        }
      }
    }

    /** sum[i] = padded[i] + ... + padded[i + width]: the window around channel i. */
    private void windowSum(int width) {
      int c = channels;
      System.arraycopy(padded, 0, sum, 0, c);
      for (int j = 1; j <= width; j++) {
        for (int i = 0; i < c; i++) {
          sum[i] += padded[i + j];
        }
      }
    }
  }
}

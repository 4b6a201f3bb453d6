package org.alexnetspark.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The LRN gradient's loop with the Vector API, across channels: the floats of {@link
 * LrnGradient.ScalarKernel}, operation by operation in the same order (no fused multiply-adds), so
 * every value is rounded the same way. Other values of beta than the paper's 3/4 (which needs a
 * power function whose vector form may round differently) run the plain loop. Load this class only
 * when {@code jdk.incubator.vector} is in the JVM.
 */
final class VectorLrnKernel extends LrnGradient.Kernel {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  /** g b / s with radius zeros on either side (the first window sum reads {@link #padded}). */
  private final float[] weighted;

  private final LrnGradient.ScalarKernel plain;

  VectorLrnKernel(int channels, ConvBlock.Normalisation lrn) {
    super(channels, lrn);
    this.weighted = new float[channels + 2 * radius];
    this.plain = lrn.beta() == 0.75 ? null : new LrnGradient.ScalarKernel(channels, lrn);
  }

  @Override
  void compute(int pixels) {
    if (plain != null) {
      System.arraycopy(a, 0, plain.a, 0, pixels * channels);
      System.arraycopy(g, 0, plain.g, 0, pixels * channels);
      plain.compute(pixels);
      System.arraycopy(plain.out, 0, out, 0, pixels * channels);
      return;
    }
    int c = channels;
    int width = 2 * radius;
    int step = FLOATS.length();
    int bound = FLOATS.loopBound(c);
    FloatVector one = FloatVector.broadcast(FLOATS, 1f);
    FloatVector zero = FloatVector.zero(FLOATS);
    for (int p = 0; p < pixels; p++) {
      int base = p * c;
      int i = 0;
      for (; i < bound; i += step) {
        FloatVector v = FloatVector.fromArray(FLOATS, a, base + i);
        v.mul(v).intoArray(padded, radius + i);
      }
      for (; i < c; i++) {
        float v = a[base + i];
        padded[radius + i] = v * v;
      }
      // s, s^-beta, s^-beta / s and g b / s, one vector of channels at a time.
      for (i = 0; i < bound; i += step) {
        FloatVector window = FloatVector.fromArray(FLOATS, padded, i);
        for (int j = 1; j <= width; j++) {
          window = window.add(FloatVector.fromArray(FLOATS, padded, i + j));
        }
        FloatVector s = window.mul(alpha).add(k);
        FloatVector root = s.sqrt();
        FloatVector power = one.div(root.mul(root.sqrt()));
        FloatVector ratio = power.div(s);
        power.intoArray(scale, i);
        ratio.intoArray(sum, i);
        FloatVector.fromArray(FLOATS, g, base + i)
            .mul(FloatVector.fromArray(FLOATS, a, base + i))
            .mul(ratio)
            .intoArray(weighted, radius + i);
      }
      for (; i < c; i++) {
        float window = padded[i];
        for (int j = 1; j <= width; j++) {
          window += padded[i + j];
        }
        float s = k + alpha * window;
        float root = (float) Math.sqrt(s);
        scale[i] = 1f / (root * (float) Math.sqrt(root));
        sum[i] = scale[i] / s;
        weighted[radius + i] = g[base + i] * a[base + i] * sum[i];
      }
      for (i = 0; i < bound; i += step) {
        FloatVector window = FloatVector.fromArray(FLOATS, weighted, i);
        for (int j = 1; j <= width; j++) {
          window = window.add(FloatVector.fromArray(FLOATS, weighted, i + j));
        }
        FloatVector ai = FloatVector.fromArray(FLOATS, a, base + i);
        FloatVector value =
            FloatVector.fromArray(FLOATS, g, base + i)
                .mul(FloatVector.fromArray(FLOATS, scale, i))
                .sub(ai.mul(twoAlphaBeta).mul(window));
        VectorMask<Float> active = ai.compare(VectorOperators.GT, 0f);
        zero.blend(value, active).intoArray(out, base + i);
      }
      for (; i < c; i++) {
        float window = weighted[i];
        for (int j = 1; j <= width; j++) {
          window += weighted[i + j];
        }
        float ai = a[base + i];
        out[base + i] = ai > 0 ? g[base + i] * scale[i] - twoAlphaBeta * ai * window : 0f;
      }
    }
  }
}

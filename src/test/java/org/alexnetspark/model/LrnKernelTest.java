package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.alexnetspark.simd.VectorApi;
import org.junit.jupiter.api.Test;

/**
 * The LRN gradient's Vector API loop against the plain one: bit for bit the same floats, for the
 * paper's channel counts per tower (48, 128, 192) and counts that are not a multiple of the vector
 * width, with negative (ReLU-cut) activations among them, and for another beta (plain loop inside).
 */
class LrnKernelTest {
  private static final ConvBlock.Normalisation PAPER =
      new ConvBlock.Normalisation(2, 5, 1e-4, 0.75);

  @Test
  void vectorisedGradientEqualsThePlainOneBitForBit() {
    assertTrue(VectorApi.available(), "the test JVM lacks --add-modules=jdk.incubator.vector");
    SplittableRandom random = new SplittableRandom(3);
    for (ConvBlock.Normalisation lrn :
        new ConvBlock.Normalisation[] {PAPER, new ConvBlock.Normalisation(1, 3, 0.01, 0.6)}) {
      for (int channels : new int[] {48, 128, 192, 20, 7, 1}) {
        LrnGradient.Kernel plain = new LrnGradient.ScalarKernel(channels, lrn);
        LrnGradient.Kernel vector = new VectorLrnKernel(channels, lrn);
        int pixels = 37;
        for (int i = 0; i < pixels * channels; i++) {
          // ReLU outputs with zeros and values on the paper's scale, and some negatives.
          float activation = (float) (random.nextDouble() < 0.3 ? 0 : random.nextGaussian() * 40);
          float gradient = (float) random.nextGaussian();
          plain.a[i] = vector.a[i] = activation;
          plain.g[i] = vector.g[i] = gradient;
        }
        plain.compute(pixels);
        vector.compute(pixels);
        float[] expected = java.util.Arrays.copyOf(plain.out, pixels * channels);
        float[] actual = java.util.Arrays.copyOf(vector.out, pixels * channels);
        assertArrayEquals(expected, actual, channels + " channels, " + lrn);
        boolean nonZero = false;
        for (float v : expected) {
          nonZero |= v != 0;
        }
        assertTrue(nonZero, "the gradient is not all zeros");
      }
    }
  }
}

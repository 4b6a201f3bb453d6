package org.alexnetspark.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.SplittableRandom;
import org.alexnetspark.config.AugmentConfig;
import org.alexnetspark.image.Image;
import org.junit.jupiter.api.Test;

class AugmenterTest {
  private static final int STORED = 8;
  private static final int CROP = 5;
  private static final double[][] EIGENVECTORS = {
    {0.6884511246796327, 0.3266925060476188, 0.6475392307958463},
    {-0.20253751417183627, 0.9438882424731898, -0.2608707363311685},
    {-0.6964291810948491, 0.048445765689063114, 0.7159884101760013}
  };
  private static final double[] EIGENVALUES = {0.306, 0.132, 0.043};

  /** Red = column, green = row, blue = 100 + column + 10 * row: every pixel says where it is. */
  private static Image positions() {
    byte[] bgr = new byte[3 * STORED * STORED];
    for (int y = 0; y < STORED; y++) {
      for (int x = 0; x < STORED; x++) {
        int p = 3 * (y * STORED + x);
        bgr[p] = (byte) (100 + x + 10 * y);
        bgr[p + 1] = (byte) y;
        bgr[p + 2] = (byte) x;
      }
    }
    return new Image(STORED, STORED, bgr);
  }

  private static Augmenter plain() {
    return new Augmenter(STORED, CROP, 0.5, new PcaLighting(EIGENVECTORS, EIGENVALUES, 0), null);
  }

  /** Checks that crop {@code index} of {@code out} is the window at (x0, y0), mirrored or not. */
  private static void assertCrop(float[] out, int index, int x0, int y0, boolean mirror) {
    int base = index * 3 * CROP * CROP;
    for (int y = 0; y < CROP; y++) {
      for (int x = 0; x < CROP; x++) {
        int sourceX = x0 + (mirror ? CROP - 1 - x : x);
        int sourceY = y0 + y;
        String where = "crop " + index + " at (" + x + "," + y + ")";
        assertEquals(sourceX, out[base + y * CROP + x], 0f, "red " + where);
        assertEquals(sourceY, out[base + CROP * CROP + y * CROP + x], 0f, "green " + where);
        assertEquals(
            100 + sourceX + 10 * sourceY,
            out[base + 2 * CROP * CROP + y * CROP + x],
            0f,
            "blue " + where);
      }
    }
  }

  @Test
  void centreCropIsTheMiddleWindowExactly() {
    float[] out = new float[3 * CROP * CROP];
    plain().apply(Preset.CENTRE, positions(), null, out, 0);
    assertCrop(out, 0, 1, 1, false);
  }

  @Test
  void tenCropIsFourCornersAndCentreThenTheirMirrors() {
    float[] out = new float[10 * 3 * CROP * CROP];
    plain().apply(Preset.TEN_CROP, positions(), null, out, 0);
    int[][] corners = {{0, 0}, {3, 0}, {0, 3}, {3, 3}, {1, 1}};
    for (int i = 0; i < 5; i++) {
      assertCrop(out, i, corners[i][0], corners[i][1], false);
      assertCrop(out, i + 5, corners[i][0], corners[i][1], true);
    }
  }

  @Test
  void trainCropsStayInsideMirrorAboutHalfTheTimeAndCoverEveryPosition() {
    Augmenter augmenter = plain();
    float[] out = new float[3 * CROP * CROP];
    int mirrored = 0;
    var positions = new HashSet<String>();
    for (int i = 0; i < 4000; i++) {
      CropWindow window = augmenter.trainWindow(Augmenter.random(11, 0, "image-" + i));
      augmenter.apply(Preset.TRAIN, positions(), Augmenter.random(11, 0, "image-" + i), out, 0);
      assertCrop(out, 0, window.x(), window.y(), window.mirror());
      mirrored += window.mirror() ? 1 : 0;
      positions.add(window.x() + "," + window.y());
    }
    assertEquals(2000, mirrored, 150);
    assertEquals(16, positions.size(), "every one of the 4x4 positions is drawn");
  }

  @Test
  void sameImageAndEpochGiveTheSameCropOtherEpochsAnother() {
    Augmenter augmenter =
        new Augmenter(STORED, CROP, 0.5, new PcaLighting(EIGENVECTORS, EIGENVALUES, 0.1), null);
    float[] first = new float[3 * CROP * CROP];
    float[] again = new float[3 * CROP * CROP];
    augmenter.apply(Preset.TRAIN, positions(), Augmenter.random(5, 3, "n01/a"), first, 0);
    augmenter.apply(Preset.TRAIN, positions(), Augmenter.random(5, 3, "n01/a"), again, 0);
    assertArrayEquals(first, again, 0f);
    int differing = 0;
    for (int epoch = 4; epoch < 14; epoch++) {
      float[] other = new float[3 * CROP * CROP];
      augmenter.apply(Preset.TRAIN, positions(), Augmenter.random(5, epoch, "n01/a"), other, 0);
      differing += Arrays.equals(first, other) ? 0 : 1;
    }
    assertEquals(10, differing, "each epoch draws a fresh augmentation");
  }

  @Test
  void pcaNoiseAddsExactlyTheExpectedOffsetToEveryPixel() {
    double std = 0.1;
    Augmenter augmenter =
        new Augmenter(STORED, CROP, 0.5, new PcaLighting(EIGENVECTORS, EIGENVALUES, std), null);
    float[] out = new float[3 * CROP * CROP];
    augmenter.apply(Preset.TRAIN, positions(), Augmenter.random(99, 2, "key"), out, 0);

    // The same draws, in the documented order: crop x, crop y, mirror, then a_1, a_2, a_3.
    SplittableRandom replay = Augmenter.random(99, 2, "key");
    int x0 = replay.nextInt(STORED - CROP + 1);
    int y0 = replay.nextInt(STORED - CROP + 1);
    boolean mirror = replay.nextDouble() < 0.5;
    double[] a = {
      std * replay.nextGaussian(), std * replay.nextGaussian(), std * replay.nextGaussian()
    };
    double[] expected = new double[3];
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 3; i++) {
        expected[c] += 255 * EIGENVECTORS[i][c] * a[i] * EIGENVALUES[i];
      }
    }
    assertTrue(Math.abs(expected[0]) > 0.01, "the noise is not negligible");
    for (int y = 0; y < CROP; y++) {
      for (int x = 0; x < CROP; x++) {
        int sourceX = x0 + (mirror ? CROP - 1 - x : x);
        int sourceY = y0 + y;
        int at = y * CROP + x;
        assertEquals(sourceX + expected[0], out[at], 1e-4);
        assertEquals(sourceY + expected[1], out[CROP * CROP + at], 1e-4);
        assertEquals(100 + sourceX + 10 * sourceY + expected[2], out[2 * CROP * CROP + at], 1e-4);
      }
    }
  }

  @Test
  void meanImageIsSubtractedAtTheSourcePixelAlsoWhenMirrored() {
    float[] mean = new float[3 * STORED * STORED];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = 0.25f * i;
    }
    Augmenter augmenter =
        new Augmenter(STORED, CROP, 1.0, new PcaLighting(EIGENVECTORS, EIGENVALUES, 0), mean);
    float[] out = new float[3 * CROP * CROP];
    CropWindow window = augmenter.trainWindow(Augmenter.random(1, 0, "m"));
    assertTrue(window.mirror(), "mirror probability 1");
    augmenter.apply(Preset.TRAIN, positions(), Augmenter.random(1, 0, "m"), out, 0);
    for (int y = 0; y < CROP; y++) {
      for (int x = 0; x < CROP; x++) {
        int sourceX = window.x() + CROP - 1 - x;
        int sourceY = window.y() + y;
        int source = sourceY * STORED + sourceX;
        assertEquals(sourceX - mean[source], out[y * CROP + x], 1e-5);
        assertEquals(
            sourceY - mean[STORED * STORED + source], out[CROP * CROP + y * CROP + x], 1e-5);
      }
    }
  }

  @Test
  void channelMeanModeSubtractsTheSameValueEverywhere() {
    Augmenter augmenter =
        Augmenter.of(
            new AugmentConfig(0, 0, AugmentConfig.MeanMode.CHANNEL, 1.0, 1),
            STORED,
            CROP,
            EIGENVECTORS,
            EIGENVALUES,
            null,
            new double[] {1, 2, 3});
    float[] out = new float[3 * CROP * CROP];
    augmenter.apply(Preset.CENTRE, positions(), null, out, 0);
    assertEquals(1 - 1f, out[0], 0f);
    assertEquals(1 - 2f, out[CROP * CROP], 0f);
    assertEquals(111 - 3f, out[2 * CROP * CROP], 0f);
    assertFalse(Arrays.equals(new float[out.length], out));
  }
}

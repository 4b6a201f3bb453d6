package org.alexnetspark.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.alexnetspark.image.Image;
import org.alexnetspark.io.Json;
import org.junit.jupiter.api.Test;

class RgbMomentsTest {

  /** A 2x2 image from RGB triples in row order. */
  static Image image(int[][] rgb) {
    byte[] bgr = new byte[12];
    for (int p = 0; p < 4; p++) {
      bgr[3 * p] = (byte) rgb[p][2];
      bgr[3 * p + 1] = (byte) rgb[p][1];
      bgr[3 * p + 2] = (byte) rgb[p][0];
    }
    return new Image(2, 2, bgr);
  }

  static final int[][] FIRST = {{10, 20, 30}, {40, 50, 60}, {70, 80, 90}, {255, 0, 128}};
  static final int[][] SECOND = {{0, 0, 0}, {255, 255, 255}, {12, 200, 7}, {99, 1, 250}};

  /** Reference values from numpy: px.mean(0), np.cov(px.T / 255), np.linalg.eigh. */
  @Test
  void matchesNumpyOnKnownPixels() {
    RgbMoments moments = new RgbMoments(2);
    moments.add(image(FIRST));
    moments.add(image(SECOND));
    DatasetStats stats = moments.finish();
    assertArrayEquals(new double[] {92.625, 75.75, 102.5}, stats.meanRgb(), 1e-12);
    double[][] covariance = {
      {0.17127450980392153, 0.042166749052562194, 0.12203328390179599},
      {0.042166749052562194, 0.150319108035371, 0.03374526281100676},
      {0.12203328390179599, 0.03374526281100676, 0.15929697369143736}
    };
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(covariance[i], stats.covariance()[i], 1e-12);
    }
    assertArrayEquals(
        new double[] {0.30606534154568865, 0.13194458093503753, 0.042880669050003706},
        stats.eigenvalues(),
        1e-12);
    assertArrayEquals(
        new double[] {0.6884511246796327, 0.3266925060476188, 0.6475392307958463},
        stats.eigenvectors()[0],
        1e-9);
    assertArrayEquals(
        new double[] {-0.20253751417183627, 0.9438882424731898, -0.2608707363311685},
        stats.eigenvectors()[1],
        1e-9);
    assertArrayEquals(
        new double[] {-0.6964291810948491, 0.048445765689063114, 0.7159884101760013},
        stats.eigenvectors()[2],
        1e-9);
    // Mean image planes R, G, B over the two images, pixel by pixel.
    assertArrayEquals(
        new float[] {5, 147.5f, 41, 177, 10, 152.5f, 140, 0.5f, 15, 157.5f, 48.5f, 189},
        moments.meanImage(),
        0f);
  }

  @Test
  void mergingPartialSumsGivesExactlyTheWhole() {
    RgbMoments whole = new RgbMoments(2);
    whole.add(image(FIRST));
    whole.add(image(SECOND));
    RgbMoments left = new RgbMoments(2);
    left.add(image(FIRST));
    RgbMoments right = new RgbMoments(2);
    right.add(image(SECOND));
    DatasetStats merged = left.merge(right).finish();
    assertEquals(Json.write(whole.finish()), Json.write(merged));
    assertArrayEquals(whole.meanImage(), left.meanImage(), 0f);
  }

  @Test
  void millionsOfImagesLoseNoPrecision() {
    RgbMoments moments = new RgbMoments(2);
    moments.add(image(FIRST));
    moments.add(image(SECOND));
    DatasetStats small = moments.finish();
    for (int i = 0; i < 21; i++) { // 2 * 2^21 = 4.2 million images
      RgbMoments copy = new RgbMoments(2);
      copy.merge(moments);
      moments.merge(copy);
    }
    assertEquals(2L << 21, moments.images());
    DatasetStats large = moments.finish();
    assertArrayEquals(small.meanRgb(), large.meanRgb(), 0.0);
    for (int i = 0; i < 3; i++) {
      // Sample covariance: n/(n-1) moves from 8/7 to almost 1; everything else is exact.
      for (int j = 0; j < 3; j++) {
        double population = small.covariance()[i][j] * 7 / 8;
        assertEquals(population, large.covariance()[i][j], 1e-7 * Math.abs(population) + 1e-15);
      }
    }
  }

  @Test
  void imagesOfAnotherSizeAreRefused() {
    RgbMoments moments = new RgbMoments(4);
    assertThrows(IllegalArgumentException.class, () -> moments.add(image(FIRST)));
  }
}

package org.alexnetspark.stats;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.Arrays;
import org.alexnetspark.image.Image;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

/**
 * Sums over RGB pixels from which the mean image, the channel means and the covariance follow.
 *
 * <p>Pixels are integers from 0 to 255, so every sum is kept exactly in 64-bit integers: over 1.2
 * million 256x256 images a channel sum stays below 2^44 and a product sum below 2^53, far from
 * overflow, and no precision is lost however many images are added or in which order partial sums
 * are merged. The covariance is finished in exact integer arithmetic before the one division.
 */
public final class RgbMoments implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int size;
  private long images;
  private long pixels;
  private final long[] sums = new long[3];

  /** rr, rg, rb, gg, gb, bb. */
  private final long[] products = new long[6];

  /** Per-pixel sums, RGB planes of size x size (channel, row, column). */
  private final long[] pixelSums;

  /** Moments of images that are all {@code size x size}. */
  public RgbMoments(int size) {
    this.size = size;
    this.pixelSums = new long[3 * size * size];
  }

  /** Adds every pixel of {@code image}, which must be {@code size x size}. */
  public void add(Image image) {
    if (image.width() != size || image.height() != size) {
      throw new IllegalArgumentException(
          "expected a "
              + size
              + "x"
              + size
              + " image, got "
              + image.width()
              + "x"
              + image.height());
    }
    byte[] bgr = image.bgr();
    int plane = size * size;
    long r = 0;
    long g = 0;
    long b = 0;
    long rr = 0;
    long rg = 0;
    long rb = 0;
    long gg = 0;
    long gb = 0;
    long bb = 0;
    for (int p = 0; p < plane; p++) {
      int blue = bgr[3 * p] & 0xff;
      int green = bgr[3 * p + 1] & 0xff;
      int red = bgr[3 * p + 2] & 0xff;
      r += red;
      g += green;
      b += blue;
      rr += red * red;
      rg += red * green;
      rb += red * blue;
      gg += green * green;
      gb += green * blue;
      bb += blue * blue;
      pixelSums[p] += red;
      pixelSums[plane + p] += green;
      pixelSums[2 * plane + p] += blue;
    }
    sums[0] += r;
    sums[1] += g;
    sums[2] += b;
    products[0] += rr;
    products[1] += rg;
    products[2] += rb;
    products[3] += gg;
    products[4] += gb;
    products[5] += bb;
    images++;
    pixels += plane;
  }

  /** Adds {@code other}'s sums into this one and returns this. */
  public RgbMoments merge(RgbMoments other) {
    if (other.size != size) {
      throw new IllegalArgumentException(
          "cannot merge moments of " + other.size + " and " + size + " pixel images");
    }
    images += other.images;
    pixels += other.pixels;
    for (int i = 0; i < 3; i++) {
      sums[i] += other.sums[i];
    }
    for (int i = 0; i < 6; i++) {
      products[i] += other.products[i];
    }
    for (int i = 0; i < pixelSums.length; i++) {
      pixelSums[i] += other.pixelSums[i];
    }
    return this;
  }

  public long images() {
    return images;
  }

  /** Mean of each channel, red, green, blue, in 0..255. */
  public double[] channelMeans() {
    double[] means = new double[3];
    for (int c = 0; c < 3; c++) {
      means[c] = (double) sums[c] / pixels;
    }
    return means;
  }

  /** The mean image in 0..255, RGB planes (channel, row, column). */
  public float[] meanImage() {
    float[] mean = new float[pixelSums.length];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = (float) ((double) pixelSums[i] / images);
    }
    return mean;
  }

  /**
   * The sample covariance (divided by n - 1, as numpy's {@code cov}) of RGB values scaled to [0,
   * 1]: {@code (n * S_jk - S_j * S_k) / (n (n - 1)) / 255^2}, exact until the final division.
   */
  public double[][] covariance() {
    if (pixels < 2) {
      throw new IllegalStateException("the covariance needs at least two pixels");
    }
    int[][] index = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};
    BigInteger n = BigInteger.valueOf(pixels);
    BigDecimal denominator =
        new BigDecimal(
            n.multiply(n.subtract(BigInteger.ONE)).multiply(BigInteger.valueOf(255L * 255L)));
    double[][] covariance = new double[3][3];
    for (int j = 0; j < 3; j++) {
      for (int k = 0; k < 3; k++) {
        BigInteger numerator =
            n.multiply(BigInteger.valueOf(products[index[j][k]]))
                .subtract(BigInteger.valueOf(sums[j]).multiply(BigInteger.valueOf(sums[k])));
        covariance[j][k] =
            new BigDecimal(numerator).divide(denominator, MathContext.DECIMAL128).doubleValue();
      }
    }
    return covariance;
  }

  /** The full statistics: means, mean image, covariance and its principal components. */
  public DatasetStats finish() {
    double[][] covariance = covariance();
    EigenDecomposition eigen = new EigenDecomposition(new Array2DRowRealMatrix(covariance));
    Integer[] order = {0, 1, 2};
    double[] values = eigen.getRealEigenvalues();
    Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
    double[] eigenvalues = new double[3];
    double[][] eigenvectors = new double[3][];
    for (int i = 0; i < 3; i++) {
      eigenvalues[i] = Math.max(0, values[order[i]]);
      double[] vector = eigen.getEigenvector(order[i]).toArray();
      // An eigenvector's sign is arbitrary: make its largest component positive, as a convention.
      int largest = 0;
      for (int c = 1; c < 3; c++) {
        if (Math.abs(vector[c]) > Math.abs(vector[largest])) {
          largest = c;
        }
      }
      if (vector[largest] < 0) {
        for (int c = 0; c < 3; c++) {
          vector[c] = -vector[c];
        }
      }
      eigenvectors[i] = vector;
    }
    return new DatasetStats(
        DatasetStats.FORMAT,
        images,
        pixels,
        size,
        channelMeans(),
        covariance,
        eigenvalues,
        eigenvectors,
        DatasetStats.SCALE,
        DatasetStats.MEAN_IMAGE_FILE,
        null);
  }
}

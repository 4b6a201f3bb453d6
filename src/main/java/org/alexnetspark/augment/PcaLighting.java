package org.alexnetspark.augment;

import java.io.Serializable;
import java.util.random.RandomGenerator;

/**
 * The paper's colour noise: to every pixel of an image add {@code sum_i p_i a_i l_i}, where {@code
 * p_i} and {@code l_i} are the eigenvectors and eigenvalues of the training set's RGB covariance
 * and {@code a_i ~ N(0, std)} is drawn once per image per pass. The eigenvalues are those of RGB
 * values scaled to [0, 1] (as in the widely used reference implementations), so the offset is
 * multiplied by 255 to apply to 0..255 pixels.
 */
public final class PcaLighting implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double[][] eigenvectors;
  private final double[] eigenvalues;
  private final double std;

  /**
   * @param eigenvectors {@code eigenvectors[i]} is the unit RGB vector of {@code eigenvalues[i]}
   * @param std standard deviation of the coefficients; 0 turns the noise off
   */
  public PcaLighting(double[][] eigenvectors, double[] eigenvalues, double std) {
    this.eigenvectors = eigenvectors.clone();
    this.eigenvalues = eigenvalues.clone();
    this.std = std;
  }

  /** Draws the three coefficients {@code a_i} (three Gaussian draws from {@code random}). */
  public double[] coefficients(RandomGenerator random) {
    return new double[] {
      std * random.nextGaussian(), std * random.nextGaussian(), std * random.nextGaussian()
    };
  }

  /** The RGB offset in 0..255 units for coefficients {@code a}. */
  public float[] offset(double[] a) {
    float[] rgb = new float[3];
    for (int c = 0; c < 3; c++) {
      double sum = 0;
      for (int i = 0; i < 3; i++) {
        sum += eigenvectors[i][c] * a[i] * eigenvalues[i];
      }
      rgb[c] = (float) (255 * sum);
    }
    return rgb;
  }

  public boolean enabled() {
    return std > 0;
  }
}

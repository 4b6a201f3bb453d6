package org.alexnetspark.config;

import java.io.Serializable;

/**
 * Training-time augmentation ({@code augment.*}); the crop size is the network input size.
 *
 * @param mirrorProbability probability of a horizontal mirror
 * @param pcaNoiseStd standard deviation of the PCA colour-noise coefficients
 * @param mean what is subtracted from every pixel
 * @param scale multiplier applied after mean subtraction (1: the paper's 0..255 scale)
 * @param seed seed from which every epoch's and image's random stream is derived
 * @param floatConversion where the crops' bytes become the network's floats
 */
public record AugmentConfig(
    double mirrorProbability,
    double pcaNoiseStd,
    MeanMode mean,
    double scale,
    long seed,
    FloatConversion floatConversion)
    implements Serializable {

  /** The paper's augmentation with the given seed, the crops converted where {@code auto} says. */
  public AugmentConfig(
      double mirrorProbability, double pcaNoiseStd, MeanMode mean, double scale, long seed) {
    this(mirrorProbability, pcaNoiseStd, mean, scale, seed, FloatConversion.AUTO);
  }

  /**
   * Where a crop's bytes become the network's floats (mean subtracted, colour noise added, scaled).
   * The values are the same bit for bit; only the place and the bytes moved differ.
   */
  public enum FloatConversion {
    /** {@link #BACKEND} on GPU backends, {@link #CPU} on ND4J's CPU backend. */
    AUTO("auto"),
    /**
     * In the augmentation loop, one pass per crop on the core that decoded it: the fastest on the
     * CPU backend, where the conversion needs the CPU either way.
     */
    CPU("cpu"),
    /**
     * The crops are handed to the worker as bytes (a quarter of the floats' size) and ND4J's
     * backend converts the whole minibatch at once: on the GPU, with the CUDA backend.
     */
    BACKEND("backend");

    private final String configName;

    FloatConversion(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  /** What is subtracted from every pixel before the network sees it. */
  public enum MeanMode {
    /** The per-pixel mean image of the training set (the paper). */
    IMAGE("image"),
    /** The per-channel mean of the training set. */
    CHANNEL("channel"),
    /** Nothing. */
    NONE("none");

    private final String configName;

    MeanMode(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  static AugmentConfig read(ConfigReader in) {
    return new AugmentConfig(
        in.number(
            "augment.mirror-probability", v -> v >= 0 && v <= 1, "must be a probability in [0, 1]"),
        in.number("augment.pca-noise-std", v -> v >= 0, "must be a number >= 0"),
        in.choice("augment.mean", MeanMode.class, MeanMode.IMAGE),
        in.number("augment.scale", v -> v > 0, "must be a number > 0"),
        in.longValue("augment.seed", v -> true, "must be a whole number"),
        in.choice("augment.float-conversion", FloatConversion.class, FloatConversion.AUTO));
  }
}

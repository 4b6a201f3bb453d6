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
 */
public record AugmentConfig(
    double mirrorProbability, double pcaNoiseStd, MeanMode mean, double scale, long seed)
    implements Serializable {

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
        in.longValue("augment.seed", v -> true, "must be a whole number"));
  }
}

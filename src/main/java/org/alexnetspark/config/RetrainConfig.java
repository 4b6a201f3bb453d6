package org.alexnetspark.config;

import java.io.Serializable;

/**
 * Scheduled retraining ({@code retrain.*}).
 *
 * @param margin how much worse (top-1 error, a fraction) a candidate may be and still be promoted
 */
public record RetrainConfig(double margin) implements Serializable {

  static RetrainConfig read(ConfigReader in) {
    return new RetrainConfig(
        in.number(
            "retrain.margin",
            v -> v >= 0 && v < 1,
            "must be a fraction in [0, 1), e.g. 0.005 for half a percentage point"));
  }
}

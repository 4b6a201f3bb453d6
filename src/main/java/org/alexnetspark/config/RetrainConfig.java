package org.alexnetspark.config;

import java.io.Serializable;
import java.util.List;

/**
 * Scheduled retraining ({@code retrain.*}): the fine-tuning recipe a warm start trains with, the
 * gate a candidate must pass to replace the current version, and how long registry writers wait for
 * each other.
 *
 * @param epochs epochs of fine-tuning from the current version
 * @param learningRate the fine-tuning rate (constant, but for the last epoch)
 * @param lastEpochFactor the last epoch's rate is {@code learningRate} times this
 * @param timeBudgetMinutes fine-tuning ends after the last epoch that fits in this many minutes (0:
 *     no limit)
 * @param gate the promotion gate
 * @param lockTimeoutMinutes how long a writer waits for the registry's lock before giving up
 */
public record RetrainConfig(
    int epochs,
    double learningRate,
    double lastEpochFactor,
    double timeBudgetMinutes,
    Gate gate,
    double lockTimeoutMinutes)
    implements Serializable {

  /** What a candidate must show to be promoted ({@code retrain.gate.require}). */
  public enum Require {
    /** Significantly fewer top-1 mistakes than the current version (McNemar). */
    BETTER("better"),
    /** At least as many right answers, and not significantly more mistakes. */
    NOT_WORSE("not-worse");

    private final String configName;

    Require(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  /**
   * {@code retrain.gate.*}.
   *
   * @param require what the paired test must show
   * @param significance the two-sided significance level of McNemar's exact test
   * @param maxClassDrop the largest drop of any one class's ten-crop top-1 accuracy (a fraction)
   */
  public record Gate(Require require, double significance, double maxClassDrop)
      implements Serializable {}

  /** The configuration overrides that turn the training recipe into the fine-tuning one. */
  public List<String> trainingOverrides() {
    return List.of(
        "train.epochs = " + epochs,
        "optimizer.learning-rate = " + learningRate,
        "train.schedule.type = step",
        "train.schedule.step-epochs = []",
        "train.schedule.last-epoch-factor = " + lastEpochFactor,
        "train.time-budget = " + timeBudgetMinutes);
  }

  static RetrainConfig read(ConfigReader in) {
    return new RetrainConfig(
        in.integer("retrain.epochs", v -> v >= 1, "must be a whole number >= 1"),
        in.number("retrain.learning-rate", v -> v > 0, "must be a number > 0"),
        in.number(
            "retrain.last-epoch-factor",
            v -> v > 0 && v <= 1,
            "must be a number in (0, 1]; 1 leaves the last epoch's rate alone"),
        in.number("retrain.time-budget", v -> v >= 0, "must be a number of minutes >= 0 (0: none)"),
        new Gate(
            in.choice("retrain.gate.require", Require.class, Require.BETTER),
            in.number(
                "retrain.gate.significance",
                v -> v > 0 && v < 1,
                "must be a probability in (0, 1), e.g. 0.05"),
            in.number(
                "retrain.gate.max-class-drop",
                v -> v >= 0 && v <= 1,
                "must be a fraction in [0, 1], e.g. 0.05 for five percentage points")),
        in.number("retrain.lock-timeout", v -> v > 0, "must be a number of minutes > 0, e.g. 15"));
  }
}

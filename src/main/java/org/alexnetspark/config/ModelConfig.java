package org.alexnetspark.config;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * The network: variant, class count, geometry, normalisation, dropout and initialisation ({@code
 * model.*}).
 *
 * @param variant which AlexNet to build
 * @param classes width of the softmax output
 * @param inputSize network input side for {@code paper} and {@code single-tower}
 * @param scaled geometry of the {@code scaled} variant
 * @param lrn local response normalisation after conv1 and conv2
 * @param dropout probability of dropping an output of FC6 and FC7 while training
 * @param initScheme how each layer's weight standard deviation is chosen
 * @param weightStd standard deviation of the zero-mean normal every weight is drawn from ({@link
 *     InitScheme#NORMAL} only)
 * @param biasOneLayers layers whose biases start at 1 (all others start at 0)
 * @param seed seed of the parameter initialisation
 */
public record ModelConfig(
    ModelVariant variant,
    int classes,
    int inputSize,
    Scaled scaled,
    Lrn lrn,
    double dropout,
    InitScheme initScheme,
    double weightStd,
    Set<String> biasOneLayers,
    long seed)
    implements Serializable {

  /** The learned layers, in order; names used by {@code model.init.bias-one-layers}. */
  public static final List<String> LEARNED_LAYERS =
      List.of("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8");

  /**
   * Smallest input the topology accepts: conv1 (11x11, stride 4) and the three 3x3/2 poolings must
   * leave at least one pixel after pool5.
   */
  public static final int MIN_INPUT_SIZE = 67;

  public ModelConfig {
    biasOneLayers = Set.copyOf(biasOneLayers);
  }

  /** How the weights are initialised ({@code model.init.scheme}). */
  public enum InitScheme {
    /** Every weight from N(0, weight-std^2), the paper's rule. */
    NORMAL("normal"),
    /**
     * Per layer N(0, 2 / fan-in) for the ReLU layers (He et al. 2015) and N(0, 1 / fan-in) for the
     * softmax layer, fan-in counting only the inputs a filter sees (its own tower's half).
     */
    HE("he");

    private final String configName;

    InitScheme(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  /** Geometry of the {@code scaled} variant. */
  public record Scaled(int inputSize, double widthMultiplier, int fcWidth)
      implements Serializable {}

  /** LRN: {@code b = a / (k + alpha * sum over n adjacent channels of a^2)^beta}. */
  public record Lrn(double k, int n, double alpha, double beta) implements Serializable {}

  /** Side of the square network input (the training crop) of the configured variant. */
  public int networkInputSize() {
    return variant == ModelVariant.SCALED ? scaled.inputSize() : inputSize;
  }

  /** Multiplier on the paper's convolution widths (1 unless scaled). */
  public double widthMultiplier() {
    return variant == ModelVariant.SCALED ? scaled.widthMultiplier() : 1.0;
  }

  /** Width of FC6 and FC7 (4096 unless scaled). */
  public int fcWidth() {
    return variant == ModelVariant.SCALED ? scaled.fcWidth() : 4096;
  }

  static ModelConfig read(ConfigReader in) {
    ModelVariant variant = in.choice("model.variant", ModelVariant.class, ModelVariant.PAPER);
    int classes = in.integer("model.classes", v -> v >= 2, "must be a whole number >= 2");
    String inputRule =
        "must be a whole number >= "
            + MIN_INPUT_SIZE
            + " (smaller inputs leave no pixel after pool5)";
    int inputSize = in.integer("model.input-size", v -> v >= MIN_INPUT_SIZE, inputRule);
    Scaled scaled =
        new Scaled(
            in.integer("model.scaled.input-size", v -> v >= MIN_INPUT_SIZE, inputRule),
            in.number(
                "model.scaled.width-multiplier",
                v -> v > 0 && v <= 4,
                "must be a number in (0, 4]"),
            in.integer("model.scaled.fc-width", v -> v >= 1, "must be a whole number >= 1"));
    Lrn lrn =
        new Lrn(
            in.number("model.lrn.k", v -> v >= 0, "must be a number >= 0"),
            in.integer(
                "model.lrn.n",
                v -> v >= 1 && v % 2 == 1,
                "must be an odd whole number >= 1 (the window is centred on each channel)"),
            in.number("model.lrn.alpha", v -> v >= 0, "must be a number >= 0"),
            in.number("model.lrn.beta", v -> v >= 0, "must be a number >= 0"));
    double dropout =
        in.number("model.dropout", v -> v >= 0 && v < 1, "must be a probability in [0, 1)");
    InitScheme initScheme = in.choice("model.init.scheme", InitScheme.class, InitScheme.NORMAL);
    double weightStd = in.number("model.init.weight-std", v -> v > 0, "must be a number > 0");
    List<String> biasOne = in.strings("model.init.bias-one-layers");
    for (String layer : biasOne) {
      if (!LEARNED_LAYERS.contains(layer)) {
        in.problem(
            "model.init.bias-one-layers",
            "'"
                + in.shown("model.init.bias-one-layers", layer)
                + "' is not a layer; allowed: "
                + String.join(", ", LEARNED_LAYERS));
      }
    }
    long seed = in.longValue("model.seed", v -> true, "must be a whole number");
    return new ModelConfig(
        variant,
        classes,
        inputSize,
        scaled,
        lrn,
        dropout,
        initScheme,
        weightStd,
        Set.copyOf(biasOne),
        seed);
  }
}

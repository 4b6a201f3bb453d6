package org.alexnetspark.config;

import java.io.Serializable;

/**
 * Stochastic gradient descent with classic momentum and L2 weight decay ({@code optimizer.*}):
 * {@code v <- momentum v - weightDecay lr w - lr grad; w <- w + v}.
 *
 * @param learningRate initial step size
 * @param momentum classic (not Nesterov) momentum
 * @param weightDecay L2 coefficient on weights (not biases)
 */
public record OptimizerConfig(double learningRate, double momentum, double weightDecay)
    implements Serializable {

  static OptimizerConfig read(ConfigReader in) {
    return new OptimizerConfig(
        in.number("optimizer.learning-rate", v -> v > 0, "must be a number > 0"),
        in.number("optimizer.momentum", v -> v >= 0 && v < 1, "must be a number in [0, 1)"),
        in.number("optimizer.weight-decay", v -> v >= 0, "must be a number >= 0"));
  }
}

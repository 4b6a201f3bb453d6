package org.alexnetspark.train.averaging;

import java.io.Serializable;
import org.alexnetspark.config.TrainConfig;

/**
 * What every worker of one round reads: a compact copy of the driver's parameters (and momentum),
 * never the driver's live arrays, plus what a replica needs to match the driver's network.
 */
final class RoundBroadcast implements Serializable {
  private static final long serialVersionUID = 1L;

  final String runId;
  final int round;

  /** The network's configuration as JSON with its iteration and epoch counts zeroed. */
  final String configuration;

  final int iterationCount;
  final int epochCount;
  final Payload parameters;

  /** Null unless momentum is {@link TrainConfig.Momentum#AVERAGED}. */
  final Payload momentum;

  RoundBroadcast(
      String runId,
      int round,
      String configuration,
      int iterationCount,
      int epochCount,
      Payload parameters,
      Payload momentum) {
    this.runId = runId;
    this.round = round;
    this.configuration = configuration;
    this.iterationCount = iterationCount;
    this.epochCount = epochCount;
    this.parameters = parameters;
    this.momentum = momentum;
  }
}

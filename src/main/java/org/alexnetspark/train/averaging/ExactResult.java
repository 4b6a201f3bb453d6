package org.alexnetspark.train.averaging;

import java.io.Serializable;
import org.alexnetspark.config.TrainConfig;
import org.deeplearning4j.spark.api.TrainingResult;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;

/**
 * One worker's result of one round: how many minibatches it fitted, its loss, whether everything it
 * returns is finite, and its parameters (and momentum) as compact payloads. In {@link
 * TrainConfig.Precision#FP16} the payloads hold the change since the broadcast (a delta), in FP32
 * the values themselves.
 */
public final class ExactResult implements TrainingResult, Serializable {
  private static final long serialVersionUID = 1L;

  final String runId;
  final int round;
  final int partition;
  final int attempt;
  final String executor;
  final int received;
  final int fitted;
  final double lossSum;
  final boolean finite;
  final String problem;
  final Payload parameters;
  final Payload momentum;
  final boolean delta;

  /**
   * Seconds: broadcast value, replica (borrow or create), setting parameters, waiting for data,
   * fitting, checks, encoding.
   */
  final double[] seconds;

  final boolean replicaCreated;

  /**
   * {@link TrainConfig.Transport#BLOCKS}: names of the blocks holding the payloads' bytes, else
   * null.
   */
  final String parametersBlock;

  final String momentumBlock;
  private SparkTrainingStats stats;

  ExactResult(
      String runId,
      int round,
      int partition,
      int attempt,
      String executor,
      int received,
      int fitted,
      double lossSum,
      boolean finite,
      String problem,
      Payload parameters,
      Payload momentum,
      boolean delta,
      double[] seconds,
      boolean replicaCreated,
      String parametersBlock,
      String momentumBlock) {
    this.runId = runId;
    this.round = round;
    this.partition = partition;
    this.attempt = attempt;
    this.executor = executor;
    this.received = received;
    this.fitted = fitted;
    this.lossSum = lossSum;
    this.finite = finite;
    this.problem = problem;
    this.parameters = parameters;
    this.momentum = momentum;
    this.delta = delta;
    this.seconds = seconds;
    this.replicaCreated = replicaCreated;
    this.parametersBlock = parametersBlock;
    this.momentumBlock = momentumBlock;
  }

  /** This result with the payloads' bytes read from their blocks, or null if a block is lost. */
  ExactResult withBlocks() {
    if (parametersBlock == null) {
      return this;
    }
    Payload p = BlockTransport.fetch(parametersBlock, parameters);
    Payload m = momentumBlock == null ? null : BlockTransport.fetch(momentumBlock, momentum);
    if (p == null || (momentumBlock != null && m == null)) {
      return null;
    }
    return new ExactResult(
        runId,
        round,
        partition,
        attempt,
        executor,
        received,
        fitted,
        lossSum,
        finite,
        problem,
        p,
        m,
        delta,
        seconds,
        replicaCreated,
        null,
        null);
  }

  @Override
  public void setStats(SparkTrainingStats stats) {
    this.stats = stats;
  }

  public SparkTrainingStats stats() {
    return stats;
  }

  public int fitted() {
    return fitted;
  }

  public long bytes() {
    return (parameters == null ? 0 : parameters.bytes())
        + (momentum == null ? 0 : momentum.bytes());
  }

  /** Timing labels of {@link #seconds}. */
  static final String[] TIMINGS = {"broadcast", "replica", "set", "wait", "fit", "check", "encode"};

  /**
   * Why this result of slice {@code slice} was refused (it was not finite), for the round's log.
   */
  String problemOf(int slice) {
    return "slice "
        + slice
        + " (attempt "
        + attempt
        + ", executor "
        + executor
        + ", "
        + fitted
        + " minibatches): "
        + problem;
  }
}

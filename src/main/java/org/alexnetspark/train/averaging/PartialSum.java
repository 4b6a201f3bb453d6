package org.alexnetspark.train.averaging;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.TreeSet;
import org.alexnetspark.config.TrainConfig.Precision;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The sum of some workers' results of one round, as it travels up the tree of {@link
 * org.alexnetspark.config.TrainConfig.Combine#TREE}: the summed payloads (at the round's
 * precision), which slices went into them, what they fitted, the results refused (not finite,
 * attributed to slice, attempt and executor), and the bytes moved so far ({@link NodeBytes}).
 *
 * <p>Adding two sums is commutative and associative up to float rounding, and each slice's result
 * enters exactly once: Spark's shuffle hands each map output to its reducer once, whatever attempts
 * and recomputations happened. A sum that turns out not finite is refused as a whole, naming its
 * slices; it is never half used.
 */
final class PartialSum implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The node the sum was made on. */
  String node = NodeBytes.DRIVER;

  /** Summed payloads; null in an empty sum or one with nothing averaged. */
  Payload parameters;

  Payload momentum;
  int averaged;
  long fitted;
  long fittedAll;
  int maxFitted;
  double lossSum;
  double maxFit;
  int created;
  long resultBytes;
  ArrayList<Integer> slices = new ArrayList<>();
  ArrayList<String> problems = new ArrayList<>();
  ArrayList<double[]> workerSeconds = new ArrayList<>();
  TreeSet<String> fittedOn = new TreeSet<>();
  NodeBytes bytes = new NodeBytes();

  /** A worker's result of slice {@code slice}, made where the worker ran. */
  static PartialSum of(ExactResult result, int slice) {
    PartialSum sum = new PartialSum();
    sum.node = NodeBytes.here();
    sum.slices.add(slice);
    sum.fittedOn.add(sum.node);
    sum.fittedAll = result.fitted;
    sum.workerSeconds.add(result.seconds);
    sum.maxFit = result.seconds[4];
    sum.created = result.replicaCreated ? 1 : 0;
    sum.resultBytes = result.bytes();
    if (!result.finite) {
      sum.problems.add(result.problemOf(slice));
      return sum;
    }
    sum.parameters = result.parameters;
    sum.momentum = result.momentum;
    sum.averaged = 1;
    sum.fitted = result.fitted;
    sum.maxFitted = result.fitted;
    sum.lossSum = result.lossSum;
    return sum;
  }

  long payloadBytes() {
    return (parameters == null ? 0 : parameters.bytes())
        + (momentum == null ? 0 : momentum.bytes());
  }

  boolean isEmpty() {
    return slices.isEmpty();
  }

  /**
   * {@code a} + {@code b}, made on the node this runs on: the payloads of inputs made elsewhere are
   * counted as sent from there to here. Either input may be changed and returned.
   */
  static PartialSum add(PartialSum a, PartialSum b, Precision precision) {
    String here = NodeBytes.here();
    if (b.isEmpty()) {
      return moveHere(a, here);
    }
    if (a.isEmpty()) {
      return moveHere(b, here);
    }
    a = moveHere(a, here);
    b = moveHere(b, here);
    PartialSum sum = a;
    sum.bytes.add(b.bytes);
    sum.slices.addAll(b.slices);
    sum.problems.addAll(b.problems);
    sum.workerSeconds.addAll(b.workerSeconds);
    sum.fittedOn.addAll(b.fittedOn);
    sum.fittedAll += b.fittedAll;
    sum.maxFit = Math.max(a.maxFit, b.maxFit);
    sum.created += b.created;
    sum.resultBytes += b.resultBytes;
    if (b.parameters == null) {
      return sum;
    }
    if (a.parameters == null) {
      sum.parameters = b.parameters;
      sum.momentum = b.momentum;
    } else {
      StringBuilder problem = new StringBuilder();
      sum.parameters = added(a.parameters, b.parameters, precision, "parameters", problem);
      if (a.momentum != null) {
        sum.momentum = added(a.momentum, b.momentum, precision, "momentum", problem);
      }
      if (problem.length() > 0) {
        sum.problems.add(
            "sum of slices "
                + new TreeSet<>(sum.slices)
                + " (executors "
                + sum.fittedOn
                + ", added on "
                + here
                + "): "
                + problem);
        sum.parameters = null;
        sum.momentum = null;
        sum.averaged = 0;
        sum.fitted = 0;
        sum.maxFitted = 0;
        sum.lossSum = 0;
        return sum;
      }
    }
    sum.averaged += b.averaged;
    sum.fitted += b.fitted;
    sum.maxFitted = Math.max(sum.maxFitted, b.maxFitted);
    sum.lossSum += b.lossSum;
    return sum;
  }

  /** The sum as read on {@code here}: counted as sent there if it was made elsewhere. */
  private static PartialSum moveHere(PartialSum sum, String here) {
    if (!sum.node.equals(here)) {
      sum.bytes.send(sum.node, here, sum.payloadBytes());
      sum.node = here;
    }
    return sum;
  }

  private static Payload added(
      Payload a, Payload b, Precision precision, String what, StringBuilder problem) {
    INDArray values = Nd4j.createUninitialized(DataType.FLOAT, 1, a.length());
    try {
      a.decodeInto(values);
      b.addInto(values);
      ExactWorker.checkFinite(what, values, problem);
      return Payload.encode(values, precision);
    } finally {
      values.close();
    }
  }
}

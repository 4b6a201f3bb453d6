package org.alexnetspark.train.averaging;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The worker replicas of this JVM, kept between rounds (and between Spark jobs) so that a round
 * only sets parameters into an existing network instead of building one. Replicas are keyed by run
 * and device (the GPU address of the task, or "cpu"): a task borrows one for its duration, so two
 * concurrent tasks of an executor never share a replica, and at most as many replicas exist as
 * tasks ran at once. Only the latest run's replicas are kept.
 */
final class ReplicaPool {
  /** A worker's network and its scratch space. */
  static final class Replica {
    final String runId;
    final String device;
    final ComputationGraph network;

    /** The configuration it was built from (iteration and epoch counts zeroed). */
    final String configuration;

    /** FP16 deltas: the parameters and momentum the round started from. */
    INDArray startParameters;

    INDArray startMomentum;

    /** Local momentum: the state before the current attempt fitted anything. */
    INDArray savedMomentum;

    Replica(String runId, String device, ComputationGraph network, String configuration) {
      this.runId = runId;
      this.device = device;
      this.network = network;
      this.configuration = configuration;
    }
  }

  private static final Map<String, Deque<Replica>> FREE = new HashMap<>();
  private static String currentRun;

  private ReplicaPool() {}

  /** A free replica of this run on this device, or null if none is free. */
  static synchronized Replica borrow(String runId, String device) {
    if (!runId.equals(currentRun)) {
      for (Deque<Replica> replicas : FREE.values()) {
        for (Replica replica : replicas) {
          replica.network.close();
        }
      }
      FREE.clear();
      currentRun = runId;
    }
    Deque<Replica> free = FREE.get(device);
    return free == null ? null : free.pollFirst();
  }

  /** Gives a replica back after a task (also after a failed one: the next round resets it). */
  static synchronized void release(Replica replica) {
    if (!replica.runId.equals(currentRun)) {
      replica.network.close();
      return;
    }
    FREE.computeIfAbsent(replica.device, d -> new ArrayDeque<>()).addFirst(replica);
  }

  /** Drops a replica that no longer matches the driver's configuration. */
  static void discard(Replica replica) {
    replica.network.close();
  }

  /** Replicas currently free in this JVM (tests). */
  static synchronized int free() {
    return FREE.values().stream().mapToInt(Deque::size).sum();
  }
}

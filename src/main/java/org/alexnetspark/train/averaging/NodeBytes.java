package org.alexnetspark.train.averaging;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * Payload bytes each node of the cluster sent and received in one round: the driver and every
 * executor (by Spark executor id). Bytes are counted when a payload goes from one node to another
 * (a result read by the driver, a partial sum read by the executor adding it up, the broadcast read
 * by an executor); payloads staying in a JVM count nothing.
 *
 * <p>The broadcast counts once out of the driver and once into each executor that ran a task:
 * Spark's torrent broadcast lets executors fetch its pieces from one another, so once is what the
 * driver must at least send.
 */
public final class NodeBytes implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The driver's name among the nodes. */
  public static final String DRIVER = "driver";

  /** Node → {bytes in, bytes out}. */
  private final TreeMap<String, long[]> nodes = new TreeMap<>();

  /** The node this code runs on: the driver outside tasks, else the task's executor id. */
  static String here() {
    if (TaskContext.get() == null || SparkEnv.get() == null) {
      return DRIVER;
    }
    // In local mode the tasks run in the driver's JVM, whose executor is also called "driver".
    return executorNode(SparkEnv.get().executorId());
  }

  /** A node's name for Spark executor {@code id}. */
  static String executorNode(String id) {
    return DRIVER.equals(id) ? "local executor" : id;
  }

  /** Counts the round's broadcast: once out of the driver, once into each executor that used it. */
  void broadcast(long bytes, Iterable<String> executors) {
    boolean any = false;
    for (String executor : executors) {
      if (!executor.equals(DRIVER)) {
        nodes.computeIfAbsent(executor, n -> new long[2])[0] += bytes;
        any = true;
      }
    }
    if (any) {
      nodes.computeIfAbsent(DRIVER, n -> new long[2])[1] += bytes;
    }
  }

  /** Counts {@code bytes} going from {@code from} to {@code to} (nothing if they are the same). */
  void send(String from, String to, long bytes) {
    if (from.equals(to) || bytes == 0) {
      return;
    }
    nodes.computeIfAbsent(from, n -> new long[2])[1] += bytes;
    nodes.computeIfAbsent(to, n -> new long[2])[0] += bytes;
  }

  /** Adds another ledger's counts to this one. */
  void add(NodeBytes other) {
    other.nodes.forEach(
        (node, bytes) -> {
          long[] mine = nodes.computeIfAbsent(node, n -> new long[2]);
          mine[0] += bytes[0];
          mine[1] += bytes[1];
        });
  }

  /** The counts of several rounds added up. */
  public static NodeBytes sum(Iterable<NodeBytes> rounds) {
    NodeBytes total = new NodeBytes();
    for (NodeBytes round : rounds) {
      total.add(round);
    }
    return total;
  }

  public long driverIn() {
    return nodes.getOrDefault(DRIVER, new long[2])[0];
  }

  public long driverOut() {
    return nodes.getOrDefault(DRIVER, new long[2])[1];
  }

  /** Executors' {bytes in, bytes out}, by executor id. */
  public Map<String, long[]> executors() {
    Map<String, long[]> executors = new TreeMap<>();
    nodes.forEach(
        (node, bytes) -> {
          if (!DRIVER.equals(node)) {
            executors.put(node, bytes.clone());
          }
        });
    return executors;
  }

  /** The largest in + out of one executor (0 without executors). */
  public long busiestExecutor() {
    return executors().values().stream().mapToLong(b -> b[0] + b[1]).max().orElse(0);
  }

  /** For the round's log line: driver and each executor, in and out, in MB. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<String, long[]> e : nodes.entrySet()) {
      if (s.length() > 0) {
        s.append(", ");
      }
      s.append(DRIVER.equals(e.getKey()) ? "driver" : "executor " + e.getKey())
          .append(
              String.format(
                  Locale.ROOT, " %.1f/%.1f", e.getValue()[0] / 1e6, e.getValue()[1] / 1e6));
    }
    return s.append(" MB in/out").toString();
  }
}

package org.alexnetspark.plan;

import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.config.TrainConfig.Combine;

/**
 * What one averaging round moves and costs on a cluster of {@code executors} executors with {@code
 * gpusPerExecutor} workers each (one Spark task per GPU), for a payload of {@code payloadBytes}
 * (parameters, plus momentum when it is averaged, at the wire precision).
 *
 * <p>Bytes per round, counted as {@link org.alexnetspark.train.averaging.NodeBytes} counts them:
 *
 * <ul>
 *   <li>{@link Combine#DRIVER}: the driver sends the broadcast once (torrent: executors share the
 *       rest) and receives every worker's payload: {@code (W + 1) x payload} for W workers. The
 *       busiest executor receives the broadcast and sends one payload per worker it runs.
 *   <li>{@link Combine#TREE}: the workers of each executor add their payloads up there, then
 *       Spark's treeAggregate of depth d over the E executors' sums: levels of reducers, each
 *       taking the sums whose index falls on it, the last reducer on an executor; the driver sends
 *       the broadcast and receives one sum: {@code 2 x payload}, whatever E. The busiest executor
 *       (a bound: every sum it reads counted as remote) receives the broadcast and the largest
 *       fan-in of the tree and sends one sum (its workers', or the total into the driver).
 * </ul>
 *
 * <p>Time on the links, a lower bound (links at their full rate, transfers of one step in
 * parallel): driver: {@code (W + 1) x payload / link}; tree: the broadcast, each level's largest
 * fan-in, and the sum into the driver, one after the other. Averaging's share of wall time at
 * frequency F: {@code t / (t + F x batch / rate)}.
 *
 * @param executors executors
 * @param gpusPerExecutor workers (GPUs) per executor
 * @param payloadBytes bytes of one worker's payload
 * @param combine where results are added up
 * @param treeDepth levels of the tree ({@link Combine#TREE})
 * @param linkGbps every node's network link, Gb/s
 * @param imagesPerSecond one GPU's training rate
 * @param batch minibatch per worker
 */
public record CostModel(
    int executors,
    int gpusPerExecutor,
    long payloadBytes,
    Combine combine,
    int treeDepth,
    double linkGbps,
    double imagesPerSecond,
    int batch) {

  /** Named GPUs and their AlexNet training rates (images/s), as the docs cite them. */
  public enum Gpu {
    K40C("K40c", 260),
    TITAN_X_MAXWELL("titan-x-maxwell", 675),
    TITAN_X_PASCAL("titan-x-pascal", 2760);

    private final String label;
    private final double imagesPerSecond;

    Gpu(String label, double imagesPerSecond) {
      this.label = label;
      this.imagesPerSecond = imagesPerSecond;
    }

    public double imagesPerSecond() {
      return imagesPerSecond;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  public CostModel {
    if (executors < 1 || gpusPerExecutor < 1 || payloadBytes < 0 || treeDepth < 2) {
      throw new IllegalArgumentException(
          "executors and GPUs per executor must be >= 1, tree depth >= 2; got "
              + executors
              + ", "
              + gpusPerExecutor
              + ", "
              + treeDepth);
    }
    if (!(linkGbps > 0) || !(imagesPerSecond > 0) || batch < 1) {
      throw new IllegalArgumentException(
          "link speed and images per second must be > 0, batch >= 1; got "
              + linkGbps
              + " Gb/s, "
              + imagesPerSecond
              + " images/s, batch "
              + batch);
    }
  }

  public int workers() {
    return executors * gpusPerExecutor;
  }

  /**
   * The fan-ins of Spark's treeAggregate (depth {@code depth}, last step on an executor) over
   * {@code partitions} results: for each step, the most sums one reducer reads.
   */
  public static List<Integer> treeFanIns(int partitions, int depth) {
    List<Integer> fanIns = new ArrayList<>();
    int n = partitions;
    int scale = Math.max((int) Math.ceil(Math.pow(n, 1.0 / depth)), 2);
    while (n > scale + Math.ceil((double) n / scale)) {
      int next = n / scale;
      fanIns.add((n + next - 1) / next); // partition i goes to reducer i % next
      n = next;
    }
    if (n > 1) {
      fanIns.add(n);
    }
    return fanIns;
  }

  /** Payload bytes into the driver per round. */
  public long driverBytesIn() {
    return combine == Combine.TREE ? payloadBytes : workers() * payloadBytes;
  }

  /** Payload bytes out of the driver per round: the broadcast, once. */
  public long driverBytesOut() {
    return payloadBytes;
  }

  /** In + out of the busiest executor per round (for the tree, a bound). */
  public long busiestExecutorBytes() {
    long in = payloadBytes;
    long out = (long) gpusPerExecutor * payloadBytes;
    if (combine == Combine.TREE) {
      int fanIn =
          treeFanIns(executors, treeDepth).stream().mapToInt(Integer::intValue).max().orElse(0);
      in += fanIn * payloadBytes;
      out = payloadBytes;
    }
    return in + out;
  }

  /** Seconds per round on the links (a lower bound). */
  public double averagingSeconds() {
    long steps;
    if (combine == Combine.TREE) {
      steps = 2 + treeFanIns(executors, treeDepth).stream().mapToInt(Integer::intValue).sum();
    } else {
      steps = workers() + 1L;
    }
    return steps * payloadBytes * 8 / (linkGbps * 1e9);
  }

  /** Seconds one worker fits {@code frequency} minibatches. */
  public double computeSeconds(int frequency) {
    return frequency * (double) batch / imagesPerSecond;
  }

  /** Averaging's share of wall time at {@code frequency}. */
  public double share(int frequency) {
    double t = averagingSeconds();
    return t / (t + computeSeconds(frequency));
  }

  /** The smallest averaging frequency that keeps averaging's share at or below {@code target}. */
  public int frequencyFor(double target) {
    if (!(target > 0 && target < 1)) {
      throw new IllegalArgumentException("target share must be in (0, 1), not " + target);
    }
    double needed = averagingSeconds() * (1 - target) / target * imagesPerSecond / batch;
    return Math.max(1, (int) Math.ceil(needed - 1e-9));
  }
}

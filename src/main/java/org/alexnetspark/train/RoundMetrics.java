package org.alexnetspark.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.TreeMap;
import org.alexnetspark.train.averaging.NodeBytes;

/**
 * One Spark job of averaging rounds: a {@code "kind": "round"} line of {@code metrics.jsonl}.
 *
 * @param epoch 1-based epoch
 * @param iteration minibatches fitted per worker since the start, at the end of the job
 * @param loss mean training loss of the job's last averaging round
 * @param learningRate the rate the job was fitted with
 * @param imagesPerSecond images fitted per second of wall time
 * @param seconds wall time of the job
 * @param secondsComputing the workers' mean time fitting minibatches
 * @param secondsAveraging the rest: splitting, broadcasting, collecting and averaging, scheduling
 * @param minibatches minibatches the workers fitted in the job
 * @param driverBytesIn payload bytes into the driver per averaging round (mean over the job)
 * @param driverBytesOut payload bytes out of the driver per round (the broadcast, once)
 * @param executorBytesIn payload bytes into each executor per round, by executor id
 * @param executorBytesOut payload bytes out of each executor per round, by executor id
 */
public record RoundMetrics(
    int epoch,
    long iteration,
    double loss,
    @JsonProperty("learning_rate") double learningRate,
    @JsonProperty("images_per_second") double imagesPerSecond,
    double seconds,
    @JsonProperty("seconds_computing") double secondsComputing,
    @JsonProperty("seconds_averaging_and_broadcasting") double secondsAveraging,
    long minibatches,
    @JsonProperty("driver_bytes_in") long driverBytesIn,
    @JsonProperty("driver_bytes_out") long driverBytesOut,
    @JsonProperty("executor_bytes_in") Map<String, Long> executorBytesIn,
    @JsonProperty("executor_bytes_out") Map<String, Long> executorBytesOut)
    implements MetricsLine {

  /** A job's figures with the bytes of its {@code rounds} rounds, as means per round. */
  public RoundMetrics(
      int epoch,
      long iteration,
      double loss,
      double learningRate,
      double imagesPerSecond,
      double seconds,
      double secondsComputing,
      double secondsAveraging,
      long minibatches,
      NodeBytes bytes,
      int rounds) {
    this(
        epoch,
        iteration,
        loss,
        learningRate,
        imagesPerSecond,
        seconds,
        secondsComputing,
        secondsAveraging,
        minibatches,
        bytes.driverIn() / Math.max(1, rounds),
        bytes.driverOut() / Math.max(1, rounds),
        perRound(bytes, rounds, 0),
        perRound(bytes, rounds, 1));
  }

  private static Map<String, Long> perRound(NodeBytes bytes, int rounds, int direction) {
    Map<String, Long> each = new TreeMap<>();
    bytes.executors().forEach((id, b) -> each.put(id, b[direction] / Math.max(1, rounds)));
    return each;
  }
}

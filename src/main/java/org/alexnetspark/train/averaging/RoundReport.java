package org.alexnetspark.train.averaging;

import java.util.List;
import java.util.Locale;

/**
 * One averaging round as the driver saw it.
 *
 * @param round round number within the master's lifetime
 * @param descriptors minibatch descriptors handed out
 * @param tasks tasks scheduled (workers that received at least one descriptor)
 * @param averaged results that went into the average
 * @param fitted minibatches the averaged results fitted (equals {@code descriptors} when no result
 *     was refused)
 * @param loss mean loss over the fitted minibatches of averaged results
 * @param seconds wall time of the whole round on the driver
 * @param encodeSeconds encoding the broadcast copy of parameters (and momentum)
 * @param broadcastSeconds creating the Spark broadcast
 * @param jobSeconds the Spark job: tasks, result transfer, and the summing done as results arrive
 * @param sumSeconds summing results into the driver's buffers (inside {@code jobSeconds})
 * @param applySeconds dividing and writing the average into the driver's network
 * @param workerSeconds per-worker means of {@link ExactResult#TIMINGS} over the round's tasks
 * @param maxFitSeconds the slowest worker's fitting time
 * @param bytesToWorkers broadcast payload bytes
 * @param bytesFromWorkers payload bytes of all results
 * @param replicasCreated tasks that had to build a replica
 * @param problems results refused (not finite), one line each
 * @param nodeBytes payload bytes in and out of the driver and of each executor
 */
public record RoundReport(
    int round,
    int descriptors,
    int tasks,
    int averaged,
    long fitted,
    double loss,
    double seconds,
    double encodeSeconds,
    double broadcastSeconds,
    double jobSeconds,
    double sumSeconds,
    double applySeconds,
    double[] workerSeconds,
    double maxFitSeconds,
    long bytesToWorkers,
    long bytesFromWorkers,
    int replicasCreated,
    List<String> problems,
    NodeBytes nodeBytes) {

  /** Where the round's time and bytes went, in one line (the driver's DEBUG log). */
  public String timings() {
    StringBuilder workers = new StringBuilder();
    for (int i = 0; i < ExactResult.TIMINGS.length; i++) {
      workers.append(
          String.format(Locale.ROOT, " %s %.2f", ExactResult.TIMINGS[i], workerSeconds[i]));
    }
    return String.format(
        Locale.ROOT,
        "round %d: %.2f s: encode %.2f, broadcast %.2f, job %.2f "
            + "(summing %.2f), apply %.2f; %.0f MB in, %.0f MB out; per worker:%s; bytes: %s",
        round,
        seconds,
        encodeSeconds,
        broadcastSeconds,
        jobSeconds,
        sumSeconds,
        applySeconds,
        bytesFromWorkers / 1e6,
        bytesToWorkers / 1e6,
        workers,
        nodeBytes);
  }

  /** The workers' mean time fitting minibatches. */
  public double fitSeconds() {
    return workerSeconds[4];
  }
}

package org.alexnetspark.train;

import com.fasterxml.jackson.annotation.JsonProperty;

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
    long minibatches)
    implements MetricsLine {}

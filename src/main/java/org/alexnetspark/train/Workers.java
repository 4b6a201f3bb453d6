package org.alexnetspark.train;

import java.util.List;
import java.util.stream.IntStream;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many model replicas train at once: {@code train.workers} if set; with GPU scheduling,
 * executors x GPUs per executor / GPUs per task; otherwise every task slot (default parallelism).
 */
final class Workers {
  private static final Logger LOG = LoggerFactory.getLogger(Workers.class);

  private Workers() {}

  /**
   * Runs one small task per worker before training, each on the device it will train on, so that a
   * GPU the bundled CUDA natives cannot run on stops the job at once with a message naming it
   * (GpuAssignment.UnsupportedGpuException), not deep inside a kernel launch later; and a worker
   * given a GPU whose ND4J runs on the CPU stops it too, unless {@code gpu.allow-cpu-fallback}
   * (GpuAssignment.CpuFallbackException).
   */
  static void preflight(JavaSparkContext spark, int workers, boolean allowCpuFallback) {
    List<Integer> slots = IntStream.range(0, workers).boxed().toList();
    List<String> devices =
        spark
            .parallelize(slots, workers)
            .map(
                slot ->
                    SparkEnv.get().executorId()
                        + ": "
                        + GpuAssignment.describeDevice(allowCpuFallback))
            .collect();
    LOG.info("workers' devices: {}", String.join("; ", devices));
  }

  static int count(JavaSparkContext spark, TrainConfig config) {
    if (config.workers() > 0) {
      return config.workers();
    }
    SparkConf conf = spark.getConf();
    double taskGpus = conf.getDouble("spark.task.resource.gpu.amount", 0);
    int executorGpus = conf.getInt("spark.executor.resource.gpu.amount", 0);
    int executors = conf.getInt("spark.executor.instances", 0);
    if (taskGpus > 0 && executorGpus > 0 && executors > 0) {
      return (int) (executors * Math.floor(executorGpus / taskGpus));
    }
    return spark.defaultParallelism();
  }
}

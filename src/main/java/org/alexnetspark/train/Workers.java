package org.alexnetspark.train;

import org.alexnetspark.config.TrainConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * How many model replicas train at once: {@code train.workers} if set; with GPU scheduling,
 * executors x GPUs per executor / GPUs per task; otherwise every task slot (default parallelism).
 */
final class Workers {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Workers.class);

  private Workers() {}

  /**
   * Runs one small task per worker before training, each on the device it will train on, so that a
   * GPU the bundled CUDA natives cannot run on stops the job at once with a message naming it
   * (GpuAssignment.UnsupportedGpuException), not deep inside a kernel launch later.
   */
  static void preflight(JavaSparkContext spark, int workers) {
    java.util.List<Integer> slots = java.util.stream.IntStream.range(0, workers).boxed().toList();
    java.util.List<String> devices =
        spark
            .parallelize(slots, workers)
            .map(
                slot ->
                    org.apache.spark.SparkEnv.get().executorId()
                        + ": "
                        + org.alexnetspark.spark.GpuAssignment.describeDevice())
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

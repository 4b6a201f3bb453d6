package org.alexnetspark.train;

import org.alexnetspark.config.TrainConfig;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * How many model replicas train at once: {@code train.workers} if set; with GPU scheduling,
 * executors x GPUs per executor / GPUs per task; otherwise every task slot (default parallelism).
 */
final class Workers {
  private Workers() {}

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

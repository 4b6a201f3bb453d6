package org.alexnetspark.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * A Spark plugin that puts the training figures of {@link TrainingGauges} into Spark's metrics
 * system, under the driver's {@code plugin.org.alexnetspark.metrics.TrainingMetricsPlugin}
 * namespace: {@code epoch}, {@code iteration}, {@code loss}, {@code learningRate}, {@code
 * imagesPerSecond}, {@code roundSeconds}, {@code averagingShare}, {@code validationTop1}, {@code
 * validationTop5}, {@code checkpointsWritten}, {@code retries} and {@code rollbacks}. Every sink
 * configured for the driver exports them; see {@code conf/metrics.properties} for Prometheus.
 *
 * <p>The training commands add it to {@code spark.plugins} ({@link #enable}); it has no executor
 * side.
 */
public final class TrainingMetricsPlugin implements SparkPlugin {

  @Override
  public DriverPlugin driverPlugin() {
    return new DriverPlugin() {
      @Override
      public void registerMetrics(String appId, PluginContext context) {
        register(context.metricRegistry());
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return null;
  }

  /** Registers every training gauge with {@code registry}. */
  static void register(MetricRegistry registry) {
    gauge(registry, "epoch", TrainingGauges::epoch);
    gauge(registry, "iteration", TrainingGauges::iteration);
    gauge(registry, "loss", TrainingGauges::loss);
    gauge(registry, "learningRate", TrainingGauges::learningRate);
    gauge(registry, "imagesPerSecond", TrainingGauges::imagesPerSecond);
    gauge(registry, "roundSeconds", TrainingGauges::roundSeconds);
    gauge(registry, "averagingShare", TrainingGauges::averagingShare);
    gauge(registry, "validationTop1", TrainingGauges::validationTop1);
    gauge(registry, "validationTop5", TrainingGauges::validationTop5);
    gauge(registry, "checkpointsWritten", TrainingGauges::checkpointsWritten);
    gauge(registry, "retries", TrainingGauges::retries);
    gauge(registry, "rollbacks", TrainingGauges::rollbacks);
  }

  private static <T> void gauge(MetricRegistry registry, String name, Supplier<T> value) {
    registry.register(name, (Gauge<T>) value::get);
  }

  /**
   * Adds this plugin to the {@code spark.plugins} of {@code conf}, keeping those already listed.
   */
  public static SparkConf enable(SparkConf conf) {
    String name = TrainingMetricsPlugin.class.getName();
    String listed = conf.get("spark.plugins", "").trim();
    for (String plugin : listed.split(",")) {
      if (plugin.trim().equals(name)) {
        return conf;
      }
    }
    return conf.set("spark.plugins", listed.isEmpty() ? name : listed + "," + name);
  }
}

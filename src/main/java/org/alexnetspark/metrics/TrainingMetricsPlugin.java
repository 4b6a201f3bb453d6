package org.alexnetspark.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import org.apache.spark.SparkConf;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * A Spark plugin that puts the training figures of {@link TrainingGauge} into Spark's metrics
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
    for (TrainingGauge gauge : TrainingGauge.values()) {
      registry.register(gauge.metricName(), (Gauge<Number>) gauge::value);
    }
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

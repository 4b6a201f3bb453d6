package org.alexnetspark.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class TrainingMetricsPluginTest {

  @Test
  void registersEveryTrainingGaugeAndReadsTheLatestValues() {
    MetricRegistry registry = new MetricRegistry();
    TrainingMetricsPlugin.register(registry);
    assertEquals(12, registry.getGauges().size(), registry.getGauges().keySet().toString());

    TrainingGauges.roundEnded(3, 1200, 1.25, 0.01, 640.0, 20.0, 5.0);
    TrainingGauges.validated(0.57, 0.8);
    long checkpoints = TrainingGauges.checkpointsWritten();
    TrainingGauges.checkpointWritten();

    assertEquals(3, value(registry, "epoch"));
    assertEquals(1200L, value(registry, "iteration"));
    assertEquals(1.25, value(registry, "loss"));
    assertEquals(640.0, value(registry, "imagesPerSecond"));
    assertEquals(0.25, value(registry, "averagingShare"));
    assertEquals(0.57, value(registry, "validationTop1"));
    assertEquals(checkpoints + 1, value(registry, "checkpointsWritten"));
  }

  @Test
  void isAddedToTheListedPluginsOnce() {
    SparkConf conf = new SparkConf(false).set("spark.plugins", "com.example.Other");
    TrainingMetricsPlugin.enable(conf);
    TrainingMetricsPlugin.enable(conf);
    assertEquals(
        "com.example.Other," + TrainingMetricsPlugin.class.getName(), conf.get("spark.plugins"));
    assertTrue(
        TrainingMetricsPlugin.enable(new SparkConf(false))
            .get("spark.plugins")
            .equals(TrainingMetricsPlugin.class.getName()));
  }

  private static Object value(MetricRegistry registry, String name) {
    Gauge<?> gauge = registry.getGauges().get(name);
    return gauge.getValue();
  }
}

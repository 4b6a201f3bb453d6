package org.alexnetspark.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    TrainingGauge.EPOCH.set(3);
    TrainingGauge.ITERATION.set(1200);
    TrainingGauge.LOSS.set(1.25);
    TrainingGauge.AVERAGING_SHARE.set(0.25);
    TrainingGauge.VALIDATION_TOP1.set(0.57);
    long checkpoints = TrainingGauge.CHECKPOINTS_WRITTEN.value().longValue();
    TrainingGauge.CHECKPOINTS_WRITTEN.increment();

    assertEquals(3L, value(registry, "epoch"));
    assertEquals(1200L, value(registry, "iteration"));
    assertEquals(1.25, value(registry, "loss"));
    assertEquals(Double.class, value(registry, "validationTop5").getClass());
    assertEquals(0.25, value(registry, "averagingShare"));
    assertEquals(0.57, value(registry, "validationTop1"));
    assertEquals(checkpoints + 1, value(registry, "checkpointsWritten"));
    assertThrows(IllegalStateException.class, TrainingGauge.LOSS::increment);
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

package org.alexnetspark.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.spark.KryoRegistration;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.train.TrainJob;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A local training run with the Prometheus sink of {@code conf/metrics.properties}: while it runs,
 * the driver's {@code /metrics/prometheus} shows the training figures of {@link
 * TrainingMetricsPlugin} beside Spark's own.
 */
class PrometheusMetricsIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  private static final Pattern TRAINING =
      Pattern.compile(
          "metrics_alexnet_driver_plugin_org_alexnetspark_metrics_TrainingMetricsPlugin_(\\w+)_Value"
              + "\\{type=\"gauges\"} (\\S+)");

  @Test
  void aRunningTrainingShowsItsFiguresAtTheDriversPrometheusEndpoint() throws Exception {
    int port = freePort();
    SparkConf conf =
        TrainingMetricsPlugin.enable(
            new SparkConf(false)
                .setMaster("local[2]")
                .setAppName("alexnet train")
                .set("spark.ui.enabled", "true")
                .set("spark.ui.port", "" + port)
                .set("spark.port.maxRetries", "0")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.local.dir", "target/spark-local")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", KryoRegistration.class.getName())
                .set("spark.kryoserializer.buffer.max", "2047m")
                .set("spark.metrics.conf", "conf/metrics.properties")
                .set("spark.metrics.namespace", "alexnet"));
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(Paths.get("src/test/resources/conf/train-small.conf")),
            List.of("train.epochs=2"));
    ExecutorService background = Executors.newSingleThreadExecutor();
    try (JavaSparkContext spark = new JavaSparkContext(conf)) {
      PreparedFashionMnist.Datasets data = PreparedFashionMnist.of(HDFS, spark, 60, 20, 72);
      TrainJob job = new TrainJob(config, data.storage());
      TrainJob.Request request =
          new TrainJob.Request(
              data.train(), data.validation(), HDFS.uri("/runs/metrics"), false, null);
      TrainJob.Checked checked = job.check(request);
      Future<TrainJob.Result> run = background.submit(() -> job.run(spark, request, checked));

      URI endpoint = URI.create("http://127.0.0.1:" + port + "/metrics/prometheus");
      Map<String, Double> seen = new TreeMap<>();
      String page = "";
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      // Scraped while training runs, as Prometheus would, until a validated epoch shows.
      while (!run.isDone() && System.nanoTime() < deadline) {
        page = get(endpoint);
        seen = training(page);
        if (seen.getOrDefault("iteration", 0.0) > 0
            && seen.getOrDefault("validationTop1", Double.NaN) > 0) {
          break;
        }
        Thread.sleep(500);
      }
      System.out.println("scraped during the run:\n" + grepTraining(page));
      assertTrue(seen.getOrDefault("iteration", 0.0) > 0, "iteration in\n" + page);
      assertTrue(seen.getOrDefault("epoch", 0.0) >= 1, "epoch in\n" + page);
      assertTrue(seen.get("loss") > 0 && Double.isFinite(seen.get("loss")), "loss " + seen);
      assertTrue(seen.get("imagesPerSecond") > 0, "images/s " + seen);
      assertTrue(seen.get("checkpointsWritten") >= 1, "checkpoints " + seen);
      double share = seen.get("averagingShare");
      assertTrue(share >= 0 && share <= 1, "averaging share " + share);
      assertTrue(seen.get("validationTop1") > 0, "validation top-1 " + seen);
      assertEquals(12, seen.size(), "every training gauge: " + seen.keySet());

      TrainJob.Result result = run.get(10, TimeUnit.MINUTES);
      assertTrue(result != null);
      String after = get(endpoint);
      assertEquals(2.0, training(after).get("epoch"), grepTraining(after));
    } finally {
      background.shutdownNow();
    }
  }

  private static Map<String, Double> training(String page) {
    Map<String, Double> values = new TreeMap<>();
    Matcher m = TRAINING.matcher(page);
    while (m.find()) {
      values.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return values;
  }

  private static String grepTraining(String page) {
    StringBuilder lines = new StringBuilder();
    for (String line : page.split("\n")) {
      if (line.contains("TrainingMetricsPlugin")) {
        lines.append(line).append('\n');
      }
    }
    return lines.toString();
  }

  private static String get(URI uri) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
    connection.setConnectTimeout(5000);
    connection.setReadTimeout(10000);
    try {
      return new String(connection.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      connection.disconnect();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}

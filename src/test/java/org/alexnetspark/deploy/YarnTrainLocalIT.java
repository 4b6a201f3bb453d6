package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.testing.ScriptedCluster;
import org.alexnetspark.train.CheckpointStore;
import org.alexnetspark.train.EpochMetrics;
import org.alexnetspark.train.MetricsLog;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The spark-submit line of {@code jobs/yarn/train}, exactly as the script builds it (printed with
 * {@code DRY_RUN=1}: the cluster jar, {@code conf/spark-defaults.conf}, the log4j2 configuration
 * and the site configuration shipped with {@code --files}), run through Spark's {@code SparkSubmit}
 * main class on a classpath of Spark's own jars ({@code target/spark/jars}), with a local master in
 * client mode instead of YARN, on the Fashion-MNIST test shards in HDFS: it trains an epoch and
 * writes its checkpoint and model.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class YarnTrainLocalIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  /** The small training configuration, shipped as the site configuration (ALEXNET_CONF). */
  private static final String SITE_CONF =
      """
      model {
        variant = scaled
        classes = 10
        scaled { input-size = 67, width-multiplier = 0.125, fc-width = 64 }
        init { weight-std = 0.05, bias-one-layers = [] }
      }
      data { image-size = 72 }
      train { epochs = 1, batch-per-worker = 16, averaging-frequency = 1, rounds-per-job = 4, eval-batch = 100 }
      """;

  @Test
  void theYarnTrainScriptsSubmitLineTrainsWithALocalMasterAndWritesACheckpoint() throws Exception {
    PreparedFashionMnist.Datasets data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    Path project = Paths.get("").toAbsolutePath();
    Path home = project.resolve("target/yarn-train-local");
    // The client configuration an edge node has: Hadoop's shell refuses to run without
    // core-site.xml.
    Path hadoopConf = Files.createDirectories(home.resolve("hadoop-conf"));
    Configuration core = new Configuration(false);
    core.set("fs.defaultFS", HDFS.uri("").toString());
    try (var out = Files.newOutputStream(hadoopConf.resolve("core-site.xml"))) {
      core.writeXml(out);
    }
    Files.createDirectories(home.resolve("spark-conf"));
    Path siteConf = home.resolve("site.conf");
    Files.writeString(siteConf, SITE_CONF);
    String datasets = data.train().toString().replaceFirst("/train$", "");
    assertEquals(datasets + "/val", data.validation().toString(), "train/ and val/ side by side");
    URI run = HDFS.uri("/runs/yarn-train-local-" + System.nanoTime());

    // 1. The script's command line.
    ProcessBuilder script =
        new ProcessBuilder(project.resolve("jobs/yarn/train").toString())
            .directory(project.toFile());
    Map<String, String> env = script.environment();
    env.put("DRY_RUN", "1");
    env.put("MASTER", "local[2]");
    env.put("DEPLOY_MODE", "client");
    env.put("SPARK_SUBMIT", "spark-submit");
    env.put("APP_JAR", ScriptedCluster.applicationJar(project).toString());
    env.put("ALEXNET_CONF", siteConf.toString());
    env.put("GPUS_PER_EXECUTOR", "0"); // a local master schedules no executor resources
    env.put("EXECUTORS", "1");
    env.put("DATASETS", datasets);
    env.put("RUN", run.toString());
    env.put("SPARK_HOME", project.resolve("target/spark").toString());
    env.put("SPARK_CONF_DIR", home.resolve("spark-conf").toString());
    env.put("HADOOP_CONF_DIR", home.resolve("hadoop-conf").toString());
    // What a local run on this machine cannot use: event logs on the cluster's
    // hdfs:///spark-history.
    env.put(
        "EXTRA_SPARK_CONF",
        "spark.eventLog.enabled=false\nspark.ui.enabled=false\n" + "spark.driver.host=127.0.0.1");
    Path printed = home.resolve("dry-run.out");
    Path stderr = home.resolve("dry-run.err");
    Process dryRun = script.redirectOutput(printed.toFile()).redirectError(stderr.toFile()).start();
    assertTrue(dryRun.waitFor(2, TimeUnit.MINUTES));
    assertEquals(0, dryRun.exitValue(), Files.readString(stderr));
    List<String> words = shellWords(Files.readString(printed).strip(), home);
    assertEquals("spark-submit", words.get(0));
    assertFalse(words.contains("--resume"), "the application decides whether to resume: " + words);
    assertTrue(words.contains("org.alexnetspark.cli.AlexNetCommand"), words.toString());

    // 2. That line, through Spark's SparkSubmit on Spark's own jars.
    List<String> command =
        new ArrayList<>(
            List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g"));
    command.addAll(
        Arrays.asList(
            Files.readString(project.resolve("target/jvm.options")).strip().split("\\s+")));
    command.add("-Dorg.bytedeco.javacpp.cachedir=" + project.resolve("target/javacpp-cache"));
    command.addAll(
        List.of(
            "-cp",
            project.resolve("target/spark/jars") + "/*",
            "org.apache.spark.deploy.SparkSubmit"));
    command.addAll(words.subList(1, words.size()));
    Path log = home.resolve("train.log");
    ProcessBuilder submit =
        new ProcessBuilder(command)
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    submit.environment().put("SPARK_HOME", project.resolve("target/spark").toString());
    submit.environment().put("SPARK_SCALA_VERSION", "2.12");
    submit.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process train = submit.start();
    try {
      assertTrue(train.waitFor(8, TimeUnit.MINUTES), "training did not finish");
    } finally {
      train.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, train.exitValue(), tail(output));

    Storage storage = new Storage(HDFS.configuration());
    CheckpointStore.Checkpoint latest = new CheckpointStore(storage, run, 50).latest();
    assertEquals(
        1, latest.state().epoch(), "the end of epoch 1 checkpointed: " + latest.location());
    assertTrue(Double.isFinite(latest.network().params().sumNumber().doubleValue()));
    List<EpochMetrics> epochs =
        MetricsLog.read(storage, run).stream()
            .filter(EpochMetrics.class::isInstance)
            .map(EpochMetrics.class::cast)
            .toList();
    assertEquals(1, epochs.size(), epochs.toString());
    assertEquals(
        epochs.get(0).plannedMinibatches(), epochs.get(0).fittedMinibatches(), epochs.toString());
    ModelStore.StoredModel model = new ModelStore(storage).load(Locations.child(run, "model"));
    assertEquals(
        Manifest.read(storage, data.train()).records(), model.info().images(), "every image once");
  }

  /** The words of a line the shell would split (the script quotes them for the shell). */
  private static List<String> shellWords(String line, Path home)
      throws IOException, InterruptedException {
    Path words = home.resolve("words.bin");
    Process bash =
        new ProcessBuilder(
                "bash", "-c", "eval \"words=($1)\"; printf '%s\\0' \"${words[@]}\"", "_", line)
            .redirectOutput(words.toFile())
            .start();
    assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, bash.exitValue());
    String all = Files.readString(words, StandardCharsets.UTF_8);
    return List.of(all.substring(0, all.length() - 1).split("\0", -1));
  }

  private static String tail(String output) {
    List<String> lines = output.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
  }
}

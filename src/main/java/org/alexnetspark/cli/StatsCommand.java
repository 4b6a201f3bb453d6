package org.alexnetspark.cli;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.SparkJobs;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.stats.StatsJob;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet stats}: mean image, channel means and RGB PCA of a prepared training set. */
@Command(
    name = "stats",
    description = {
      "Compute a training set's mean image and RGB principal components.",
      "Per-pixel mean image, per-channel mean and the 3x3 RGB covariance with its",
      "eigen-decomposition (for the PCA colour noise), written as stats.json and",
      "mean-image.npy beside the manifest."
    })
final class StatsCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "URI",
      description = "A dataset folder written by 'alexnet prepare'.")
  private String data;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    AlexNetConfig config = configOptions.load(List.of());
    URI dataset = Storage.toUri(data);
    SparkConf sparkConf = SparkJobs.conf("alexnet stats");
    StatsJob job = new StatsJob(new Storage(SparkJobs.hadoopConfiguration(sparkConf)), config);
    Manifest manifest = job.check(dataset);
    DatasetStats stats;
    try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
      stats = job.run(spark, dataset, manifest);
    }
    var out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "images: %,d%n", stats.images());
    out.printf(
        Locale.ROOT,
        "mean RGB (0..255): %.4f %.4f %.4f%n",
        stats.meanRgb()[0],
        stats.meanRgb()[1],
        stats.meanRgb()[2]);
    out.printf(
        Locale.ROOT,
        "eigenvalues (RGB / 255): %.6g %.6g %.6g%n",
        stats.eigenvalues()[0],
        stats.eigenvalues()[1],
        stats.eigenvalues()[2]);
    for (double[] v : stats.eigenvectors()) {
      out.println("eigenvector: " + Arrays.toString(v));
    }
    out.println("written: " + DatasetStats.beside(dataset, DatasetStats.FILE));
    return ExitCodes.OK;
  }
}

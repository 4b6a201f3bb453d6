package org.alexnetspark.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.features.FeatureJob;
import org.alexnetspark.features.FeatureTable;
import org.alexnetspark.inference.DatasetPass;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.SparkJobs;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet features}: last-hidden-layer activations of every image of a dataset (Spark). */
@Command(
    name = "features",
    description = {
      "Compute the feature vector of every image of a prepared dataset (Spark).",
      "The activations of the last hidden layer (fc7, after its ReLU: 4096 values for the "
          + "paper's network, model.scaled.fc-width for the scaled one), of the centre crop or "
          + "averaged over ten crops, written as Parquet: key, label, wnid, shard, row_group, "
          + "features (array<float>), with _features.json describing them. 'alexnet neighbors' "
          + "searches them."
    })
final class FeaturesCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "URI",
      description = "A model folder written by 'alexnet train' (<run>/model, or a checkpoint).")
  private String model;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "URI",
      description = "A dataset written by 'alexnet prepare'.")
  private String data;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "URI",
      description = "The Parquet folder to write (must not exist).")
  private String output;

  @Option(
      names = "--ten-crop",
      description =
          "Average the vectors of ten crops (corners, centre, mirrored) instead of "
              + "using the centre crop.")
  private boolean tenCrop;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    AlexNetConfig config = configOptions.load(List.of());
    SparkConf sparkConf = SparkJobs.conf("alexnet features");
    FeatureJob job = new FeatureJob(config, new Storage(SparkJobs.hadoopConfiguration(sparkConf)));
    FeatureJob.Request request =
        new FeatureJob.Request(
            Storage.toUri(model),
            Storage.toUri(data),
            Storage.toUri(output),
            tenCrop ? Preset.TEN_CROP : Preset.CENTRE);
    DatasetPass checked = job.check(request);
    FeatureTable table;
    try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
      table = job.run(spark, request, checked);
    }
    spec.commandLine()
        .getOut()
        .printf(
            Locale.ROOT,
            "%,d feature vectors of %d values (%s) written to %s%n",
            table.rows(),
            table.width(),
            table.crops(),
            request.output());
    long skipped = checked.manifest().records() - table.rows();
    if (skipped > 0) {
      spec.commandLine()
          .getErr()
          .printf(
              Locale.ROOT,
              "features: %,d records of %s could not be decoded (see the log)%n",
              skipped,
              request.data());
      return ExitCodes.FAILED;
    }
    return ExitCodes.OK;
  }
}

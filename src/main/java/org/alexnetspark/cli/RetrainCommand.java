package org.alexnetspark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.registry.RetrainJob;
import org.alexnetspark.spark.SparkJobs;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet retrain}: warm-start, train, compare on held-out data, promote if not worse. */
@Command(
    name = "retrain",
    description = {
      "Retrain a registered model and promote the result if it is not worse.",
      "Warm-starts from the registry's current version, trains on the current data in a fresh",
      "run folder <output>/runs/<UTC time> (or continues the newest unfinished run with the same",
      "inputs), evaluates candidate and current on the held-out set (ten crops), registers the",
      "candidate as a new version and makes it current if its top-1 error is at most the",
      "current one's plus retrain.margin."
    })
final class RetrainCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--registry",
      required = true,
      paramLabel = "URI",
      description = "The model registry's root.")
  private String registry;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME",
      description = "The model's name in the registry.")
  private String name;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "URI",
      description = "Training set (with statistics).")
  private String data;

  @Option(
      names = "--val",
      required = true,
      paramLabel = "URI",
      description = "Validation set: the learning-rate schedule and the choice of the best epoch.")
  private String validation;

  @Option(
      names = "--held-out",
      paramLabel = "URI",
      description = "The set candidate and current are compared on (default: --val).")
  private String heldOut;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "URI",
      description = "Root of the run folders.")
  private String output;

  @Option(
      names = "--margin",
      paramLabel = "FRACTION",
      description = "Sets retrain.margin: how much higher the candidate's top-1 error may be.")
  private Double margin;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    List<String> flags = new ArrayList<>();
    if (margin != null) {
      flags.add("retrain.margin=" + margin);
    }
    AlexNetConfig config = configOptions.load(flags);
    SparkConf sparkConf = SparkJobs.conf("alexnet retrain " + name);
    RetrainJob job = new RetrainJob(config, new Storage(SparkJobs.hadoopConfiguration(sparkConf)));
    RetrainJob.Request request =
        new RetrainJob.Request(
            Storage.toUri(registry),
            name,
            Storage.toUri(data),
            Storage.toUri(validation),
            heldOut == null ? null : Storage.toUri(heldOut),
            Storage.toUri(output));
    RetrainJob.Checked checked = job.check(request);
    RetrainJob.Result result;
    try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
      result = job.run(spark, request, checked);
    }
    var out = spec.commandLine().getOut();
    out.printf(
        Locale.ROOT,
        "candidate %s: ten-crop top-1 error %.4f%n",
        result.version(),
        result.candidateError());
    if (result.parent() != null) {
      out.printf(
          Locale.ROOT,
          "current %s: ten-crop top-1 error %.4f%n",
          result.parent(),
          result.currentError());
    }
    out.println(
        result.promoted()
            ? "promoted " + result.version() + " to current"
            : "kept " + result.parent() + " as current");
    out.println("run: " + result.run());
    return ExitCodes.OK;
  }
}

package org.alexnetspark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.metrics.TrainingMetricsPlugin;
import org.alexnetspark.registry.PromotionGate;
import org.alexnetspark.registry.RetrainJob;
import org.alexnetspark.spark.SparkJobs;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code alexnet retrain}: skip if up to date, else fine-tune, compare on held-out data image by
 * image, register, promote if the gate allows.
 */
@Command(
    name = "retrain",
    description = {
      "Retrain a registered model and promote the result if it passes the gate.",
      "Does nothing (exit 0) when the current version was trained on the same data (manifest",
      "digests) with the same configuration, unless --force. Otherwise fine-tunes the current",
      "version with retrain.* (epochs, learning rate, time budget) in a run folder",
      "<output>/runs/<UTC time>-<id> identified by its inputs' digests (a restart continues it),",
      "evaluates candidate and current on the held-out set (ten crops, never the validation set),",
      "compares them image by image (McNemar's exact test, retrain.gate.*), registers the",
      "candidate with that report and makes it current only if the gate allows and the current",
      "version is still the one it was compared against."
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
      description =
          "The set candidate and current are compared on; must differ from --val (required).")
  private String heldOut;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "URI",
      description = "Root of the run folders.")
  private String output;

  @Option(names = "--force", description = "Retrain even when the current version is up to date.")
  private boolean force;

  @Option(
      names = "--significance",
      paramLabel = "P",
      description = "Sets retrain.gate.significance: the level of McNemar's exact test.")
  private Double significance;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    List<String> flags = new ArrayList<>();
    if (significance != null) {
      flags.add("retrain.gate.significance=" + significance);
    }
    AlexNetConfig config = configOptions.load(flags);
    SparkConf sparkConf = TrainingMetricsPlugin.enable(SparkJobs.conf("alexnet retrain " + name));
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    RetrainJob job =
        new RetrainJob(config, new Storage(SparkJobs.hadoopConfiguration(sparkConf)))
            .withNotices(
                line -> {
                  err.println(line);
                  err.flush();
                });
    RetrainJob.Request request =
        new RetrainJob.Request(
            Storage.toUri(registry),
            name,
            Storage.toUri(data),
            Storage.toUri(validation),
            heldOut == null ? null : Storage.toUri(heldOut),
            Storage.toUri(output),
            force);
    RetrainJob.Result result;
    try (RetrainJob.Checked checked = job.check(request)) {
      if (checked.upToDate() != null) {
        out.println(checked.upToDate());
        return ExitCodes.OK;
      }
      if (checked.needsSpark()) {
        try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
          result = job.run(spark, request, checked);
        }
      } else {
        result = job.run(null, request, checked);
      }
    }
    out.printf(
        Locale.ROOT,
        "candidate %s: ten-crop top-1 error %.4f%n",
        result.version(),
        result.candidateError());
    PromotionGate.Report gate = result.gate();
    if (gate != null) {
      out.printf(
          Locale.ROOT,
          "current %s: ten-crop top-1 error %.4f%n",
          result.parent(),
          gate.currentTop1Error());
      out.printf(
          Locale.ROOT,
          "McNemar: %d images only the candidate gets right, %d only %s; p = %.4g%n",
          gate.candidateOnlyRight(),
          gate.currentOnlyRight(),
          result.parent(),
          gate.pValue());
      for (String dropped : gate.droppedClasses()) {
        out.println("class dropped: " + dropped);
      }
    }
    out.println(result.outcome());
    out.println("run: " + result.run());
    return ExitCodes.OK;
  }
}

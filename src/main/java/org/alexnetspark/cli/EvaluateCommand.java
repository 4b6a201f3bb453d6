package org.alexnetspark.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.eval.EvaluationJob;
import org.alexnetspark.eval.EvaluationReport;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.SparkJobs;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet evaluate}: top-1/top-5 error, centre crop and ten crops, on Spark. */
@Command(
    name = "evaluate",
    description = {
      "Evaluate a trained model on a prepared dataset (Spark).",
      "Top-1 and top-5 error with the centre crop and with the paper's average of ten crops'",
      "softmax outputs, per-class accuracy and a confusion matrix: eval.json, confusion.csv and",
      "confusion.png in --output."
    })
final class EvaluateCommand implements Callable<Integer> {

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
      description = "A dataset prepared with --label-map-from the model's training set.")
  private String data;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "URI",
      description = "Folder for eval.json, confusion.csv and confusion.png.")
  private String output;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    AlexNetConfig config = configOptions.load(List.of());
    SparkConf sparkConf = SparkJobs.conf("alexnet evaluate");
    EvaluationJob job =
        new EvaluationJob(config, new Storage(SparkJobs.hadoopConfiguration(sparkConf)));
    EvaluationJob.Request request =
        new EvaluationJob.Request(Storage.toUri(model), Storage.toUri(data), Storage.toUri(output));
    EvaluationJob.Checked checked = job.check(request);
    EvaluationReport report;
    try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
      report = job.run(spark, request, checked);
    }
    var out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "%,d images%n", report.images());
    out.printf(
        Locale.ROOT,
        "centre crop: top-1 error %.4f, top-5 error %.4f (accuracy %.4f, %.4f)%n",
        report.top1Error(),
        report.top5Error(),
        report.top1(),
        report.top5());
    out.printf(
        Locale.ROOT,
        "ten crops:   top-1 error %.4f, top-5 error %.4f (accuracy %.4f, %.4f)%n",
        report.tenCropTop1Error(),
        report.tenCropTop5Error(),
        report.tenCropTop1(),
        report.tenCropTop5());
    out.println("report: " + Locations.child(request.output(), EvaluationJob.REPORT));
    return ExitCodes.OK;
  }
}

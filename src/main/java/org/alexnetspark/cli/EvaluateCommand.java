package org.alexnetspark.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.eval.EvaluationJob;
import org.alexnetspark.eval.EvaluationReport;
import org.alexnetspark.eval.IlsvrcSubmission;
import org.alexnetspark.eval.PaperTable;
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

/**
 * {@code alexnet evaluate}: top-1/top-5 error, centre crop and ten crops, of one model or the
 * average of several, beside the paper's figures, on Spark.
 */
@Command(
    name = "evaluate",
    description = {
      "Evaluate a trained model, or several averaged, on a prepared dataset (Spark).",
      "Top-1 and top-5 error with the centre crop and with the paper's average of ten crops'",
      "softmax outputs, per-class accuracy and a confusion matrix: eval.json, confusion.csv and",
      "confusion.png in --output. With --model given more than once, each model's errors and",
      "those of the average of their softmax outputs over the same crops (the paper's '5 CNNs').",
      "Prints the errors beside the paper's Tables 1 and 2 (ImageNet figures). With --devkit, also",
      "an ILSVRC submission file, " + IlsvrcSubmission.FILE + ", in --output."
    })
final class EvaluateCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "URI",
      description = {
        "A model folder written by 'alexnet train' (<run>/model, or a checkpoint). Give it more",
        "than once to average the models' softmax outputs; they must share the label map, the",
        "input size and the stored image size."
      })
  private List<String> models;

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

  @Option(
      names = "--devkit",
      paramLabel = "URI",
      description = {
        "The ILSVRC-2012 devkit (ILSVRC2012_devkit_t12.tar.gz): also write an ILSVRC submission",
        "file (five ILSVRC2012_IDs per line, best first, in validation-image order) of the",
        "ten-crop result; --data must be the validation set prepared with it."
      })
  private String devkit;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    AlexNetConfig config = configOptions.load(List.of());
    SparkConf sparkConf = SparkJobs.conf("alexnet evaluate");
    EvaluationJob job =
        new EvaluationJob(config, new Storage(SparkJobs.hadoopConfiguration(sparkConf)));
    EvaluationJob.Request request =
        new EvaluationJob.Request(
            models.stream().map(Storage::toUri).toList(),
            Storage.toUri(data),
            Storage.toUri(output),
            devkit == null ? null : Storage.toUri(devkit));
    EvaluationJob.Checked checked = job.check(request);
    EvaluationReport report;
    try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
      report = job.run(spark, request, checked);
    }
    var out = spec.commandLine().getOut();
    PaperTable.lines(report).forEach(out::println);
    if (report.submission() != null) {
      out.println("ILSVRC submission: " + report.submission());
    }
    out.println("report: " + Locations.child(request.output(), EvaluationJob.REPORT));
    return ExitCodes.OK;
  }
}

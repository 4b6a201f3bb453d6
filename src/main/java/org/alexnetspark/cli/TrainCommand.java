package org.alexnetspark.cli;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.metrics.TrainingMetricsPlugin;
import org.alexnetspark.spark.RestartableApplication;
import org.alexnetspark.spark.SparkJobs;
import org.alexnetspark.train.EpochMetrics;
import org.alexnetspark.train.TrainJob;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet train}: distributed training with parameter averaging. */
@Command(
    name = "train",
    description = {
      "Train AlexNet on a prepared dataset with Spark (parameter averaging).",
      "Workers fit replicas on their own minibatches and the driver averages their parameters.",
      "Validates every epoch, follows the learning-rate schedule, checkpoints atomically and",
      "writes metrics and curves."
    })
final class TrainCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);

  @Spec private CommandSpec spec;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "URI",
      description = "Training set written by 'alexnet prepare', with 'alexnet stats' run on it.")
  private String data;

  @Option(
      names = "--val",
      paramLabel = "URI",
      description = "Validation set (prepared with --label-map-from the training set).")
  private String validation;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "URI",
      description = "Run folder: checkpoints/, metrics.jsonl, curves.png, model/.")
  private String output;

  @Option(
      names = "--resume",
      description = {
        "Continue from the latest checkpoint in --output;",
        "with no checkpoint there, start as if it were not given (so a job can always pass it).",
        "On YARN (cluster mode) a later attempt of the application that started the run",
        "resumes without it, and so does a restart by the Spark operator of the",
        "SparkApplication that started it (same namespace, name and run generation)."
      })
  private boolean resume;

  @Option(
      names = "--init-from",
      paramLabel = "MODEL_URI",
      description =
          "Start from this saved model (warm start) instead of a fresh initialisation; "
              + "with --resume, only when --output holds no checkpoint yet.")
  private String initFrom;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    AlexNetConfig config = configOptions.load(List.of());
    SparkConf sparkConf = TrainingMetricsPlugin.enable(SparkJobs.conf("alexnet train"));
    Storage storage = new Storage(SparkJobs.hadoopConfiguration(sparkConf));
    TrainJob job = new TrainJob(config, storage);
    // YARN and the Spark operator run a failed application again with the same command line. The
    // application claims the run folder once it is accepted; when it runs again it continues that
    // run, as if --resume had been given. Another application's checkpoints are still refused.
    Optional<RestartableApplication> application = RestartableApplication.current();
    boolean resumeRun = resume;
    if (!resume
        && application.isPresent()
        && application.get().continues(storage, Storage.toUri(output))) {
      LOG.info("{}: resuming from the latest checkpoint in {}", application.get(), output);
      resumeRun = true;
    }
    TrainJob.Request request =
        new TrainJob.Request(
            Storage.toUri(data),
            validation == null ? null : Storage.toUri(validation),
            Storage.toUri(output),
            resumeRun,
            initFrom == null ? null : Storage.toUri(initFrom));
    TrainJob.Checked inputs = job.check(request);
    if (application.isPresent()) {
      application.get().claim(storage, Storage.toUri(output));
    }
    TrainJob.Result result;
    try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
      result = job.run(spark, request, inputs);
    }
    EpochMetrics last = result.state().lastEpoch();
    var out = spec.commandLine().getOut();
    if (last != null) {
      out.printf(
          Locale.ROOT,
          "epoch %d: validation top-1 %.4f, top-5 %.4f%n",
          last.epoch(),
          last.valTop1(),
          last.valTop5());
    }
    out.println("model: " + result.model());
    return ExitCodes.OK;
  }
}

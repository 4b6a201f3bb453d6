package org.alexnetspark.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.inference.DatasetPass;
import org.alexnetspark.inference.ImageFiles;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.Storage;
import org.alexnetspark.predict.FilePredictor;
import org.alexnetspark.predict.Prediction;
import org.alexnetspark.predict.PredictionFormat;
import org.alexnetspark.predict.PredictionJob;
import org.alexnetspark.spark.SparkJobs;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code alexnet predict}: the most probable classes of image files, or of a prepared dataset. */
@Command(
    name = "predict",
    description = {
      "Predict the classes of image files (on this machine), or of every image of a "
          + "prepared dataset (Spark).",
      "Each IMAGE is a local path, an hdfs:// (or any Hadoop) URI, a folder (its image files, "
          + "sorted) or a glob in quotes, e.g. 'photos/*.jpg'. Files are resized the paper's way to "
          + "the model's stored size, then classified with the centre crop, or with the average of "
          + "the ten crops' softmax outputs (--ten-crop). Prints the --top most probable classes of "
          + "each image. A file that cannot be read or decoded gets an error line naming it on "
          + "standard error (and a row with the error in json and csv) and the others go on.",
      "With --data and --output instead of images, every image of a prepared dataset is "
          + "predicted by a Spark job writing Parquet: key, label, wnid, top_classes, top_wnids, "
          + "top_names, top_probabilities (best first)."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every image was predicted",
      "1:some images could not be read or decoded (the others were predicted), or the job failed",
      "2:command line or configuration refused"
    })
final class PredictCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(PredictCommand.class);

  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "URI",
      description = "A model folder written by 'alexnet train' (<run>/model, or a checkpoint).")
  private String model;

  @Option(
      names = "--ten-crop",
      description =
          "Average the softmax outputs of ten crops (corners, centre, mirrored) instead "
              + "of using the centre crop.")
  private boolean tenCrop;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "table (default), json (one array) or csv; for image files.")
  private String format;

  @Option(
      names = "--top",
      defaultValue = "5",
      paramLabel = "K",
      description = "Classes per image (default: ${DEFAULT-VALUE}).")
  private int top;

  @Option(
      names = "--data",
      paramLabel = "URI",
      description = "Instead of image files: a dataset written by 'alexnet prepare' (Spark job).")
  private String data;

  @Option(
      names = "--output",
      paramLabel = "URI",
      description = "With --data: the Parquet folder to write (must not exist).")
  private String output;

  @Parameters(
      paramLabel = "IMAGE",
      arity = "0..*",
      description = "Image files, folders, globs or URIs.")
  private List<String> images = new ArrayList<>();

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    if (top < 1) {
      throw usage("--top must be at least 1, got " + top);
    }
    if (data != null || output != null) {
      if (data == null || output == null) {
        throw usage("--data and --output go together");
      }
      if (!images.isEmpty()) {
        throw usage("give image files or --data, not both");
      }
      if (format != null) {
        throw usage("--format applies to image files; --data writes Parquet");
      }
      return predictDataset();
    }
    if (images.isEmpty()) {
      throw usage("give image files (or --data and --output)");
    }
    PredictionFormat chosen;
    try {
      chosen = format == null ? PredictionFormat.TABLE : PredictionFormat.parse(format);
    } catch (IllegalArgumentException e) {
      throw usage("--format: " + e.getMessage());
    }
    return predictFiles(chosen);
  }

  private int predictFiles(PredictionFormat chosen) throws Exception {
    AlexNetConfig config = configOptions.load(List.of());
    Storage storage = new Storage(SparkJobs.hadoopConfiguration(SparkJobs.conf("alexnet predict")));
    TrainedModel trained = TrainedModel.load(storage, Storage.toUri(model));
    List<ImageFiles.Source> sources = ImageFiles.expand(storage.hadoopConfiguration(), images);
    FilePredictor predictor =
        new FilePredictor(
            trained,
            new ImageFiles(storage.hadoopConfiguration(), trained),
            tenCrop ? Preset.TEN_CROP : Preset.CENTRE,
            top,
            config.train().evalBatch());
    PrintWriter err = spec.commandLine().getErr();
    List<Prediction> predictions = new ArrayList<>();
    long start = System.nanoTime();
    predictor.predict(
        sources,
        prediction -> {
          if (!prediction.ok()) {
            err.println("predict: " + prediction.image() + ": " + prediction.error());
            err.flush();
          }
          predictions.add(prediction);
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    long failed = predictions.stream().filter(p -> !p.ok()).count();
    LOG.info(
        String.format(
            Locale.ROOT,
            "predicted %d images in %.2f s (%.1f images/s), %d failed",
            predictions.size() - failed,
            seconds,
            (predictions.size() - failed) / seconds,
            failed));
    chosen.write(predictions, spec.commandLine().getOut());
    return failed == 0 ? ExitCodes.OK : ExitCodes.FAILED;
  }

  private int predictDataset() throws Exception {
    AlexNetConfig config = configOptions.load(List.of());
    SparkConf sparkConf = SparkJobs.conf("alexnet predict");
    PredictionJob job =
        new PredictionJob(config, new Storage(SparkJobs.hadoopConfiguration(sparkConf)));
    PredictionJob.Request request =
        new PredictionJob.Request(
            Storage.toUri(model),
            Storage.toUri(data),
            Storage.toUri(output),
            tenCrop ? Preset.TEN_CROP : Preset.CENTRE,
            top);
    DatasetPass checked = job.check(request);
    PredictionJob.Result result;
    try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
      result = job.run(spark, request, checked);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "%,d predictions written to %s%n", result.rows(), request.output());
    if (result.skipped() > 0) {
      spec.commandLine()
          .getErr()
          .printf(
              Locale.ROOT,
              "predict: %,d records of %s could not be decoded (see the log)%n",
              result.skipped(),
              request.data());
      return ExitCodes.FAILED;
    }
    return ExitCodes.OK;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}

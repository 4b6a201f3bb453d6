package org.alexnetspark.cli;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.Storage;
import org.alexnetspark.prepare.PrepareJob;
import org.alexnetspark.prepare.PreparePlan;
import org.alexnetspark.spark.SparkJobs;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet prepare}: an ImageNet-style tree into Parquet shards and a manifest. */
@Command(
    name = "prepare",
    description = {
      "Write an ImageNet-style image tree as Parquet shards with a manifest.",
      "Images are resized the paper's way (short side to data.image-size, centre square). Bad",
      "inputs are skipped and listed with reasons; re-running after a crash resumes."
    })
final class PrepareCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "DIR_OR_URI",
      description = "Folder holding <split>/<class>/<images> (or the split folder itself).")
  private String input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "URI",
      description = "Dataset folder to write (hdfs://..., file://... or a local path).")
  private String output;

  @Option(names = "--split", required = true, paramLabel = "NAME", description = "train, val, ...")
  private String split;

  @Option(
      names = "--labels",
      paramLabel = "FILE",
      description =
          "Labels file for a flat split folder: '<file or id> <wnid>' per line "
              + "(ILSVRC validation layout; Kaggle's LOC_val_solution.csv works).")
  private String labelsFile;

  @Option(
      names = "--names",
      paramLabel = "FILE",
      description =
          "Class names, '<wnid> <name>' per line (default: <input>/names.txt if it "
              + "exists, as 'alexnet convert-idx' writes it, else the bundled ImageNet names).")
  private String namesFile;

  @Option(
      names = "--label-map-from",
      paramLabel = "URI",
      description =
          "Reuse the label map of this prepared dataset (give the training set when "
              + "preparing validation, so that indices agree).")
  private String labelMapFrom;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    AlexNetConfig config = configOptions.load(List.of());
    SparkConf sparkConf = SparkJobs.conf("alexnet prepare " + split);
    PrepareJob job = new PrepareJob(config, new Storage(SparkJobs.hadoopConfiguration(sparkConf)));
    PrepareJob.Request request =
        new PrepareJob.Request(
            Storage.toUri(input),
            Storage.toUri(output),
            split,
            uri(labelsFile),
            uri(namesFile),
            uri(labelMapFrom));
    PreparePlan plan = job.check(request);
    Manifest manifest;
    try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
      manifest = job.run(spark, request, plan);
    }
    spec.commandLine()
        .getOut()
        .printf(
            Locale.ROOT,
            "prepared %,d images of %d classes into %d shards, %,d inputs rejected, %,d other "
                + "problems (see the manifest): %s%n",
            manifest.records(),
            manifest.labels().size(),
            manifest.shards().size(),
            manifest.rejectedInputs(),
            manifest.otherRejections(),
            Manifest.manifestUri(request.output()));
    return ExitCodes.OK;
  }

  private static URI uri(String location) {
    return location == null ? null : Storage.toUri(location);
  }
}

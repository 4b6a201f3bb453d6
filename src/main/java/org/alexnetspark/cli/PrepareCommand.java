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
      description =
          "Folder holding <split>/<class>/<images> (or the split folder itself), or an ILSVRC "
              + "archive read in place: ILSVRC2012_img_train.tar (a tar of per-class tars) or "
              + "ILSVRC2012_img_val.tar (with --devkit).")
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

  @Option(
      names = "--devkit",
      paramLabel = "URI",
      description =
          "ILSVRC2012_devkit_t12.tar.gz: the validation ground truth (for the flat validation "
              + "tar or folder) and the class names (its words).")
  private String devkit;

  @Option(
      names = "--checksums",
      paramLabel = "FILE",
      description =
          "Expected MD5s of the archives, as md5sum writes them (default: the published "
              + "ILSVRC-2012 values, by file name). A mismatch stops prepare.")
  private String checksums;

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
            uri(labelMapFrom),
            uri(devkit),
            uri(checksums));
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
                + "problems, %,d inputs converted (see the manifest): %s%n",
            manifest.records(),
            manifest.labels().size(),
            manifest.shards().size(),
            manifest.rejectedInputs(),
            manifest.otherRejections(),
            manifest.converted().size(),
            Manifest.manifestUri(request.output()));
    return ExitCodes.OK;
  }

  private static URI uri(String location) {
    return location == null ? null : Storage.toUri(location);
  }
}

package org.alexnetspark.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.features.Neighbor;
import org.alexnetspark.features.NeighborsJob;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.SparkJobs;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code alexnet neighbors}: the dataset images nearest to query images in feature space. */
@Command(
    name = "neighbors",
    description = {
      "Find the dataset images nearest to query images in feature space (Spark).",
      "Each IMAGE (a file, folder, glob or URI, as for 'alexnet predict') gets its feature "
          + "vector the way the --features table was made; the --k nearest rows of the table "
          + "(Euclidean distance) are found on Spark, and their stored images read from --data. "
          + "Writes a PNG with one row per query, the query then its neighbours captioned with "
          + "class and distance (the paper's Figure 4), and prints the neighbours."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every query was answered",
      "1:some query images could not be read or decoded (the others were answered), or the job failed",
      "2:command line or configuration refused"
    })
final class NeighborsCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "URI",
      description = "The model the features were computed with.")
  private String model;

  @Option(
      names = "--features",
      required = true,
      paramLabel = "URI",
      description = "A table written by 'alexnet features'.")
  private String features;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "URI",
      description = "The prepared dataset the features were computed from (for its images).")
  private String data;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "PNG",
      description = "The picture to write (replaced if it exists).")
  private String output;

  @Option(
      names = "--k",
      defaultValue = "8",
      paramLabel = "K",
      description = "Neighbours per query (default: ${DEFAULT-VALUE}).")
  private int k;

  @Parameters(
      paramLabel = "IMAGE",
      arity = "1..*",
      description = "Query image files, folders, globs or URIs.")
  private List<String> images;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    AlexNetConfig config = configOptions.load(List.of());
    SparkConf sparkConf = SparkJobs.conf("alexnet neighbors");
    NeighborsJob job =
        new NeighborsJob(config, new Storage(SparkJobs.hadoopConfiguration(sparkConf)));
    NeighborsJob.Request request =
        new NeighborsJob.Request(
            Storage.toUri(model),
            Storage.toUri(features),
            Storage.toUri(data),
            Storage.toUri(output),
            k,
            images);
    NeighborsJob.Checked checked = job.check(request);
    NeighborsJob.Result result;
    try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
      result = job.run(spark, request, checked);
    }
    PrintWriter err = spec.commandLine().getErr();
    for (NeighborsJob.Failure failure : result.failures()) {
      err.println("neighbors: " + failure.image() + ": " + failure.error());
    }
    PrintWriter out = spec.commandLine().getOut();
    for (NeighborsJob.Query query : result.queries()) {
      out.println("query " + query.image());
      for (int r = 0; r < query.neighbours().size(); r++) {
        Neighbor n = query.neighbours().get(r);
        out.printf(
            Locale.ROOT,
            "  %2d  distance %-10.4g  %-24s %s%n",
            r + 1,
            n.distance(),
            query.classNames().get(r),
            n.key());
      }
    }
    out.println("written: " + request.output());
    return result.failures().isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
  }
}

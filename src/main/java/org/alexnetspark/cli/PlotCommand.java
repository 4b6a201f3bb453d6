package org.alexnetspark.cli;

import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.SparkJobs;
import org.alexnetspark.train.MetricsLine;
import org.alexnetspark.train.MetricsLog;
import org.alexnetspark.train.TrainingCurves;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code alexnet plot}: a run's curves redrawn from its metrics. */
@Command(
    name = "plot",
    description = {
      "Redraw a training run's curves from its metrics.jsonl.",
      "Training loss by iteration, validation top-1 and top-5 error and the learning rate by "
          + "epoch, side by side, into <RUN>/curves.png or --output."
    })
final class PlotCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Parameters(
      paramLabel = "RUN",
      arity = "1",
      description = "A run folder written by 'alexnet train' (holding metrics.jsonl).")
  private String run;

  @Option(
      names = "--output",
      paramLabel = "PNG",
      description = "The picture to write (default: <RUN>/curves.png; replaced if it exists).")
  private String output;

  @Override
  public Integer call() throws Exception {
    Storage storage = new Storage(SparkJobs.hadoopConfiguration(SparkJobs.conf("alexnet plot")));
    URI folder = Storage.toUri(run);
    List<MetricsLine> metrics = MetricsLog.read(storage, folder);
    if (metrics.isEmpty()) {
      spec.commandLine()
          .getErr()
          .println(
              "plot: no metrics in "
                  + Locations.child(folder, "metrics.jsonl")
                  + "; give the folder of a training run");
      return ExitCodes.FAILED;
    }
    URI target =
        output == null ? Locations.child(folder, TrainingCurves.FILE) : Storage.toUri(output);
    TrainingCurves.writeTo(storage, target, metrics);
    spec.commandLine()
        .getOut()
        .println("written: " + target + " (" + metrics.size() + " metrics lines)");
    return ExitCodes.OK;
  }
}

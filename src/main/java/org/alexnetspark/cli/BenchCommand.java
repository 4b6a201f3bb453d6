package org.alexnetspark.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.alexnetspark.bench.PipelineBenchmark;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.SparkJobs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet bench}: speed measurements. */
@Command(name = "bench", description = "Measure speed.",
    subcommands = {BenchCommand.Pipeline.class, BenchCommand.Train.class, CommandLine.HelpCommand.class})
final class BenchCommand implements Runnable {
  @Spec
  private CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing benchmark, e.g. 'pipeline'");
  }

  /** {@code alexnet bench pipeline}. */
  @Command(name = "pipeline",
      description = {"Decode and augmentation speed per core beside libjpeg-turbo's.",
          "Images per second per core for decoding and for decoding plus the training",
          "augmentation, on stored JPEGs of a dataset, beside libjpeg-turbo's own decoding rate",
          "(tjbench) on the same files."})
  static final class Pipeline implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "URI",
        description = "A dataset folder written by 'alexnet prepare'.")
    private String data;

    @Option(names = "--images", defaultValue = "16", paramLabel = "N",
        description = "Stored JPEGs to sample (default: ${DEFAULT-VALUE}).")
    private int images;

    @Option(names = "--seconds", defaultValue = "5", paramLabel = "S",
        description = "Seconds per measured rate (default: ${DEFAULT-VALUE}).")
    private double seconds;

    @Mixin
    private ConfigOptions configOptions;

    @Override
    public Integer call() throws Exception {
      AlexNetConfig config = configOptions.load(List.of());
      PipelineBenchmark.Result result = new PipelineBenchmark(new Storage(SparkJobs.hadoopConfiguration(SparkJobs.conf("alexnet bench pipeline"))))
          .run(Storage.toUri(data), config.augment(), config.data().decoder(),
              config.model().networkInputSize(), images, seconds);
      spec.commandLine().getOut().print(result.render());
      return ExitCodes.OK;
    }
  }

  /** "1,5,10" as numbers >= 1, or "none" as none. */
  static List<Integer> frequencies(CommandSpec spec, String text) {
    if (text.strip().equalsIgnoreCase("none")) {
      return List.of();
    }
    List<Integer> values = new java.util.ArrayList<>();
    for (String part : text.split(",")) {
      try {
        int value = Integer.parseInt(part.strip());
        if (value < 1) {
          throw new NumberFormatException();
        }
        values.add(value);
      } catch (NumberFormatException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--frequencies: '" + part
            + "' is not a whole number >= 1; give e.g. 1,5,10 or none");
      }
    }
    return values;
  }

  /** {@code alexnet bench train}. */
  @Command(name = "train",
      description = {"Fit speed of one worker, and the cost of parameter averaging on local Spark.",
          "Images/s of the configured network fitting on one worker (no Spark), then on local",
          "Spark the share of wall time spent outside fitting at each averaging frequency, with",
          "the bytes moved per averaging round beside the minimum."})
  static final class Train implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "N",
        description = "Minibatch of the one-worker measurement (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--iterations", defaultValue = "5", paramLabel = "N",
        description = "Measured minibatches (default: ${DEFAULT-VALUE}).")
    private int iterations;

    @Option(names = "--averaging-batch", defaultValue = "16", paramLabel = "N",
        description = "Minibatch per worker while measuring averaging (default: ${DEFAULT-VALUE}).")
    private int averagingBatch;

    @Option(names = "--rounds", defaultValue = "2", paramLabel = "N",
        description = "Averaging rounds measured per frequency, at least 1 (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--frequencies", defaultValue = "1,5,10", paramLabel = "F[,F...]",
        description = "Averaging frequencies to measure, comma-separated (default: ${DEFAULT-VALUE}); "
            + "'none' skips the averaging measurement.")
    private String frequencyList;

    @Mixin
    private ConfigOptions configOptions;

    @Override
    public Integer call() throws Exception {
      List<Integer> frequencies = frequencies(spec, frequencyList);
      for (int[] bound : new int[][] {{batch, 1}, {iterations, 1}, {averagingBatch, 1}, {rounds, 1}}) {
        if (bound[0] < bound[1]) {
          throw new CommandLine.ParameterException(spec.commandLine(),
              "--batch, --iterations, --averaging-batch and --rounds must be at least 1");
        }
      }
      AlexNetConfig config = configOptions.load(List.of());
      org.alexnetspark.bench.TrainBenchmark bench = new org.alexnetspark.bench.TrainBenchmark();
      var worker = bench.workerRate(config, batch, iterations);
      spec.commandLine().getOut().print(org.alexnetspark.bench.TrainBenchmark.render(worker, List.of(), 0));
      spec.commandLine().getOut().flush();
      if (frequencies.isEmpty()) {
        return ExitCodes.OK;
      }
      try (org.apache.spark.api.java.JavaSparkContext spark = org.alexnetspark.spark.SparkJobs.start(
          org.alexnetspark.spark.SparkJobs.conf("alexnet bench train"))) {
        var averaging = bench.averaging(spark, config, averagingBatch, rounds,
            frequencies.stream().mapToInt(Integer::intValue).toArray());
        String report = org.alexnetspark.bench.TrainBenchmark.render(worker, averaging,
            spark.defaultParallelism());
        spec.commandLine().getOut().print(report.substring(report.indexOf("parameter averaging")));
      }
      return ExitCodes.OK;
    }
  }
}

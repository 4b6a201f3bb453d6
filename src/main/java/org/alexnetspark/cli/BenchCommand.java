package org.alexnetspark.cli;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnetspark.bench.AveragingBenchmark;
import org.alexnetspark.bench.BenchTable;
import org.alexnetspark.bench.SideBySideBenchmark;
import org.alexnetspark.bench.SideBySideBenchmark.Section;
import org.alexnetspark.bench.TorchReference;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.SparkJobs;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet bench}: this project's speed beside the alternatives, in one table. */
@Command(
    name = "bench",
    sortOptions = false,
    description = {
      "Measure speed beside the alternatives, all in one run, as one table.",
      "",
      "Sections (--sections, in this order):",
      "  fit        the configured network (default: the paper's, 227x227) fitting",
      "             and inferring in this JVM, beside the same network in PyTorch",
      "             (two towers as groups=2, LRN, dropout, the same SGD) run by",
      "             --python when 'import torch' works there and torch runs on",
      "             OpenBLAS; targets: fit >= 1.3x, inference >= 1.5x PyTorch.",
      "  sgemm      ND4J's float matrix-multiply rate (--sgemm-size cubed, best of",
      "             --sgemm-repeats) and the share of it fitting reaches, from the",
      "             network's arithmetic per training image; target >= 0.5.",
      "             The share needs the fit section.",
      "  scaled     the demo network (conf/demo.conf) fitting at the demo's",
      "             minibatch, beside PyTorch; target >= 0.5x.",
      "  pipeline   decoding plus training augmentation per core, beside",
      "             libjpeg-turbo's tjbench decoding the same JPEGs: Fashion-MNIST",
      "             photos prepared as stored images, or those of --data;",
      "             target >= 0.7.",
      "  averaging  parameter averaging on a loopback cluster (a standalone master",
      "             and one single-core worker JVM per replica): time per round",
      "             outside fitting against the 22.08 s baseline (target <= 1/4),",
      "             share of wall time per setting (target <= 10%% at minibatch 128,",
      "             frequency 5), bytes per round against the minimum.",
      "Peak resident memory (VmHWM) of this JVM and of each executor JVM closes",
      "the table. Every row with a target says whether it is met. The default run",
      "takes about 10 minutes on 2 cores.",
      ""
    })
final class BenchCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--sections",
      defaultValue = "fit,sgemm,scaled,pipeline,averaging",
      paramLabel = "SECTION",
      split = ",",
      description = "Sections to run (default: ${DEFAULT-VALUE}).")
  private List<String> sections;

  @Option(
      names = "--output",
      paramLabel = "URI",
      description = "Also write the table as JSON there (a path or URI; written atomically).")
  private String output;

  @Option(
      names = "--batch",
      defaultValue = "64",
      paramLabel = "N",
      description = "Minibatch of the fit rows (default: ${DEFAULT-VALUE}).")
  private int batch;

  @Option(
      names = "--threads",
      defaultValue = "2",
      paramLabel = "N",
      description =
          "Threads of ND4J and PyTorch in the single-process rows (default: ${DEFAULT-VALUE}).")
  private int threads;

  @Option(
      names = "--iterations",
      defaultValue = "3",
      paramLabel = "N",
      description =
          "Measured minibatches of the fit rows, after one warm-up (default: ${DEFAULT-VALUE}).")
  private int iterations;

  @Option(
      names = "--scaled-iterations",
      defaultValue = "20",
      paramLabel = "N",
      description = "Measured minibatches of the scaled row (default: ${DEFAULT-VALUE}).")
  private int scaledIterations;

  @Option(
      names = "--python",
      defaultValue = TorchReference.DEFAULT_PYTHON,
      paramLabel = "PATH",
      description = "Python with torch for the PyTorch reference (default: ${DEFAULT-VALUE}).")
  private String python;

  @Option(
      names = "--sgemm-size",
      defaultValue = "4096",
      paramLabel = "N",
      description = "Side of the multiplied matrices (default: ${DEFAULT-VALUE}).")
  private int sgemmSize;

  @Option(
      names = "--sgemm-repeats",
      defaultValue = "3",
      paramLabel = "N",
      description = "Timed multiplies; the best counts (default: ${DEFAULT-VALUE}).")
  private int sgemmRepeats;

  @Option(
      names = "--data",
      paramLabel = "URI",
      description =
          "A dataset written by 'alexnet prepare' whose stored JPEGs the pipeline row "
              + "decodes (default: Fashion-MNIST photos from Debian's dataset-fashion-mnist).")
  private String data;

  @Option(
      names = "--pipeline-images",
      defaultValue = "16",
      paramLabel = "N",
      description = "JPEGs in the pipeline sample (default: ${DEFAULT-VALUE}).")
  private int pipelineImages;

  @Option(
      names = "--pipeline-seconds",
      defaultValue = "3",
      paramLabel = "S",
      description = "Seconds per measured pipeline rate (default: ${DEFAULT-VALUE}).")
  private double pipelineSeconds;

  @Option(
      names = "--workers",
      defaultValue = "2",
      paramLabel = "N",
      description = "Worker JVMs of the averaging section (default: ${DEFAULT-VALUE}).")
  private int workers;

  @Option(
      names = "--averaging",
      defaultValue = "16x1:2,16x5:1,128x5:1",
      split = ",",
      paramLabel = "BxF:R",
      description =
          "Averaging settings measured: minibatch per worker x averaging frequency : "
              + "rounds (default: ${DEFAULT-VALUE}); the first gets one more, unmeasured, round.")
  private List<String> averaging;

  @Option(
      names = "--executors",
      split = ",",
      paramLabel = "N",
      description =
          "Executor counts for the averaging section's scaling rows, e.g. 2,4,6: one loopback"
              + " cluster of N single-core executors each, the demo's network at the first"
              + " --averaging setting, results added up on the driver and in a tree; driver bytes"
              + " per round, the largest executor's, and time outside fitting. Replaces the"
              + " section's usual rows.")
  private List<Integer> executors = new ArrayList<>();

  @Option(
      names = "--executor-memory",
      defaultValue = "3g",
      paramLabel = "SIZE",
      description = "spark.executor.memory of the averaging section (default: ${DEFAULT-VALUE}).")
  private String executorMemory;

  @Option(
      names = "--transport",
      defaultValue = "secured",
      split = ",",
      paramLabel = "T",
      description =
          "Loopback clusters of the averaging section, in order: secured (spark.authenticate,"
              + " network and I/O encryption, as conf/spark-defaults.conf) or plain; e.g."
              + " plain,secured,plain,secured compares the two (default: ${DEFAULT-VALUE}).")
  private List<String> transports;

  @Option(
      names = "--cluster-dir",
      paramLabel = "DIR",
      description = "Where the loopback cluster keeps its logs (default: a temporary folder).")
  private Path clusterDir;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    SideBySideBenchmark.Options options = options();
    AlexNetConfig network = configOptions.load(List.of());
    AlexNetConfig demo =
        AlexNetConfig.load(
            List.of(AlexNetConfig.DEMO_RESOURCE), configOptions.files(), configOptions.overrides());
    Storage storage = new Storage(SparkJobs.hadoopConfiguration(SparkJobs.conf("alexnet bench")));
    BenchTable table = new SideBySideBenchmark(network, demo, storage).run(options);
    spec.commandLine().getOut().print(table.render());
    spec.commandLine().getOut().flush();
    if (output != null) {
      storage.writeText(Storage.toUri(output), Json.write(table) + System.lineSeparator());
    }
    return ExitCodes.OK;
  }

  private SideBySideBenchmark.Options options() {
    Set<Section> chosen = EnumSet.noneOf(Section.class);
    for (String name : sections) {
      try {
        chosen.add(Section.valueOf(name.strip().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw refused(
            "--sections: '"
                + name
                + "' is not a section; choose from "
                + String.join(
                    ",", EnumSet.allOf(Section.class).stream().map(Section::flagName).toList()));
      }
    }
    String[] names = {
      "--batch",
      "--threads",
      "--iterations",
      "--scaled-iterations",
      "--sgemm-size",
      "--sgemm-repeats",
      "--pipeline-images",
      "--workers"
    };
    int[] values = {
      batch, threads, iterations, scaledIterations, sgemmSize, sgemmRepeats, pipelineImages, workers
    };
    for (int i = 0; i < names.length; i++) {
      if (values[i] < 1) {
        throw refused(names[i] + " must be a whole number >= 1, not " + values[i]);
      }
    }
    if (!(pipelineSeconds > 0)) {
      throw refused("--pipeline-seconds must be a number of seconds > 0, not " + pipelineSeconds);
    }
    for (int n : executors) {
      if (n < 1) {
        throw refused("--executors: counts must be whole numbers >= 1, not " + n);
      }
    }
    List<AveragingBenchmark.Run> runs = new ArrayList<>();
    for (String setting : averaging) {
      runs.add(averagingRun(setting.strip()));
    }
    URI dataset = data == null ? null : Storage.toUri(data);
    return new SideBySideBenchmark.Options(
        chosen,
        batch,
        threads,
        iterations,
        scaledIterations,
        python,
        sgemmSize,
        sgemmRepeats,
        dataset,
        pipelineImages,
        pipelineSeconds,
        new AveragingBenchmark.Plan(
            workers, runs, executorMemory, clusterDir, transports(), executors));
  }

  /** --transport as the clusters to start, in order. */
  private List<AveragingBenchmark.Transport> transports() {
    List<AveragingBenchmark.Transport> chosen = new ArrayList<>();
    for (String name : transports) {
      AveragingBenchmark.Transport transport = null;
      for (AveragingBenchmark.Transport t : AveragingBenchmark.Transport.values()) {
        if (t.toString().equals(name.strip())) {
          transport = t;
        }
      }
      if (transport == null) {
        throw refused("--transport: '" + name + "' is neither secured nor plain");
      }
      chosen.add(transport);
    }
    return chosen;
  }

  /** "16x5:2" as minibatch 16, frequency 5, 2 rounds. */
  private AveragingBenchmark.Run averagingRun(String setting) {
    Matcher m = Pattern.compile("(\\d+)x(\\d+):(\\d+)").matcher(setting);
    if (!m.matches()
        || Integer.parseInt(m.group(1)) < 1
        || Integer.parseInt(m.group(2)) < 1
        || Integer.parseInt(m.group(3)) < 1) {
      throw refused(
          "--averaging: '"
              + setting
              + "' is not BATCHxFREQUENCY:ROUNDS with whole "
              + "numbers >= 1, e.g. 16x1:2");
    }
    return new AveragingBenchmark.Run(
        Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
  }

  private CommandLine.ParameterException refused(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}

package org.alexnetspark.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.alexnetspark.bench.PipelineBenchmark;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Storage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet bench}: speed measurements. */
@Command(name = "bench", description = "Measure speed.",
    subcommands = {BenchCommand.Pipeline.class, CommandLine.HelpCommand.class})
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
      PipelineBenchmark.Result result = new PipelineBenchmark(Storage.withDefaultConfiguration())
          .run(Storage.toUri(data), config.augment(), config.data().decoder(),
              config.model().networkInputSize(), images, seconds);
      spec.commandLine().getOut().print(result.render());
      return ExitCodes.OK;
    }
  }
}

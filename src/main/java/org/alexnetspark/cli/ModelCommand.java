package org.alexnetspark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelSummary;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet model}: builds the configured network and prints it layer by layer. */
@Command(
    name = "model",
    description = {
      "Print the configured network layer by layer.",
      "One row per layer (output shape, parameters, neurons), ending with 'total parameters: N'."
    })
final class ModelCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--variant",
      paramLabel = "VARIANT",
      description = "paper | single-tower | scaled (sets model.variant).")
  private String variant;

  @Option(
      names = "--classes",
      paramLabel = "N",
      description = "Output classes (sets model.classes).")
  private Integer classes;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() {
    List<String> flags = new ArrayList<>();
    if (variant != null) {
      flags.add("model.variant=" + variant);
    }
    if (classes != null) {
      flags.add("model.classes=" + classes);
    }
    AlexNetConfig config = configOptions.load(flags);
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    spec.commandLine()
        .getOut()
        .print(ModelSummary.of(network, AlexNet.inputType(config.model())).render());
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}

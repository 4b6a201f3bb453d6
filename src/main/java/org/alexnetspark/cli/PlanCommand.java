package org.alexnetspark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.plan.CostModel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code alexnet plan}: the averaging cost model for a GPU cluster. */
@Command(
    name = "plan",
    sortOptions = false,
    description = {
      "Print what parameter averaging costs on a GPU cluster: bytes per round through the driver",
      "and the busiest executor, time on the links, the share of wall time at a frequency, and",
      "the averaging frequency that keeps that share under a target. The payload (parameters,",
      "and momentum when averaged) is the configured network's, at the configured precision."
    })
final class PlanCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(names = "--executors", required = true, paramLabel = "N", description = "Executors.")
  private int executors;

  @Option(
      names = "--gpus-per-executor",
      defaultValue = "2",
      paramLabel = "G",
      description = "GPUs (workers) per executor (default: ${DEFAULT-VALUE}).")
  private int gpus;

  @Option(
      names = "--gpu",
      paramLabel = "NAME",
      description =
          "A named GPU and its AlexNet training rate: ${COMPLETION-CANDIDATES} (260, 675, 2760"
              + " images/s); or give --images-per-second.")
  private CostModel.Gpu gpu;

  @Option(
      names = "--images-per-second",
      paramLabel = "RATE",
      description = "One GPU's training rate in images/s (instead of --gpu).")
  private Double imagesPerSecond;

  @Option(
      names = "--link-gbps",
      defaultValue = "10",
      paramLabel = "GBPS",
      description = "Network link of every node, Gb/s (default: ${DEFAULT-VALUE}).")
  private double linkGbps;

  @Option(
      names = "--precision",
      paramLabel = "fp32|fp16",
      description = "Wire precision (default: train.averaging.precision).")
  private String precision;

  @Option(
      names = "--momentum",
      paramLabel = "averaged|local|reset",
      description = "Momentum between rounds (default: train.averaging.momentum).")
  private String momentum;

  @Option(
      names = "--combine",
      paramLabel = "driver|tree",
      description = "Where results are added up (default: train.averaging.combine).")
  private String combine;

  @Option(
      names = "--tree-depth",
      paramLabel = "D",
      description = "Levels of the tree (default: train.averaging.tree-depth).")
  private Integer treeDepth;

  @Option(
      names = "--frequency",
      paramLabel = "F",
      description =
          "Averaging frequency to give the share for (default: train.averaging-frequency).")
  private Integer frequency;

  @Option(
      names = "--target-share",
      defaultValue = "0.10",
      paramLabel = "SHARE",
      description = "Largest share of wall time for averaging (default: ${DEFAULT-VALUE}).")
  private double targetShare;

  @Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() {
    if ((gpu == null) == (imagesPerSecond == null)) {
      throw new ParameterException(
          spec.commandLine(),
          "give the GPU's training rate: either --gpu NAME or --images-per-second RATE");
    }
    List<String> flags = new ArrayList<>();
    if (precision != null) {
      flags.add("train.averaging.precision=" + precision);
    }
    if (momentum != null) {
      flags.add("train.averaging.momentum=" + momentum);
    }
    if (combine != null) {
      flags.add("train.averaging.combine=" + combine);
    }
    if (treeDepth != null) {
      flags.add("train.averaging.tree-depth=" + treeDepth);
    }
    AlexNetConfig config = configOptions.load(flags);
    TrainConfig.Averaging averaging = config.train().averaging();
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    long values =
        network.numParams()
            + (averaging.momentum() == TrainConfig.Momentum.AVERAGED
                ? network.getUpdater().getStateViewArray().length()
                : 0);
    long payload = values * (averaging.precision() == TrainConfig.Precision.FP16 ? 2 : 4);
    double rate = gpu != null ? gpu.imagesPerSecond() : imagesPerSecond;
    CostModel model;
    try {
      model =
          new CostModel(
              executors,
              gpus,
              payload,
              averaging.combine(),
              averaging.treeDepth(),
              linkGbps,
              rate,
              config.train().batchPerWorker());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    int f = frequency != null ? frequency : config.train().averagingFrequency();
    var out = spec.commandLine().getOut();
    out.println(
        String.format(
            Locale.ROOT,
            "%d executors x %d GPUs = %d workers, %s %.0f images/s, batch %d, %.0f Gb/s links",
            executors,
            gpus,
            model.workers(),
            gpu != null ? gpu.toString() : "GPU at",
            rate,
            config.train().batchPerWorker(),
            linkGbps));
    out.println(
        String.format(
            Locale.ROOT,
            "payload per worker: %.1f MB (%s %s, %s momentum); combine: %s%s",
            payload / 1e6,
            config.model().variant(),
            averaging.precision(),
            averaging.momentum(),
            averaging.combine(),
            averaging.combine() == TrainConfig.Combine.TREE
                ? " (depth "
                    + averaging.treeDepth()
                    + ", fan-ins "
                    + CostModel.treeFanIns(model.workers(), averaging.treeDepth())
                    + ")"
                : ""));
    out.println(
        String.format(
            Locale.ROOT,
            "bytes per round: driver %.2f GB in, %.2f GB out; busiest executor %.2f GB in + out",
            model.driverBytesIn() / 1e9,
            model.driverBytesOut() / 1e9,
            model.busiestExecutorBytes() / 1e9));
    out.println(
        String.format(
            Locale.ROOT,
            "averaging per round on the links: %.2f s (a lower bound); fitting %d minibatches: %.2f s",
            model.averagingSeconds(),
            f,
            model.computeSeconds(f)));
    out.println(
        String.format(
            Locale.ROOT,
            "share of wall time averaging at frequency %d: %.1f%%",
            f,
            100 * model.share(f)));
    out.println(
        String.format(
            Locale.ROOT,
            "averaging frequency for at most %.0f%% averaging: %d",
            100 * targetShare,
            model.frequencyFor(targetShare)));
    return ExitCodes.OK;
  }
}

package org.alexnetspark.cli;

import java.io.PrintWriter;
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

  @Option(
      names = "--executors",
      required = true,
      split = ",",
      paramLabel = "N",
      description = "Executors; several (e.g. 2,8,32) print one row each.")
  private List<Integer> executors;

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
          "A named GPU and its AlexNet training rate: k40c (260 images/s), titan-x-maxwell (675),"
              + " titan-x-pascal (2760); or give --images-per-second.")
  private String gpuName;

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
    if ((gpuName == null) == (imagesPerSecond == null)) {
      throw new ParameterException(
          spec.commandLine(),
          "give the GPU's training rate: either --gpu NAME or --images-per-second RATE");
    }
    CostModel.Gpu gpu = null;
    if (gpuName != null) {
      for (CostModel.Gpu known : CostModel.Gpu.values()) {
        if (known.toString().equalsIgnoreCase(gpuName.strip())) {
          gpu = known;
        }
      }
      if (gpu == null) {
        throw new ParameterException(
            spec.commandLine(),
            "--gpu: '"
                + gpuName
                + "' is not a GPU this knows; choose k40c, titan-x-maxwell or titan-x-pascal,"
                + " or give --images-per-second");
      }
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
    int batch = config.train().batchPerWorker();
    int f = frequency != null ? frequency : config.train().averagingFrequency();
    if (f < 1 || !(targetShare > 0 && targetShare < 1)) {
      throw new ParameterException(
          spec.commandLine(),
          "--frequency must be >= 1 and --target-share in (0, 1); got " + f + ", " + targetShare);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        String.format(
            Locale.ROOT,
            "payload per worker: %.1f MB (%s network, %s, momentum %s); combine %s%s",
            payload / 1e6,
            config.model().variant(),
            averaging.precision(),
            averaging.momentum(),
            averaging.combine(),
            averaging.combine() == TrainConfig.Combine.TREE
                ? " (depth " + averaging.treeDepth() + ")"
                : ""));
    out.println(
        String.format(
            Locale.ROOT,
            "GPU: %s %.0f images/s, batch %d per worker; links %.0f Gb/s",
            gpu != null ? gpu.toString() : "given",
            rate,
            batch,
            linkGbps));
    out.println();
    out.println(
        String.format(
            Locale.ROOT,
            "| executors x GPUs | driver in / out per round | busiest executor per round "
                + "| averaging per round (links) | share at frequency %d "
                + "| frequency for <= %.0f%% |",
            f,
            100 * targetShare));
    out.println("|---|---|---|---|---|---|");
    for (int n : executors) {
      CostModel model;
      try {
        model =
            new CostModel(
                n,
                gpus,
                payload,
                averaging.combine(),
                averaging.treeDepth(),
                linkGbps,
                rate,
                batch);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      out.println(
          String.format(
              Locale.ROOT,
              "| %d x %d = %d | %.2f / %.2f GB | %.2f GB | %.2f s | %.1f%% | %d |",
              n,
              gpus,
              model.workers(),
              model.driverBytesIn() / 1e9,
              model.driverBytesOut() / 1e9,
              model.busiestExecutorBytes() / 1e9,
              model.averagingSeconds(),
              100 * model.share(f),
              model.frequencyFor(targetShare)));
    }
    out.flush();
    return ExitCodes.OK;
  }
}

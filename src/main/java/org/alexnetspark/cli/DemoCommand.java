package org.alexnetspark.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.alexnetspark.demo.DemoJob;
import org.alexnetspark.eval.EvaluationReport;
import org.alexnetspark.prepare.IdxImageTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code alexnet demo}: the whole system on Fashion-MNIST, on this machine. */
@Command(
    name = "demo",
    description = {
      "Run the whole system on this machine on real photos (Fashion-MNIST).",
      "Converts Fashion-MNIST to an ImageNet-style JPEG tree (a validation split held out of",
      "the 60,000 training images), starts an in-process HDFS and local Spark, and runs prepare,",
      "stats, train, evaluate (centre crop and ten crops on the 10,000 test images), predict and",
      "the pictures, with progress throughout. Leaves model/, eval.json, curves.png,",
      "confusion.png and filters.png in --output."
    })
final class DemoCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--output",
      defaultValue = "demo-output",
      paramLabel = "DIR",
      description =
          "Local folder for everything the demo makes (default: ${DEFAULT-VALUE}); must "
              + "be empty or absent.")
  private Path output;

  @Option(
      names = "--minutes",
      defaultValue = "20",
      paramLabel = "N",
      description =
          "Time budget of the whole demo (default: ${DEFAULT-VALUE}); training gets "
              + "what the other stages leave and stops after the last epoch that fits.")
  private double minutes;

  @Option(
      names = "--fashion-mnist",
      paramLabel = "DIR",
      description =
          "Folder with Fashion-MNIST's IDX files (default: "
              + IdxImageTree.FASHION_MNIST_DIR
              + ", Debian's dataset-fashion-mnist).")
  private Path fashionMnist = Paths.get(IdxImageTree.FASHION_MNIST_DIR);

  @Option(
      names = "--per-class",
      defaultValue = "0",
      paramLabel = "N",
      description = "Use only N training images per class (0: all 6,000), for a quick run.")
  private int perClass;

  @picocli.CommandLine.Mixin private ConfigOptions configOptions;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    configOptions.load(List.of()); // refuses a bad --conf or --set before anything runs
    DemoJob job =
        new DemoJob(
            new DemoJob.Options(
                output,
                minutes,
                fashionMnist,
                configOptions.files(),
                configOptions.overrides(),
                perClass,
                10),
            out);
    job.check();
    DemoJob.Result result = job.run();
    EvaluationReport r = result.report();
    out.println();
    out.printf(
        Locale.ROOT,
        "done in %d:%02d (%d epochs). On the %,d test images:%n",
        result.wallTime().toMinutes(),
        result.wallTime().toSecondsPart(),
        result.epochs(),
        r.images());
    out.printf(
        Locale.ROOT,
        "  centre crop: top-1 %.2f%%  top-5 %.2f%%   (error %.2f%%, %.2f%%)%n",
        100 * r.top1(),
        100 * r.top5(),
        100 * r.top1Error(),
        100 * r.top5Error());
    out.printf(
        Locale.ROOT,
        "  ten crops:   top-1 %.2f%%  top-5 %.2f%%   (error %.2f%%, %.2f%%)%n",
        100 * r.tenCropTop1(),
        100 * r.tenCropTop5(),
        100 * r.tenCropTop1Error(),
        100 * r.tenCropTop5Error());
    out.println("  model:      " + result.model());
    out.println("  report:     " + result.evaluation());
    for (Path picture : result.pictures()) {
      out.println("  picture:    " + picture);
    }
    return ExitCodes.OK;
  }
}

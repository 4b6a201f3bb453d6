package org.alexnetspark.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.alexnetspark.bench.BenchTable.Row;
import org.alexnetspark.bench.BenchTable.Target;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.BuildInfo;
import org.alexnetspark.io.Storage;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet bench}: every measure beside its reference, measured in the same run, as one
 * {@link BenchTable}.
 *
 * <p>Sections, in the order they run:
 *
 * <ul>
 *   <li>{@code fit}: the configured network (the paper's, 227x227) fitting and inferring on one
 *       process, beside the same network in PyTorch ({@link TorchReference}).
 *   <li>{@code sgemm}: ND4J's single-precision matrix-multiply rate, and the share of it the
 *       fitting reaches ({@link TrainingArithmetic}).
 *   <li>{@code scaled}: the demo's network ({@code conf/demo.conf}) fitting, beside PyTorch.
 *   <li>{@code pipeline}: decoding plus training augmentation per core beside libjpeg-turbo ({@link
 *       PipelineBenchmark}).
 *   <li>{@code averaging}: parameter averaging on a loopback cluster of separate JVMs ({@link
 *       AveragingBenchmark}).
 * </ul>
 *
 * Peak resident memory closes the table: of this JVM after the single-process sections, and of each
 * executor JVM of the averaging section.
 */
public final class SideBySideBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(SideBySideBenchmark.class);

  /** The target of the paper network's fit rate over PyTorch's. */
  static final double FIT_TARGET = 1.3;

  /** The target of the paper network's inference rate over PyTorch's. */
  static final double INFERENCE_TARGET = 1.5;

  /** The target share of the matrix-multiply rate reached by fitting. */
  static final double SGEMM_SHARE_TARGET = 0.85;

  /** The target of the scaled network's fit rate over PyTorch's. */
  static final double SCALED_TARGET = 0.5;

  /** The target of decoding plus augmentation per core over libjpeg-turbo's decoding. */
  static final double PIPELINE_TARGET = 0.7;

  /** A part of the bench, selectable with {@code --sections}. */
  public enum Section {
    FIT,
    SGEMM,
    SCALED,
    PIPELINE,
    AVERAGING;

    /** The name on the command line. */
    public String flagName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * What to measure and how long.
   *
   * @param sections the sections to run
   * @param batch minibatch of the paper-network rows
   * @param threads threads of ND4J and of PyTorch in the single-process rows
   * @param iterations measured minibatches of the paper-network rows (after one warm-up)
   * @param scaledIterations measured minibatches of the scaled-network row
   * @param python the interpreter that runs the PyTorch reference
   * @param sgemmSize side of the square matrices multiplied
   * @param sgemmRepeats multiplies timed; the best counts
   * @param pipelineData a prepared dataset whose stored JPEGs the pipeline row decodes, or null for
   *     Fashion-MNIST photos
   * @param pipelineImages JPEGs in the pipeline sample
   * @param pipelineSeconds seconds per measured pipeline rate
   * @param averaging the averaging runs
   */
  public record Options(
      Set<Section> sections,
      int batch,
      int threads,
      int iterations,
      int scaledIterations,
      String python,
      int sgemmSize,
      int sgemmRepeats,
      URI pipelineData,
      int pipelineImages,
      double pipelineSeconds,
      AveragingBenchmark.Plan averaging) {
    public Options {
      sections = sections.isEmpty() ? EnumSet.noneOf(Section.class) : EnumSet.copyOf(sections);
    }
  }

  private final AlexNetConfig network;
  private final AlexNetConfig demo;
  private final Storage storage;

  /**
   * @param network configuration of the paper-network rows (the defaults: the paper's network)
   * @param demo configuration of the scaled rows (conf/demo.conf over the defaults)
   * @param storage where a prepared dataset for the pipeline row is read from
   */
  public SideBySideBenchmark(AlexNetConfig network, AlexNetConfig demo, Storage storage) {
    this.network = network;
    this.demo = demo;
    this.storage = storage;
  }

  /** Runs the selected sections; rows of sections not selected are left out. */
  public BenchTable run(Options options) throws IOException, InterruptedException {
    Map<String, String> context = new LinkedHashMap<>();
    context.put("load average at start", loadAverage());
    context.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    context.put("alexnet-spark", BuildInfo.version());
    context.put("java", System.getProperty("java.version"));
    context.put("sections", options.sections().stream().map(Section::flagName).toList().toString());
    Nd4j.getEnvironment().setMaxMasterThreads(options.threads());
    Nd4j.getEnvironment().setMaxThreads(options.threads());
    context.put(
        "ND4J",
        Nd4j.getBackend().getClass().getSimpleName()
            + ", "
            + Nd4j.getEnvironment().maxThreads()
            + " threads");

    List<Row> rows = new ArrayList<>();
    TrainBenchmark.WorkerRate fit = null;
    TorchReference torch = new TorchReference(options.python());
    if (options.sections().contains(Section.FIT)) {
      LOG.info(
          "fit: {} network, batch {}, {} iterations",
          network.model().variant(),
          options.batch(),
          options.iterations());
      fit =
          TrainBenchmark.workerRate(
              network, options.batch(), options.iterations(), options.iterations());
      TorchReference.Result reference =
          torch.measure(
              network,
              options.batch(),
              options.threads(),
              options.iterations(),
              options.iterations());
      String what =
          String.format(
              Locale.ROOT,
              "%s network %dx%d, batch %d, %d threads",
              network.model().variant(),
              fit.inputSize(),
              fit.inputSize(),
              options.batch(),
              options.threads());
      rows.add(
          compared(
              "fit",
              "fit, " + what,
              "images/s",
              fit.fitImagesPerSecond(),
              reference,
              reference.fit(),
              Target.atLeast(FIT_TARGET)));
      rows.add(
          compared(
              "fit",
              "inference, " + what,
              "images/s",
              fit.inferenceImagesPerSecond(),
              reference,
              reference.inference(),
              Target.atLeast(INFERENCE_TARGET)));
    }
    log(rows, 0);
    if (options.sections().contains(Section.SGEMM)) {
      rows.add(sgemmRow(options, fit));
      log(rows, rows.size() - 1);
    }
    if (options.sections().contains(Section.SCALED)) {
      int batch = demo.train().batchPerWorker();
      LOG.info("scaled: demo network, batch {}, {} iterations", batch, options.scaledIterations());
      TrainBenchmark.WorkerRate scaled =
          TrainBenchmark.workerRate(
              demo, batch, options.scaledIterations(), options.scaledIterations());
      TorchReference.Result reference =
          torch.measure(
              demo,
              batch,
              options.threads(),
              options.scaledIterations(),
              options.scaledIterations());
      rows.add(
          compared(
              "scaled",
              String.format(
                  Locale.ROOT,
                  "fit, demo network %dx%d (conf/demo.conf), batch %d",
                  scaled.inputSize(),
                  scaled.inputSize(),
                  batch),
              "images/s",
              scaled.fitImagesPerSecond(),
              reference,
              reference.fit(),
              Target.atLeast(SCALED_TARGET)));
      log(rows, rows.size() - 1);
    }
    if (options.sections().contains(Section.PIPELINE)) {
      for (Row row : pipelineRows(options)) {
        rows.add(row);
        log(rows, rows.size() - 1);
      }
    }
    OptionalLong peak = PeakMemory.ofThisProcess();
    if (options.sections().stream().anyMatch(s -> s != Section.AVERAGING)) {
      rows.add(
          peak.isPresent()
              ? Row.of(
                  "memory",
                  "peak RSS of this JVM (single-process rows)",
                  "GB",
                  peak.getAsLong() / 1e9,
                  null,
                  null,
                  null,
                  "VmHWM of /proc/self/status after the rows above")
              : Row.notMeasured(
                  "memory",
                  "peak RSS of this JVM (single-process rows)",
                  "GB",
                  null,
                  "/proc/self/status has no VmHWM (not Linux)"));
    }
    if (options.sections().contains(Section.AVERAGING)) {
      LOG.info("averaging: loopback cluster, {}", options.averaging());
      int from = rows.size();
      if (options.averaging().executors().isEmpty()) {
        rows.addAll(new AveragingBenchmark(network).run(options.averaging()));
      } else {
        // Scaling over executor counts: the demo's (scaled) network keeps it to minutes.
        rows.addAll(new AveragingBenchmark(demo).scaling(options.averaging()));
      }
      log(rows, from);
    }
    context.put("load average at end", loadAverage());
    return new BenchTable(rows, context);
  }

  /** Logs each row as it is measured, so that a run cut short still shows what it measured. */
  private static void log(List<Row> rows, int from) {
    for (Row row : rows.subList(from, rows.size())) {
      LOG.info(
          "{}: {} {} (reference {}, ratio {}, target {}, {})",
          row.measure(),
          row.ours(),
          row.unit(),
          row.reference(),
          row.ratio(),
          row.target(),
          row.met() == null ? "-" : row.met() ? "met" : "not met");
    }
  }

  private Row sgemmRow(Options options, TrainBenchmark.WorkerRate fit) {
    LOG.info("sgemm: {}^3, best of {}", options.sgemmSize(), options.sgemmRepeats());
    double sgemm =
        TrainingArithmetic.sgemmFlopsPerSecond(options.sgemmSize(), options.sgemmRepeats()) / 1e9;
    double flops = TrainingArithmetic.trainingFlopsPerImage(network.model());
    String measure =
        "fit arithmetic rate vs ND4J SGEMM (" + network.model().variant() + " network)";
    String how =
        String.format(
            Locale.ROOT,
            "%.3g GFLOP per training image (forward and two "
                + "backward products of every convolution and FC layer, 2 FLOP per multiply-add) x fit "
                + "images/s, against the best of %d ND4J float mmul %d^3",
            flops / 1e9,
            options.sgemmRepeats(),
            options.sgemmSize());
    if (fit == null) {
      return new Row(
          "sgemm",
          measure,
          "GFLOP/s",
          null,
          sgemm,
          null,
          Target.atLeast(SGEMM_SHARE_TARGET),
          null,
          "fit rate not measured (section fit not selected); " + how);
    }
    double ours = fit.fitImagesPerSecond() * flops / 1e9;
    return Row.of(
        "sgemm",
        measure,
        "GFLOP/s",
        ours,
        sgemm,
        ours / sgemm,
        Target.atLeast(SGEMM_SHARE_TARGET),
        how + "; ratio = share of the SGEMM rate");
  }

  /**
   * Two rows: decoding plus augmentation as executors run it for GPU workers (byte crops, the
   * target's row), and as the CPU backend trains (floats written on the core).
   */
  private List<Row> pipelineRows(Options options) throws IOException, InterruptedException {
    LOG.info(
        "pipeline: {} images, {} s per rate", options.pipelineImages(), options.pipelineSeconds());
    PipelineBenchmark bench = new PipelineBenchmark(storage);
    PipelineBenchmark.Result result =
        options.pipelineData() == null
            ? bench.runOnFashionMnist(
                network.data(),
                network.augment(),
                network.model().networkInputSize(),
                options.pipelineImages(),
                options.pipelineSeconds())
            : bench.run(
                options.pipelineData(),
                network.augment(),
                network.data().decoder(),
                network.model().networkInputSize(),
                options.pipelineImages(),
                options.pipelineSeconds());
    String sample =
        String.format(
            Locale.ROOT,
            "%d %s; decoder %s, augmentation rows %s; file by file: decode alone %,.0f"
                + " images/s; cycling through the sample: decode alone %,.0f",
            result.files(),
            result.source(),
            result.decoder(),
            result.vectorised() ? "vectorised" : "plain (no jdk.incubator.vector)",
            result.decode(),
            result.decodeCycling());
    String bytesHow =
        String.format(
            Locale.ROOT,
            "%s, decode + augmentation into byte crops %,.0f images/s%s; crop and mirror written as"
                + " bytes, the mean, colour noise and scale applied by the worker's backend"
                + " (augment.float-conversion = backend, auto's choice on GPU backends): %s"
                + " converts %,.0f images/s in minibatches of %d here; %s",
            sample,
            result.augmentCycling(),
            ofTurbo(result.augmentCycling(), result.turbo()),
            result.backend(),
            result.conversion(),
            result.conversionBatch(),
            result.note());
    String floatsHow =
        String.format(
            Locale.ROOT,
            "the same sample; the whole augmentation written as floats on the core"
                + " (augment.float-conversion = cpu, auto's choice on the CPU backend); cycling"
                + " through the sample %,.0f images/s%s",
            result.augmentFloatsCycling(),
            ofTurbo(result.augmentFloatsCycling(), result.turbo()));
    String bytesMeasure = "decode + train augmentation per core vs tjbench decode";
    String floatsMeasure = "  the same, written as floats (CPU backend's path)";
    if (Double.isNaN(result.turbo())) {
      String why = "not measured: tjbench not installed (Debian: libjpeg-turbo-progs); ";
      return List.of(
          new Row(
              "pipeline",
              bytesMeasure,
              "images/s",
              result.augment(),
              null,
              null,
              Target.atLeast(PIPELINE_TARGET),
              null,
              why + bytesHow),
          new Row(
              "pipeline",
              floatsMeasure,
              "images/s",
              result.augmentFloats(),
              null,
              null,
              null,
              null,
              why + floatsHow));
    }
    return List.of(
        Row.of(
            "pipeline",
            bytesMeasure,
            "images/s",
            result.augment(),
            result.turbo(),
            result.augment() / result.turbo(),
            Target.atLeast(PIPELINE_TARGET),
            bytesHow),
        Row.of(
            "pipeline",
            floatsMeasure,
            "images/s",
            result.augmentFloats(),
            result.turbo(),
            result.augmentFloats() / result.turbo(),
            null,
            floatsHow));
  }

  private static String ofTurbo(double rate, double turbo) {
    return Double.isNaN(turbo)
        ? ""
        : String.format(Locale.ROOT, " (%.2f of tjbench)", rate / turbo);
  }

  private static Row compared(
      String section,
      String measure,
      String unit,
      double ours,
      TorchReference.Result reference,
      double theirs,
      Target target) {
    if (!reference.measured()) {
      return new Row(
          section,
          measure,
          unit,
          ours,
          null,
          null,
          target,
          null,
          "PyTorch not measured: " + reference.description());
    }
    return Row.of(
        section,
        measure,
        unit,
        ours,
        theirs,
        ours / theirs,
        target,
        "reference: the same network in "
            + reference.description()
            + " (src/main/python/alexnet_torch_bench.py)");
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }
}

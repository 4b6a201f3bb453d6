package org.alexnetspark.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.PcaLighting;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.bench.BenchTable.Row;
import org.alexnetspark.bench.BenchTable.Target;
import org.alexnetspark.cluster.LoopbackCluster;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.ModelVariant;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.spark.SparkJobs;
import org.alexnetspark.train.ParameterAveraging;
import org.alexnetspark.train.averaging.NodeBytes;
import org.alexnetspark.train.averaging.RoundReport;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.network.util.JavaUtils;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What parameter averaging costs on a loopback cluster of separate JVMs ({@link LoopbackCluster}: a
 * standalone master and one single-core worker per replica): time per round spent outside fitting,
 * its share of wall time at several minibatch sizes and averaging frequencies, bytes moved per
 * round beside the least possible, and each executor JVM's peak resident memory.
 *
 * <p>Time outside fitting = a round's wall time on the driver minus the workers' mean time fitting
 * minibatches and building replicas (a one-off per worker): encoding and broadcasting the
 * parameters, scheduling, reading minibatches, sending results back, averaging.
 */
public final class AveragingBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(AveragingBenchmark.class);

  /**
   * Averaging time per round of the paper's network with 2 workers, minibatch 16, frequency 1,
   * measured on this project's reference machine with dl4j-spark's ParameterAveragingTrainingMaster
   * before it was replaced: the target is a quarter of it.
   */
  public static final double BASELINE_ROUND_SECONDS = 22.08;

  /** Target share of the baseline for the time per round. */
  static final double ROUND_TARGET = 0.25;

  /** Target share of wall time spent averaging at the paper's minibatch and frequency 5. */
  static final double SHARE_TARGET = 0.10;

  /**
   * One measured setting.
   *
   * @param batch minibatch per worker
   * @param frequency minibatches per worker between averagings
   * @param rounds rounds measured
   */
  public record Run(int batch, int frequency, int rounds) {
    @Override
    public String toString() {
      return "batch " + batch + ", frequency " + frequency;
    }
  }

  /** How the processes of the loopback cluster talk to each other. */
  public enum Transport {
    /** No authentication, nothing encrypted. */
    PLAIN,
    /**
     * As {@code conf/spark-defaults.conf} sets up a cluster: {@code spark.authenticate}, AES
     * encryption of RPC and block transfers, encrypted shuffle and spill files.
     */
    SECURED;

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The averaging section.
   *
   * @param workers worker JVMs (one replica each)
   * @param runs the settings measured, in order; the first is preceded by one unmeasured round
   * @param executorMemory {@code spark.executor.memory}
   * @param workDir where the cluster keeps its logs and work folders, or null for a temporary one
   * @param transports one loopback cluster each, in this order, on which every run is measured
   * @param executors executor counts of the scaling rows (one cluster each, both ways of adding
   *     results up, the first run's setting); empty: no scaling rows
   */
  public record Plan(
      int workers,
      List<Run> runs,
      String executorMemory,
      Path workDir,
      List<Transport> transports,
      List<Integer> executors) {
    public Plan {
      runs = List.copyOf(runs);
      transports = List.copyOf(transports);
      executors = List.copyOf(executors);
      if (transports.isEmpty()) {
        throw new IllegalArgumentException("the averaging section needs at least one transport");
      }
    }

    /** On one cluster secured as {@code conf/spark-defaults.conf} secures one. */
    public Plan(int workers, List<Run> runs, String executorMemory, Path workDir) {
      this(workers, runs, executorMemory, workDir, List.of(Transport.SECURED), List.of());
    }
  }

  /** Target: the tree's driver bytes per round at the most executors over those at the fewest. */
  static final double TREE_GROWTH_TARGET = 1.2;

  private final AlexNetConfig config;

  public AveragingBenchmark(AlexNetConfig config) {
    this.config = config;
  }

  /** The section's rows: round time, shares, bytes per round, executors' peak memory. */
  public List<Row> run(Plan plan) throws IOException, InterruptedException {
    Path dir =
        plan.workDir() != null
            ? Files.createDirectories(plan.workDir())
            : Files.createTempDirectory("alexnet-bench-cluster");
    String workerMemory = (JavaUtils.byteStringAsMb(plan.executorMemory()) + 512) + "m";
    List<Row> rows = new ArrayList<>();
    boolean several = plan.transports().size() > 1;
    List<List<Measured>> passes = new ArrayList<>();
    for (int pass = 0; pass < plan.transports().size(); pass++) {
      Transport transport = plan.transports().get(pass);
      // Several clusters: each in a folder of its own, the label says which rows are whose.
      Path clusterDir = several ? dir.resolve("cluster-" + (pass + 1) + "-" + transport) : dir;
      String label = several ? ", " + transport + " transport, cluster " + (pass + 1) : "";
      LoopbackCluster.Options options =
          LoopbackCluster.Options.of(plan.workers(), 1, workerMemory, 0, clusterDir)
              .withSecurity(transport == Transport.SECURED);
      try (LoopbackCluster cluster = LoopbackCluster.start(options);
          JavaSparkContext spark = SparkJobs.start(driverConf(cluster, plan, plan.workers()))) {
        LOG.info(
            "loopback cluster {} with {} workers, {} transport; logs in {}",
            cluster.masterUrl(),
            plan.workers(),
            transport,
            clusterDir);
        List<Measured> measured =
            measure(
                spark,
                plan.workers(),
                plan.runs(),
                config.train().averaging(),
                clusterDir.resolve("data"));
        passes.add(measured);
        rows.addAll(rows(plan, measured, label));
        rows.add(
            peakMemoryRow(cluster.executors().stream().map(ProcessHandle::pid).toList(), label));
      }
    }
    if (plan.transports().contains(Transport.PLAIN)
        && plan.transports().contains(Transport.SECURED)) {
      rows.addAll(transportRows(plan, passes));
    }
    return rows;
  }

  /**
   * Per setting: the averaging time per round on the secured clusters over that on the plain ones
   * (means over the clusters of each kind).
   */
  private List<Row> transportRows(Plan plan, List<List<Measured>> passes) {
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < plan.runs().size(); r++) {
      List<String> each = new ArrayList<>();
      double[] sum = new double[Transport.values().length];
      int[] count = new int[Transport.values().length];
      for (int pass = 0; pass < passes.size(); pass++) {
        Transport transport = plan.transports().get(pass);
        Measured m = passes.get(pass).get(r);
        double perRound = m.outsideFittingSeconds() / m.rounds().size();
        sum[transport.ordinal()] += perRound;
        count[transport.ordinal()]++;
        each.add(String.format(Locale.ROOT, "%s %.2f s", transport, perRound));
      }
      double secured = sum[Transport.SECURED.ordinal()] / count[Transport.SECURED.ordinal()];
      double plain = sum[Transport.PLAIN.ordinal()] / count[Transport.PLAIN.ordinal()];
      rows.add(
          Row.of(
              "averaging",
              "averaging time per round, secured vs plain transport, "
                  + config.model().variant()
                  + " network, "
                  + plan.runs().get(r),
              "s",
              secured,
              plain,
              secured / plain,
              null,
              "secured: spark.authenticate, spark.network.crypto.enabled, "
                  + "spark.io.encryption.enabled; per cluster, in order: "
                  + String.join(", ", each)));
    }
    return rows;
  }

  /**
   * The scaling rows: for each executor count, a loopback cluster of that many single-core
   * executors (one replica each), the first run's setting with results added up on the driver and
   * in a tree: driver bytes per round, the largest executor's bytes per round, and time per round
   * outside fitting; the same at the fewest executors with two workers each (whose results the tree
   * adds up in their executor); then the tree's driver bytes at the most executors over those at
   * the fewest.
   */
  public List<Row> scaling(Plan plan) throws IOException, InterruptedException {
    List<Row> rows = new ArrayList<>();
    if (plan.executors().isEmpty() || plan.runs().isEmpty()) {
      return rows;
    }
    Map<Integer, Double> treeDriverBytes = new TreeMap<>();
    for (int executors : plan.executors()) {
      rows.addAll(scalingRows(plan, executors, 1, treeDriverBytes));
    }
    // Two workers per executor, at the fewest executors: in a tree they add up in their executor,
    // which then sends one sum where the driver path sends two results.
    int fewest = plan.executors().stream().mapToInt(Integer::intValue).min().orElseThrow();
    rows.addAll(scalingRows(plan, fewest, 2, new TreeMap<>()));
    if (treeDriverBytes.size() >= 2) {
      int most = plan.executors().stream().mapToInt(Integer::intValue).max().orElseThrow();
      double growth = treeDriverBytes.get(most) / treeDriverBytes.get(fewest);
      rows.add(
          Row.of(
              "averaging",
              "tree: driver bytes per round at " + most + " executors over " + fewest,
              "x",
              growth,
              null,
              growth,
              Target.atMost(TREE_GROWTH_TARGET),
              "the driver's traffic must not grow with the executors"));
    }
    return rows;
  }

  /**
   * The scaling rows of one loopback cluster: {@code executors} executors of {@code perExecutor}
   * single-core workers each, the first run's setting with results added up on the driver and in a
   * tree; the tree's driver bytes per round go into {@code treeDriverBytes} by executor count.
   */
  private List<Row> scalingRows(
      Plan plan, int executors, int perExecutor, Map<Integer, Double> treeDriverBytes)
      throws IOException, InterruptedException {
    List<Row> rows = new ArrayList<>();
    Run run = plan.runs().get(0);
    String workerMemory = (JavaUtils.byteStringAsMb(plan.executorMemory()) + 512) + "m";
    String net = config.model().variant() + " network";
    TrainConfig.Averaging configured = config.train().averaging();
    String suffix = perExecutor > 1 ? "-x" + perExecutor : "";
    Path dir =
        plan.workDir() != null
            ? Files.createDirectories(plan.workDir().resolve("executors-" + executors + suffix))
            : Files.createTempDirectory("alexnet-bench-scaling");
    try (LoopbackCluster cluster =
            LoopbackCluster.start(executors, perExecutor, workerMemory, 0, dir);
        JavaSparkContext spark =
            SparkJobs.start(driverConf(cluster, plan, executors * perExecutor, perExecutor))) {
      LOG.info(
          "scaling: {} executors of {} workers on {}; logs in {}",
          executors,
          perExecutor,
          cluster.masterUrl(),
          dir);
      List<Run> runs = List.of(run, run);
      List<TrainConfig.Averaging> ways =
          List.of(
              new TrainConfig.Averaging(
                  configured.momentum(),
                  configured.precision(),
                  configured.transport(),
                  TrainConfig.Combine.DRIVER,
                  configured.treeDepth()),
              new TrainConfig.Averaging(
                  configured.momentum(),
                  configured.precision(),
                  configured.transport(),
                  TrainConfig.Combine.TREE,
                  configured.treeDepth()));
      for (int i = 0; i < ways.size(); i++) {
        TrainConfig.Averaging way = ways.get(i);
        Measured m =
            measure(
                    spark,
                    executors * perExecutor,
                    List.of(runs.get(i)),
                    way,
                    dir.resolve("data-" + i))
                .get(0);
        String setting =
            String.format(
                Locale.ROOT,
                "%s, %d executors%s, combine %s%s, %s",
                net,
                executors,
                perExecutor > 1 ? " x " + perExecutor + " workers" : "",
                way.combine(),
                way.combine() == TrainConfig.Combine.TREE ? " (depth " + way.treeDepth() + ")" : "",
                run);
        double driver = m.driverBytesPerRound();
        if (way.combine() == TrainConfig.Combine.TREE) {
          treeDriverBytes.put(executors, driver);
        }
        rows.add(
            Row.of(
                "averaging",
                "driver bytes per round, " + setting,
                "MB",
                driver / 1e6,
                null,
                null,
                null,
                String.format(
                    Locale.ROOT,
                    "in %.1f MB + out %.1f MB (the broadcast once), mean of %d round(s)",
                    m.mean(NodeBytes::driverIn) / 1e6,
                    m.mean(NodeBytes::driverOut) / 1e6,
                    m.rounds().size())));
        rows.add(
            Row.of(
                "averaging",
                "largest executor bytes per round, " + setting,
                "MB",
                m.mean(NodeBytes::busiestExecutor) / 1e6,
                null,
                null,
                null,
                String.format(
                    Locale.ROOT,
                    "in + out of the busiest executor, mean over rounds (the most one executor"
                        + " sent: %.1f MB); last round: %s",
                    m.mean(
                            b ->
                                b.executors().values().stream()
                                    .mapToLong(e -> e[1])
                                    .max()
                                    .orElse(0))
                        / 1e6,
                    m.rounds().get(m.rounds().size() - 1).nodeBytes())));
        rows.add(
            Row.of(
                "averaging",
                "time per round outside fitting, " + setting,
                "s",
                m.outsideFittingSeconds() / m.rounds().size(),
                null,
                null,
                null,
                String.format(
                    Locale.ROOT,
                    "wall %.2f s per round minus fitting and replica building",
                    m.wallSeconds() / m.rounds().size())));
      }
    }
    return rows;
  }

  /** A driver in this JVM on {@code cluster}: one single-core executor per worker. */
  private static SparkConf driverConf(LoopbackCluster cluster, Plan plan, int workers) {
    return driverConf(cluster, plan, workers, 1);
  }

  /** A driver in this JVM on {@code cluster}: executors of {@code perExecutor} workers. */
  private static SparkConf driverConf(
      LoopbackCluster cluster, Plan plan, int workers, int perExecutor) {
    SparkConf conf = SparkJobs.conf("alexnet bench averaging");
    cluster.driverSettings().forEach(conf::set);
    return conf.set("spark.cores.max", Integer.toString(workers))
        .set("spark.executor.cores", Integer.toString(perExecutor))
        .set("spark.executor.memory", plan.executorMemory())
        .set("spark.executorEnv.OMP_NUM_THREADS", "1")
        .set("spark.default.parallelism", Integer.toString(workers));
  }

  /** One run's rounds. */
  private record Measured(Run run, List<RoundReport> rounds, long parameters, long momentum) {
    double wallSeconds() {
      return rounds.stream().mapToDouble(RoundReport::seconds).sum();
    }

    double outsideFittingSeconds() {
      return rounds.stream()
          .mapToDouble(r -> Math.max(0, r.seconds() - r.fitSeconds() - r.workerSeconds()[1]))
          .sum();
    }

    double mean(ToLongFunction<NodeBytes> figure) {
      return rounds.stream()
          .mapToLong(r -> figure.applyAsLong(r.nodeBytes()))
          .average()
          .orElse(Double.NaN);
    }

    double driverBytesPerRound() {
      return mean(b -> b.driverIn() + b.driverOut());
    }

    double bytesPerRound() {
      return rounds.stream()
          .mapToDouble(r -> r.bytesToWorkers() * (double) r.tasks() + r.bytesFromWorkers())
          .average()
          .orElse(Double.NaN);
    }
  }

  private List<Measured> measure(
      JavaSparkContext spark,
      int workers,
      List<Run> runs,
      TrainConfig.Averaging averagingSettings,
      Path data)
      throws IOException {
    int crop = config.model().networkInputSize();
    int stored = crop + 8;
    int images = 0;
    for (int i = 0; i < runs.size(); i++) {
      Run run = runs.get(i);
      int rounds = run.rounds() + (i == 0 ? 1 : 0); // the first run has a warm-up round
      images = Math.max(images, workers * run.batch() * run.frequency() * rounds);
    }
    URI dataset = data.toUri();
    Storage storage = new Storage(spark.hadoopConfiguration());
    TrainBenchmark.writeSyntheticShard(storage, dataset, images, stored, config.model().classes());
    Manifest manifest = Manifest.read(storage, dataset);
    Augmenter augmenter =
        new Augmenter(
            stored,
            crop,
            0.5,
            new PcaLighting(
                new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
                new double[] {0.01, 0.01, 0.01},
                0.1),
            null);
    var broadcast = spark.broadcast(augmenter);
    List<Measured> results = new ArrayList<>();
    try {
      boolean first = true;
      for (Run run : runs) {
        LOG.info("averaging: {}, {} round(s)", run, run.rounds());
        TrainConfig train = config.train();
        TrainConfig bench =
            new TrainConfig(
                1,
                run.batch(),
                run.frequency(),
                averagingSettings,
                1,
                workers,
                run.rounds(),
                train.schedule(),
                0,
                0,
                1,
                0,
                TrainConfig.Divergence.STOP,
                0,
                run.batch(),
                train.seed(),
                0);
        ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
        ParameterAveraging averaging = new ParameterAveraging(spark, network, bench, workers);
        MinibatchReader reader =
            new MinibatchReader(
                broadcast::value,
                new HadoopConf(storage.hadoopConfiguration()),
                new MinibatchReader.Options(
                    config.data().decoder(), config.model().classes(), Preset.TRAIN, 1, 0));
        List<Minibatch> batches =
            MinibatchPlan.of(storage.hadoopConfiguration(), manifest, dataset, run.batch())
                .epoch(1, 0);
        int perRound = workers * run.frequency();
        int from = 0;
        if (first) { // one unmeasured round: JIT, native kernels, executors' first tasks
          averaging.fit(batches.subList(0, perRound), reader);
          from = perRound;
          first = false;
        }
        averaging.fit(batches.subList(from, from + perRound * run.rounds()), reader);
        long momentum =
            averagingSettings.momentum() == TrainConfig.Momentum.AVERAGED
                ? network.getUpdater().getStateViewArray().length()
                : 0;
        results.add(new Measured(run, averaging.lastRounds(), network.numParams(), momentum));
      }
    } finally {
      broadcast.destroy();
    }
    return results;
  }

  private List<Row> rows(Plan plan, List<Measured> measured, String label) {
    List<Row> rows = new ArrayList<>();
    String net = config.model().variant() + " network";
    int bytesPerValue =
        config.train().averaging().precision() == TrainConfig.Precision.FP16 ? 2 : 4;
    boolean paper = config.model().variant() == ModelVariant.PAPER;
    Measured first =
        measured.stream().filter(m -> m.run().frequency() == 1).findFirst().orElse(null);
    for (Measured m : measured) {
      double perRound = m.outsideFittingSeconds() / m.rounds().size();
      if (m == first) {
        // The baseline was measured in one setting; elsewhere the row informs but has no target.
        boolean baselineSetting = paper && plan.workers() == 2 && m.run().batch() == 16;
        rows.add(
            Row.of(
                "averaging",
                "averaging time per round, "
                    + net
                    + ", "
                    + plan.workers()
                    + " worker JVMs, "
                    + m.run()
                    + label,
                "s",
                perRound,
                BASELINE_ROUND_SECONDS,
                perRound / BASELINE_ROUND_SECONDS,
                baselineSetting ? Target.atMost(ROUND_TARGET) : null,
                String.format(
                    Locale.ROOT,
                    "mean of %d round(s) (wall %.1f s/round) minus fitting and "
                        + "replica building; reference: %.2f s, the paper network with 2 workers at batch 16, "
                        + "frequency 1, before the averaging was rewritten%s",
                    m.rounds().size(),
                    m.wallSeconds() / m.rounds().size(),
                    BASELINE_ROUND_SECONDS,
                    baselineSetting ? "" : " (not this setting: no target)")));
      }
      double share = m.outsideFittingSeconds() / m.wallSeconds();
      boolean paperSetting = paper && m.run().batch() == 128 && m.run().frequency() == 5;
      rows.add(
          Row.of(
              "averaging",
              "share of wall time averaging, " + net + ", " + m.run() + label,
              "%",
              100 * share,
              null,
              share,
              paperSetting ? Target.atMost(SHARE_TARGET) : null,
              String.format(
                  Locale.ROOT,
                  "%d round(s), %.1f s wall, %.1f s outside fitting (%.2f s per round)",
                  m.rounds().size(),
                  m.wallSeconds(),
                  m.outsideFittingSeconds(),
                  perRound)));
    }
    if (!measured.isEmpty()) {
      Measured m = measured.get(0);
      double minimum = 2.0 * plan.workers() * (m.parameters() + m.momentum()) * bytesPerValue;
      rows.add(
          Row.of(
              "averaging",
              "bytes moved per round vs minimum, " + net + label,
              "MB",
              m.bytesPerRound() / 1e6,
              minimum / 1e6,
              m.bytesPerRound() / minimum,
              null,
              String.format(
                  Locale.ROOT,
                  "moved: broadcast payload x tasks + results; minimum: %d "
                      + "parameters + %d momentum values x %d bytes x %d workers, both ways",
                  m.parameters(),
                  m.momentum(),
                  bytesPerValue,
                  plan.workers())));
    }
    return rows;
  }

  private static Row peakMemoryRow(List<Long> executors, String label) {
    String measure = "peak RSS per executor JVM (averaging rows" + label + ")";
    List<String> each = new ArrayList<>();
    double max = 0;
    for (long pid : executors) {
      OptionalLong peak = PeakMemory.of(pid);
      if (peak.isPresent()) {
        each.add(String.format(Locale.ROOT, "pid %d: %.2f GB", pid, peak.getAsLong() / 1e9));
        max = Math.max(max, peak.getAsLong() / 1e9);
      }
    }
    if (each.isEmpty()) {
      return Row.notMeasured(
          "memory", measure, "GB", null, "no executor JVM found to read VmHWM from");
    }
    return Row.of(
        "memory",
        measure,
        "GB",
        max,
        null,
        null,
        null,
        "largest VmHWM of the executor JVMs (" + String.join(", ", each) + ")");
  }
}

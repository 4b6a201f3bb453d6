package org.alexnetspark.train;

import java.io.IOException;
import java.util.List;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.train.averaging.ExactAveragingMaster;
import org.alexnetspark.train.averaging.NodeBytes;
import org.alexnetspark.train.averaging.RoundReport;
import org.alexnetspark.train.averaging.Settings;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.time.SystemClockTimeSource;
import org.deeplearning4j.spark.time.TimeSourceProvider;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Synchronous data-parallel training with parameter averaging on the driver, on DL4J's Spark API
 * ({@link SparkComputationGraph#fitPaths} with a {@code TrainingMaster}): the only class the
 * training loop uses for it, so that the averaging can be replaced behind it.
 *
 * <p>The master is this project's {@link ExactAveragingMaster} rather than dl4j-spark's
 * ParameterAveragingTrainingMaster, which silently drops minibatches whenever a call's minibatches
 * do not divide into its splits, hangs a task when a minibatch cannot be read, rebuilds every
 * replica every round and moves parameters through ND4J's element-by-element serialiser (about 85%
 * of its averaging time). Here every minibatch handed over is fitted exactly once, even when Spark
 * retries tasks, and the workers' count comes back with the result.
 *
 * <p>Workers receive minibatch descriptors, not data: each worker's loader reads, decodes and
 * augments its own minibatches ({@link MinibatchReader}), on a thread pinned to its task's GPU.
 */
public final class ParameterAveraging {
  private final SparkComputationGraph spark;
  private final ExactAveragingMaster master;
  private final LongAccumulator images;
  private final LongAccumulator skipped;
  private final int workers;

  /**
   * One call of {@link #fit}.
   *
   * @param seconds wall time
   * @param computeSeconds the workers' mean time fitting minibatches, summed over the rounds
   * @param loss mean training loss of the last averaging round
   * @param minibatches minibatches the workers fitted (exactly those handed over)
   * @param images images in them
   * @param skipped records the workers skipped (undecodable, or a label outside the label map)
   * @param bytesMoved parameter (and momentum) bytes to and from the workers
   * @param nodeBytes payload bytes in and out of the driver and each executor, summed over rounds
   * @param rounds averaging rounds run
   */
  public record Round(
      double seconds,
      double computeSeconds,
      double loss,
      long minibatches,
      long images,
      long skipped,
      long bytesMoved,
      NodeBytes nodeBytes,
      int rounds) {
    /** Time spent outside fitting: encoding, broadcasting, collecting and averaging, scheduling. */
    public double overheadSeconds() {
      return Math.max(0, seconds - computeSeconds);
    }
  }

  public ParameterAveraging(
      JavaSparkContext context, ComputationGraph network, TrainConfig config, int workers) {
    useSystemClock();
    this.workers = workers;
    this.images = context.sc().longAccumulator("images fitted");
    this.skipped = context.sc().longAccumulator("records skipped");
    TrainConfig.Averaging averaging = config.averaging();
    this.master =
        new ExactAveragingMaster(
            new Settings(
                workers,
                config.averagingFrequency(),
                config.workerPrefetch(),
                averaging.momentum(),
                averaging.precision(),
                true,
                averaging.transport(),
                averaging.combine(),
                Math.max(2, averaging.treeDepth())));
    this.spark = new SparkComputationGraph(context, network, master);
  }

  /**
   * Refuses, before any round, a driver that could not take a round's results: with {@code
   * train.averaging.transport = results} every worker's parameters (and momentum) come back through
   * Spark's task results, which {@code spark.driver.maxResultSize} caps per job.
   *
   * @throws org.alexnetspark.config.InvalidConfigException naming the setting and the size needed
   */
  public static void checkDriverCanTakeResults(
      SparkConf conf, ComputationGraph network, TrainConfig config, int workers) {
    if (config.averaging().transport() != TrainConfig.Transport.RESULTS) {
      return; // blocks: results are a few hundred bytes each
    }
    long values =
        network.numParams()
            + (config.averaging().momentum() == TrainConfig.Momentum.AVERAGED
                ? network.getUpdater().getStateViewArray().length()
                : 0);
    long needed =
        (long) workers
            * values
            * (config.averaging().precision() == TrainConfig.Precision.FP16 ? 2 : 4);
    long limit = conf.getSizeAsBytes("spark.driver.maxResultSize", "1g");
    if (limit > 0 && limit < needed * 11 / 10) {
      throw new InvalidConfigException(
          List.of(
              "spark.driver.maxResultSize = "
                  + conf.get("spark.driver.maxResultSize", "1g")
                  + " is less "
                  + "than a round's results: "
                  + workers
                  + " workers x "
                  + values
                  + " values = "
                  + (needed >> 20)
                  + " MB with train.averaging.transport = results; set it to at least "
                  + ((needed * 11 / 10 >> 20) + 1)
                  + "m, or use train.averaging.transport = blocks"));
    }
  }

  /** Fits {@code batches}, read on the workers by {@code reader}, averaging as configured. */
  public Round fit(List<Minibatch> batches, MinibatchReader reader) {
    return fit(batches, new ReaderLoader(reader, images, skipped));
  }

  /**
   * {@link #fit}, as the training loop does it: stops before anything of a diverged network can be
   * checkpointed or saved.
   *
   * @param epoch 1-based epoch the batches belong to
   * @param iteration the iteration the network reaches with these batches, which names a divergence
   * @throws TrainingDivergedException if a worker's result, the loss or the averaged parameters are
   *     not finite
   */
  public Round fitFinite(
      List<Minibatch> batches, MinibatchReader reader, int epoch, long iteration) {
    Round round;
    try {
      round = fit(batches, reader);
    } catch (ExactAveragingMaster.NonFiniteResultException e) {
      throw new TrainingDivergedException(epoch, iteration, Double.NaN, e.getMessage());
    }
    if (!Double.isFinite(round.loss())) {
      throw new TrainingDivergedException(epoch, iteration, round.loss(), "the loss is not finite");
    }
    if (!Double.isFinite(network().params().sumNumber().doubleValue())) {
      throw new TrainingDivergedException(
          epoch, iteration, round.loss(), "the averaged parameters hold NaN or infinity");
    }
    return round;
  }

  /**
   * Fits {@code batches} loaded by any dl4j loader (given each minibatch's descriptor as its path).
   *
   * @throws ExactAveragingMaster.NonFiniteResultException if a worker's loss or parameters were not
   *     finite: the round is not applied
   */
  public Round fit(List<Minibatch> batches, MultiDataSetLoader loader) {
    long[] before = {images.value(), skipped.value()};
    master.clearReports();
    List<String> descriptors = batches.stream().map(Minibatch::descriptor).toList();
    long start = System.nanoTime();
    spark.fitPaths(spark.getSparkContext().parallelize(descriptors, Math.max(1, workers)), loader);
    double seconds = (System.nanoTime() - start) / 1e9;
    List<RoundReport> rounds = master.reports();
    long fitted = rounds.stream().mapToLong(RoundReport::fitted).sum();
    double fitting = rounds.stream().mapToDouble(RoundReport::fitSeconds).sum();
    long bytes =
        rounds.stream().mapToLong(r -> r.bytesToWorkers() * r.tasks() + r.bytesFromWorkers()).sum();
    double loss = rounds.isEmpty() ? Double.NaN : rounds.get(rounds.size() - 1).loss();
    return new Round(
        seconds,
        fitting,
        loss,
        fitted,
        images.value() - before[0],
        skipped.value() - before[1],
        bytes,
        NodeBytes.sum(rounds.stream().map(RoundReport::nodeBytes).toList()),
        rounds.size());
  }

  /** The driver's network, holding the averaged parameters and momentum. */
  public ComputationGraph network() {
    return spark.getNetwork();
  }

  public int workers() {
    return workers;
  }

  /** The rounds of the last {@link #fit}, in detail (timings, bytes, replicas built). */
  public List<RoundReport> lastRounds() {
    return master.reports();
  }

  /**
   * dl4j-spark's training statistics default to an NTP time source, which queries public NTP
   * servers (and fails without internet access); the system clock is what we want.
   */
  static void useSystemClock() {
    System.setProperty(
        TimeSourceProvider.TIMESOURCE_CLASSNAME_PROPERTY, SystemClockTimeSource.class.getName());
  }

  /** dl4j's loader interface over {@link MinibatchReader}; the path of a source is a descriptor. */
  static final class ReaderLoader implements MultiDataSetLoader {
    private static final long serialVersionUID = 1L;
    private final MinibatchReader reader;
    private final LongAccumulator images;
    private final LongAccumulator skipped;

    ReaderLoader(MinibatchReader reader, LongAccumulator images, LongAccumulator skipped) {
      this.reader = reader;
      this.images = images;
      this.skipped = skipped;
    }

    @Override
    public synchronized MultiDataSet load(Source source) throws IOException {
      Batch batch = reader.read(Minibatch.parse(source.getPath()));
      images.add(batch.images());
      skipped.add(batch.skipped());
      return batch.dataSet().toMultiDataSet();
    }
  }
}

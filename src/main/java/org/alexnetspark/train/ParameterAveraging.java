package org.alexnetspark.train;

import java.io.IOException;
import java.util.List;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.spark.GpuAssignment;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.deeplearning4j.spark.impl.paramavg.stats.ParameterAveragingTrainingWorkerStats;
import org.deeplearning4j.spark.stats.EventStats;
import org.deeplearning4j.spark.time.SystemClockTimeSource;
import org.deeplearning4j.spark.time.TimeSourceProvider;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Synchronous data-parallel training with parameter averaging on the driver: the only class that
 * uses dl4j-spark ({@link ParameterAveragingTrainingMaster}), so that it can be replaced.
 *
 * <p>Workers receive minibatch descriptors, not data ({@link SparkComputationGraph#fitPaths}): the
 * training master only counts and splits that small RDD, while each worker's loader reads, decodes
 * and augments its minibatches. (dl4j-spark's RDD-of-DataSet paths would either keep the whole
 * dataset in memory or export it to disk.) The master is built with the worker count, which
 * {@code fitPaths} needs, and each worker pins itself to the GPU of its Spark task before it builds
 * its replica.
 */
public final class ParameterAveraging {
  private final JavaSparkContext context;
  private final LongAccumulator minibatches;
  private final LongAccumulator images;
  private final LongAccumulator skipped;
  private final SparkComputationGraph spark;
  private final PinningMaster master;
  private final int workers;

  /**
   * One call of {@link #fit}.
   *
   * @param seconds wall time
   * @param computeSeconds the workers' mean time fitting minibatches
   * @param loss mean training loss of the last averaging round
   * @param minibatches minibatches the workers fitted
   * @param images images in them
   * @param skipped records the workers skipped (undecodable, or a label outside the label map)
   */
  public record Round(double seconds, double computeSeconds, double loss, long minibatches,
      long images, long skipped) {
    /** Time spent outside fitting: splitting, broadcasting, averaging, scheduling. */
    public double overheadSeconds() {
      return Math.max(0, seconds - computeSeconds);
    }
  }

  public ParameterAveraging(JavaSparkContext context, ComputationGraph network, TrainConfig config,
      int workers) {
    useSystemClock();
    this.context = context;
    this.workers = workers;
    this.minibatches = context.sc().longAccumulator("minibatches fitted");
    this.images = context.sc().longAccumulator("images fitted");
    this.skipped = context.sc().longAccumulator("records skipped");
    ParameterAveragingTrainingMaster.Builder builder =
        new ParameterAveragingTrainingMaster.Builder(workers, config.batchPerWorker())
            .batchSizePerWorker(config.batchPerWorker())
            .averagingFrequency(config.averagingFrequency())
            .workerPrefetchNumBatches(config.workerPrefetch())
            .saveUpdater(config.averageMomentum())
            .rngSeed(config.seed())
            .collectTrainingStats(true);
    this.master = new PinningMaster(builder);
    this.spark = new SparkComputationGraph(context, network, master);
  }

  /** Fits {@code batches}, read on the workers by {@code reader}, averaging as configured. */
  public Round fit(List<Minibatch> batches, MinibatchReader reader) {
    master.setCollectTrainingStats(false); // starts the statistics afresh for this call
    master.setCollectTrainingStats(true);
    List<String> descriptors = batches.stream().map(Minibatch::descriptor).toList();
    long[] before = {minibatches.value(), images.value(), skipped.value()};
    long start = System.nanoTime();
    spark.fitPaths(context.parallelize(descriptors, workers),
        new ReaderLoader(reader, minibatches, images, skipped));
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Round(seconds, workerFitSeconds(spark.getSparkTrainingStats()) / workers,
        spark.getScore(), minibatches.value() - before[0], images.value() - before[1],
        skipped.value() - before[2]);
  }

  /** The driver's network, holding the averaged parameters and momentum. */
  public ComputationGraph network() {
    return spark.getNetwork();
  }

  public int workers() {
    return workers;
  }

  /**
   * dl4j-spark's training statistics default to an NTP time source, which queries public NTP
   * servers (and fails without internet access); the system clock is what we want.
   */
  static void useSystemClock() {
    System.setProperty(TimeSourceProvider.TIMESOURCE_CLASSNAME_PROPERTY,
        SystemClockTimeSource.class.getName());
  }

  private static double workerFitSeconds(SparkTrainingStats stats) {
    if (stats == null) {
      return 0;
    }
    String key = ParameterAveragingTrainingWorkerStats.PARAMETER_AVERAGING_WORKER_FIT_TIMES_MS;
    if (!stats.getKeySet().contains(key)) {
      return 0;
    }
    List<EventStats> fits = stats.getValue(key);
    return fits.stream().mapToLong(EventStats::getDurationMs).sum() / 1000.0;
  }

  /**
   * dl4j-spark's loader interface over {@link MinibatchReader}: runs on the worker's prefetch
   * thread, which it first pins to the task's GPU.
   */
  static final class ReaderLoader implements MultiDataSetLoader {
    private static final long serialVersionUID = 1L;
    private final MinibatchReader reader;
    private final LongAccumulator minibatches;
    private final LongAccumulator images;
    private final LongAccumulator skipped;
    private transient boolean pinned;

    ReaderLoader(MinibatchReader reader, LongAccumulator minibatches, LongAccumulator images,
        LongAccumulator skipped) {
      this.reader = reader;
      this.minibatches = minibatches;
      this.images = images;
      this.skipped = skipped;
    }

    @Override
    public synchronized MultiDataSet load(Source source) throws IOException {
      if (!pinned) {
        GpuAssignment.pin();
        pinned = true;
      }
      Batch batch = reader.read(Minibatch.parse(source.getPath()));
      minibatches.add(1);
      images.add(batch.images());
      skipped.add(batch.skipped());
      return batch.dataSet().toMultiDataSet();
    }
  }

  /** The training master, handing out workers that pin their GPU before building a replica. */
  static final class PinningMaster extends ParameterAveragingTrainingMaster {
    private static final long serialVersionUID = 1L;

    PinningMaster(Builder builder) {
      super(builder);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
      NetBroadcastTuple tuple = new NetBroadcastTuple(graph.getNetwork().getConfiguration(),
          graph.getNetwork().params(), graph.getNetwork().getUpdater().getStateViewArray());
      Broadcast<NetBroadcastTuple> broadcast = graph.getSparkContext().broadcast(tuple);
      WorkerConfiguration configuration = new WorkerConfiguration(true, rddDataSetNumExamples,
          batchSizePerWorker, averagingFrequency, prefetchNumBatches, collectTrainingStats);
      return new PinningWorker(broadcast, saveUpdater, configuration, trainingHookList, listeners,
          getRouterProvider());
    }
  }

  /** A worker that binds its task's GPU before it creates its replica. */
  static final class PinningWorker extends ParameterAveragingTrainingWorker {
    private static final long serialVersionUID = 1L;

    PinningWorker(Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater,
        WorkerConfiguration configuration,
        java.util.Collection<org.deeplearning4j.spark.api.TrainingHook> hooks,
        java.util.Collection<org.deeplearning4j.optimize.api.TrainingListener> listeners,
        org.deeplearning4j.core.storage.StatsStorageRouterProvider routerProvider) {
      super(broadcast, saveUpdater, configuration, hooks, listeners, routerProvider);
    }

    @Override
    public ComputationGraph getInitialModelGraph() {
      useSystemClock();
      GpuAssignment.pin();
      return super.getInitialModelGraph();
    }
  }
}

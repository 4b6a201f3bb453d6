package org.alexnetspark.train.averaging;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.alexnetspark.config.TrainConfig;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.LongAccumulator;
import org.datavec.spark.util.BroadcastHadoopConfigHolder;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.core.loader.MultiDataSetLoader;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * Synchronous parameter averaging for {@link SparkComputationGraph#fitPaths} with exact
 * partitioning and compact transfer: a drop-in {@link TrainingMaster} for ComputationGraphs trained
 * from minibatch paths (descriptors).
 *
 * <p>Per round of {@code workers x frequency} descriptors (the last round of a call may be
 * shorter):
 *
 * <ol>
 *   <li>the driver encodes a compact copy of its parameters (and momentum) and broadcasts it;
 *   <li>it slices the round's descriptors itself into at most {@code workers} contiguous slices of
 *       at most {@code frequency} each (sizes differing by at most one) and runs one Spark job with
 *       exactly one partition per non-empty slice, so every descriptor goes to exactly one worker;
 *   <li>each task borrows the replica its executor JVM keeps between rounds (building it only the
 *       first time), sets the broadcast parameters into it, fits every descriptor it received,
 *       checks loss and parameters are finite, and returns them as compact payloads with the number
 *       fitted (also added to a {@link LongAccumulator});
 *   <li>the driver adds each result into one buffer as it arrives (Spark hands each partition's
 *       result to the job's result handler exactly once, whatever retries happened), leaves out and
 *       reports non-finite results, divides and writes the average into its network.
 * </ol>
 *
 * <p>Retries stay exact: a retried task re-fits the same slice from the same broadcast (a replica
 * is always reset from the broadcast at the start of a task, so what a failed attempt did to it
 * does not matter), and only one successful attempt per partition reaches the handler and the
 * accumulator; so each minibatch counts exactly once in the average.
 */
public final class ExactAveragingMaster
    implements TrainingMaster<ExactResult, ExactWorker>, Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ExactAveragingMaster.class);

  private final Settings settings;
  private final String runId = UUID.randomUUID().toString();
  private Collection<TrainingListener> listeners;
  private Collection<TrainingHook> hooks;
  private boolean collectStats;

  private transient int round;
  private transient List<RoundReport> reports;
  private transient INDArray sumParameters;
  private transient INDArray sumMomentum;
  private transient LongAccumulator fittedCounter;
  private transient long fittedInTree;
  private transient double lastEncodeSeconds;
  private transient double lastBroadcastSeconds;

  public ExactAveragingMaster(Settings settings) {
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  /** Rounds run so far (since the last {@link #clearReports}). */
  public synchronized List<RoundReport> reports() {
    return reports == null ? List.of() : List.copyOf(reports);
  }

  public synchronized void clearReports() {
    reports = null;
  }

  /** Minibatches fitted by successful tasks, counted on the workers. */
  public long fittedOnWorkers() {
    return (fittedCounter == null ? 0 : fittedCounter.value()) + fittedInTree;
  }

  @Override
  public void executeTrainingPaths(
      SparkDl4jMultiLayer network,
      SparkComputationGraph graph,
      JavaRDD<String> paths,
      DataSetLoader dataSetLoader,
      MultiDataSetLoader multiDataSetLoader) {
    if (graph == null) {
      throw new UnsupportedOperationException("ExactAveragingMaster trains ComputationGraphs only");
    }
    List<String> descriptors = paths.collect(); // small strings; the order is the caller's
    int perRound = settings.workers() * settings.frequency();
    for (int from = 0; from < descriptors.size(); from += perRound) {
      runRound(
          graph,
          descriptors.subList(from, Math.min(descriptors.size(), from + perRound)),
          dataSetLoader,
          multiDataSetLoader);
    }
  }

  /**
   * At most {@code workers} contiguous slices of a round's descriptors, sizes differing by at most
   * one, none empty, none larger than {@code frequency} (for at most workers x frequency
   * descriptors).
   */
  static List<List<String>> slices(List<String> descriptors, int workers, int frequency) {
    int n = descriptors.size();
    if (n > workers * frequency) {
      throw new IllegalArgumentException(n + " descriptors for " + workers + " x " + frequency);
    }
    int tasks = Math.min(workers, n);
    List<List<String>> slices = new ArrayList<>(tasks);
    for (int i = 0; i < tasks; i++) {
      slices.add(
          new ArrayList<>(
              descriptors.subList(
                  (int) ((long) i * n / tasks), (int) ((long) (i + 1) * n / tasks))));
    }
    return slices;
  }

  /** One round: submit its slices, apply the average, report. */
  private void runRound(
      SparkComputationGraph graph,
      List<String> descriptors,
      DataSetLoader dataSetLoader,
      MultiDataSetLoader multiDataSetLoader) {
    long start = System.nanoTime();
    JavaSparkContext sc = graph.getSparkContext();
    if (fittedCounter == null) {
      fittedCounter = sc.sc().longAccumulator("exact averaging: minibatches fitted");
    }
    ExactWorker worker = getWorkerInstance(graph);
    int thisRound = round - 1;
    List<List<String>> slices = slices(descriptors, settings.workers(), settings.frequency());
    boolean tree = settings.combine() == TrainConfig.Combine.TREE;
    RoundTask task =
        new RoundTask(
            worker,
            multiDataSetLoader,
            dataSetLoader,
            BroadcastHadoopConfigHolder.get(sc),
            tree ? null : fittedCounter, // in a tree the count travels with the sums
            settings.prefetch());
    Aggregation aggregation = new Aggregation(thisRound);
    long jobStart = System.nanoTime();
    if (tree) {
      PartialSum total = submitTree(sc, task, slices, descriptors.size(), thisRound);
      aggregation.absorbTree(total);
      fittedInTree += total.fittedAll;
    } else {
      submit(sc, task, slices, descriptors.size(), aggregation);
    }
    aggregation.nodes.broadcast(worker.broadcastBytes, aggregation.executors);
    double jobSeconds = (System.nanoTime() - jobStart) / 1e9;
    worker.broadcast().destroy();
    if (!tree && settings.transport() == TrainConfig.Transport.BLOCKS) {
      BlockTransport.removeRound(runId, thisRound, aggregation.removed);
    }
    long applyStart = System.nanoTime();
    apply(graph, aggregation);
    double applySeconds = (System.nanoTime() - applyStart) / 1e9;
    report(
        new RoundReport(
            thisRound,
            descriptors.size(),
            slices.size(),
            aggregation.averaged,
            aggregation.fitted,
            aggregation.lossSum / aggregation.fitted,
            (System.nanoTime() - start) / 1e9,
            lastEncodeSeconds,
            lastBroadcastSeconds,
            jobSeconds,
            aggregation.sumSeconds,
            applySeconds,
            aggregation.meanWorkerSeconds(),
            aggregation.maxFit,
            worker.broadcastBytes,
            aggregation.bytes,
            aggregation.created,
            List.copyOf(aggregation.problems),
            aggregation.nodes));
  }

  /**
   * Runs one Spark job that fits every slice (one partition each) and adds the results up among the
   * executors: first the workers of each executor ({@link SlicePlacement}: the slices of one group
   * are asked to run on one executor, and so is the reducer that adds them), then those sums with
   * Spark's {@code treeAggregate} ({@code treeDepth} levels, the last one also on an executor), so
   * that one sum reaches the driver and each executor sends one. Retries and lost executors are
   * Spark's: a failed attempt is retried, and a lost map output is recomputed, from the same
   * broadcast and with the same key; the shuffle hands each slice's sum to its reducer exactly
   * once.
   */
  private PartialSum submitTree(
      JavaSparkContext sc, RoundTask task, List<List<String>> slices, int descriptors, int round) {
    SlicePlacement placement =
        SlicePlacement.of(slices.size(), SlicePlacement.liveExecutors(sc.sc()));
    sc.setJobDescription(
        "exact averaging round "
            + round
            + ": "
            + descriptors
            + " minibatches on "
            + slices.size()
            + " workers, summed on executors "
            + placement.executorIds()
            + ", then in a tree of depth "
            + settings.treeDepth());
    TrainConfig.Precision precision = settings.precision();
    List<Tuple2<List<String>, Seq<String>>> placed = new ArrayList<>();
    for (int i = 0; i < slices.size(); i++) {
      String location = placement.location(placement.groupOf(i));
      placed.add(
          new Tuple2<>(
              slices.get(i),
              JavaConverters.asScalaBufferConverter(
                      location == null ? List.<String>of() : List.of(location))
                  .asScala()
                  .toSeq()));
    }
    @SuppressWarnings("unchecked")
    ClassTag<List<String>> sliceTag =
        (ClassTag<List<String>>) (ClassTag<?>) ClassTag$.MODULE$.apply(List.class);
    JavaPairRDD<Integer, PartialSum> fitted =
        JavaRDD.fromRDD(
                sc.sc().makeRDD(JavaConverters.asScalaBufferConverter(placed).asScala(), sliceTag),
                sliceTag)
            .mapPartitionsToPair(
                partition -> {
                  TaskContext context = TaskContext.get();
                  List<String> slice = new ArrayList<>();
                  partition.forEachRemaining(slice::addAll);
                  ExactResult result = task.fit(context, slice);
                  int index = context.partitionId();
                  return result == null
                      ? Collections.emptyIterator()
                      : List.of(
                              new Tuple2<>(placement.groupOf(index), PartialSum.of(result, index)))
                          .iterator();
                });
    JavaRDD<PartialSum> perExecutor =
        fitted
            .reduceByKey(
                new HashPartitioner(placement.groups()), (a, b) -> PartialSum.add(a, b, precision))
            .values();
    List<String> locations = new ArrayList<>();
    for (int g = 0; g < placement.groups(); g++) {
      locations.add(placement.location(g));
    }
    ClassTag<PartialSum> sumTag = ClassTag$.MODULE$.apply(PartialSum.class);
    return JavaRDD.fromRDD(new PlacedRDD<>(perExecutor.rdd(), locations, sumTag), sumTag)
        .treeAggregate(
            new PartialSum(),
            (sum, part) -> PartialSum.add(sum, part, precision),
            (a, b) -> PartialSum.add(a, b, precision),
            settings.treeDepth(),
            true);
  }

  /**
   * Runs one Spark job over all slices; if a result's blocks were lost with their executor before
   * the driver read them, those slices (only) run again from the same broadcast, at most three
   * times.
   */
  private static void submit(
      JavaSparkContext sc,
      RoundTask task,
      List<List<String>> slices,
      int descriptors,
      Aggregation aggregation) {
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < slices.size(); i++) {
      pending.add(i);
    }
    for (int attempt = 0; !pending.isEmpty(); attempt++) {
      if (attempt > 3) {
        throw new IllegalStateException(
            "round " + aggregation.round + ": results of slices " + pending + " lost 4 times");
      }
      List<List<String>> run = new ArrayList<>();
      for (int i : pending) {
        run.add(slices.get(i));
      }
      aggregation.sliceOfPartition = List.copyOf(pending);
      JavaRDD<List<String>> partitions = sc.parallelize(run, run.size());
      sc.setJobDescription(
          "exact averaging round "
              + aggregation.round
              + ": "
              + descriptors
              + " minibatches on "
              + slices.size()
              + " workers"
              + (attempt > 0 ? " (again: lost results)" : ""));
      sc.sc()
          .runJob(partitions.rdd(), task, aggregation, ClassTag$.MODULE$.apply(ExactResult.class));
      pending = aggregation.await();
    }
  }

  /**
   * Divides the round's sums and writes the average into the driver's network (in FP16 the sums are
   * of changes, added to what was broadcast); refuses the round if a result was not finite and
   * {@link Settings#failOnNonFinite()}.
   */
  private void apply(SparkComputationGraph graph, Aggregation aggregation) {
    ComputationGraph network = graph.getNetwork();
    if (!aggregation.problems.isEmpty() && settings.failOnNonFinite()) {
      throw new NonFiniteResultException(aggregation.round, aggregation.problems);
    }
    if (aggregation.averaged == 0) {
      LOG.warn(
          "round {}: no result to average ({} refused)",
          aggregation.round,
          aggregation.problems.size());
      return;
    }
    boolean delta = settings.precision() == TrainConfig.Precision.FP16;
    INDArray state = network.getUpdater().getStateViewArray();
    sumParameters.divi(aggregation.averaged);
    INDArray average = sumParameters.reshape(network.params().shape());
    if (delta) {
      network.params().addi(average);
    } else {
      network.params().assign(average);
    }
    if (settings.momentum() == TrainConfig.Momentum.AVERAGED) {
      INDArray averageMomentum = sumMomentum.divi(aggregation.averaged).reshape(state.shape());
      if (delta) {
        state.addi(averageMomentum);
      } else {
        state.assign(averageMomentum);
      }
    }
    graph.setScore(aggregation.lossSum / aggregation.fitted);
    ComputationGraphConfiguration conf = network.getConfiguration();
    conf.setIterationCount(conf.getIterationCount() + aggregation.maxFitted);
  }

  /** Keeps the round's report for {@link #reports()} and logs refused results and, at DEBUG, it. */
  private void report(RoundReport report) {
    synchronized (this) {
      if (reports == null) {
        reports = new ArrayList<>();
      }
      reports.add(report);
    }
    if (!report.problems().isEmpty()) {
      LOG.warn(
          "round {}: {} results left out of the average: {}",
          report.round(),
          report.problems().size(),
          report.problems());
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug(report.timings());
    }
  }

  /**
   * Sums results as Spark hands them over: once per partition whatever the retries, on the driver.
   * Results whose bytes are blocks are read and summed on a driver thread, so that the scheduler's
   * thread never waits for a fetch.
   */
  private final class Aggregation extends AbstractFunction2<Object, ExactResult, BoxedUnit> {
    private final int round;
    private final ExecutorService fetcher =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "exact-averaging-fetch");
              t.setDaemon(true);
              return t;
            });
    private final List<Future<?>> fetches = new ArrayList<>();
    private final List<Integer> lost = new ArrayList<>();

    /** Blocks already removed after their results were summed. */
    final Set<String> removed = ConcurrentHashMap.newKeySet();

    List<Integer> sliceOfPartition = List.of();
    int averaged;
    long fitted;
    int maxFitted;
    double lossSum;
    double sumSeconds;
    double maxFit;
    long bytes;
    int created;
    final NodeBytes nodes = new NodeBytes();

    /** Executors that ran a task whose result arrived. */
    final Set<String> executors = new TreeSet<>();

    final List<String> problems = new ArrayList<>();
    final List<double[]> workerSeconds = new ArrayList<>();

    Aggregation(int round) {
      this.round = round;
    }

    @Override
    public synchronized BoxedUnit apply(Object partition, ExactResult result) {
      if (result == null) {
        return BoxedUnit.UNIT; // an empty partition: nothing to average
      }
      if (!runId.equals(result.runId) || result.round != round) {
        throw new IllegalStateException(
            "result of run " + result.runId + " round " + result.round + " in round " + round);
      }
      int slice = sliceOfPartition.get((Integer) partition);
      if (!result.finite) {
        record(result);
        problems.add(result.problemOf(slice));
        return BoxedUnit.UNIT;
      }
      if (result.parametersBlock == null) {
        absorb(result, result);
      } else {
        fetches.add(
            fetcher.submit(
                () -> {
                  ExactResult full = result.withBlocks();
                  if (full == null) {
                    synchronized (this) {
                      lost.add(slice);
                    }
                  } else {
                    absorb(result, full);
                    BlockTransport.remove(result.parametersBlock);
                    removed.add(result.parametersBlock);
                    if (result.momentumBlock != null) {
                      BlockTransport.remove(result.momentumBlock);
                      removed.add(result.momentumBlock);
                    }
                  }
                }));
      }
      return BoxedUnit.UNIT;
    }

    /** Per-worker means of {@link ExactResult#TIMINGS} over the results seen. */
    synchronized double[] meanWorkerSeconds() {
      double[] mean = new double[ExactResult.TIMINGS.length];
      for (double[] s : workerSeconds) {
        for (int i = 0; i < s.length; i++) {
          mean[i] += s[i] / workerSeconds.size();
        }
      }
      return mean;
    }

    /** Takes over the sum a tree made: its payloads into the driver's buffers, and its counts. */
    synchronized void absorbTree(PartialSum total) {
      total =
          PartialSum.add(new PartialSum(), total, settings.precision()); // counts it as read here
      long start = System.nanoTime();
      if (total.parameters != null) {
        SumBuffers.ensure(ExactAveragingMaster.this, total.parameters, total.momentum);
        total.parameters.decodeInto(sumParameters);
        if (total.momentum != null) {
          total.momentum.decodeInto(sumMomentum);
        }
      }
      sumSeconds += (System.nanoTime() - start) / 1e9;
      averaged = total.averaged;
      fitted = total.fitted;
      maxFitted = total.maxFitted;
      lossSum = total.lossSum;
      maxFit = total.maxFit;
      bytes = total.resultBytes;
      created = total.created;
      workerSeconds.addAll(total.workerSeconds);
      problems.addAll(total.problems);
      executors.addAll(total.fittedOn);
      nodes.add(total.bytes);
    }

    private void record(ExactResult result) {
      executors.add(NodeBytes.executorNode(result.executor));
      nodes.send(NodeBytes.executorNode(result.executor), NodeBytes.DRIVER, result.bytes());
      workerSeconds.add(result.seconds);
      maxFit = Math.max(maxFit, result.seconds[4]);
      bytes += result.bytes();
      created += result.replicaCreated ? 1 : 0;
    }

    private synchronized void absorb(ExactResult result, ExactResult full) {
      long start = System.nanoTime();
      SumBuffers.ensure(ExactAveragingMaster.this, full.parameters, full.momentum);
      if (averaged == 0) {
        full.parameters.decodeInto(sumParameters);
        if (full.momentum != null) {
          full.momentum.decodeInto(sumMomentum);
        }
      } else {
        full.parameters.addInto(sumParameters);
        if (full.momentum != null) {
          full.momentum.addInto(sumMomentum);
        }
      }
      sumSeconds += (System.nanoTime() - start) / 1e9;
      record(result);
      averaged++;
      fitted += result.fitted;
      maxFitted = Math.max(maxFitted, result.fitted);
      lossSum += result.lossSum;
    }

    /** Waits for the fetches of the job just run; returns the slices whose results were lost. */
    List<Integer> await() {
      List<Future<?>> waiting;
      synchronized (this) {
        waiting = new ArrayList<>(fetches);
        fetches.clear();
      }
      try {
        for (Future<?> f : waiting) {
          f.get();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("reading a worker's result failed", e.getCause());
      }
      synchronized (this) {
        List<Integer> again = new ArrayList<>(lost);
        lost.clear();
        if (again.isEmpty()) {
          fetcher.shutdown();
        }
        return again;
      }
    }
  }

  /** Allocates the driver's sum buffers on first use. */
  private static final class SumBuffers {
    static void ensure(ExactAveragingMaster master, Payload parameters, Payload momentum) {
      if (master.sumParameters == null || master.sumParameters.length() != parameters.length()) {
        master.sumParameters = Nd4j.createUninitialized(DataType.FLOAT, 1, parameters.length());
      }
      if (momentum != null
          && (master.sumMomentum == null || master.sumMomentum.length() != momentum.length())) {
        master.sumMomentum = Nd4j.createUninitialized(DataType.FLOAT, 1, momentum.length());
      }
    }
  }

  /** Encodes the driver's parameters (and momentum) into a broadcast: one per round. */
  @Override
  public ExactWorker getWorkerInstance(SparkComputationGraph graph) {
    ComputationGraph network = graph.getNetwork();
    long start = System.nanoTime();
    ComputationGraphConfiguration conf = network.getConfiguration();
    ComputationGraphConfiguration zeroed = conf.clone();
    zeroed.setIterationCount(0);
    zeroed.setEpochCount(0);
    Payload parameters = Payload.encode(network.params(), settings.precision());
    Payload momentum =
        settings.momentum() == TrainConfig.Momentum.AVERAGED
            ? Payload.encode(network.getUpdater().getStateViewArray(), settings.precision())
            : null;
    RoundBroadcast value =
        new RoundBroadcast(
            runId,
            round,
            zeroed.toJson(),
            conf.getIterationCount(),
            conf.getEpochCount(),
            parameters,
            momentum);
    long encoded = System.nanoTime();
    lastEncodeSeconds = (encoded - start) / 1e9;
    Broadcast<RoundBroadcast> broadcast = graph.getSparkContext().broadcast(value);
    lastBroadcastSeconds = (System.nanoTime() - encoded) / 1e9;
    ExactWorker worker = new ExactWorker(settings, runId, round, broadcast, listeners, hooks);
    worker.broadcastBytes = parameters.bytes() + (momentum == null ? 0 : momentum.bytes());
    round++;
    return worker;
  }

  /** A round refused because a worker's loss or parameters were not finite. */
  public static final class NonFiniteResultException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NonFiniteResultException(int round, List<String> problems) {
      super(
          "round "
              + round
              + ": non-finite results from "
              + problems.size()
              + " worker(s): "
              + String.join("; ", problems));
    }
  }

  @Override
  public ExactWorker getWorkerInstance(SparkDl4jMultiLayer network) {
    throw new UnsupportedOperationException("ExactAveragingMaster trains ComputationGraphs only");
  }

  @Override
  public void executeTraining(SparkDl4jMultiLayer network, JavaRDD<DataSet> data) {
    throw new UnsupportedOperationException("ExactAveragingMaster trains ComputationGraphs only");
  }

  @Override
  public void executeTraining(SparkComputationGraph graph, JavaRDD<DataSet> data) {
    throw new UnsupportedOperationException("ExactAveragingMaster trains from paths: use fitPaths");
  }

  @Override
  public void executeTrainingMDS(SparkComputationGraph graph, JavaRDD<MultiDataSet> data) {
    throw new UnsupportedOperationException("ExactAveragingMaster trains from paths: use fitPaths");
  }

  @Override
  public void addHook(TrainingHook hook) {
    if (hooks == null) {
      hooks = new ArrayList<>();
    }
    hooks.add(hook);
  }

  @Override
  public void removeHook(TrainingHook hook) {
    if (hooks != null) {
      hooks.remove(hook);
    }
  }

  @Override
  public String toJson() {
    return String.format(
        Locale.ROOT,
        "{\"type\":\"%s\",\"workers\":%d,\"frequency\":%d,"
            + "\"prefetch\":%d,\"momentum\":\"%s\",\"precision\":\"%s\",\"failOnNonFinite\":%b,"
            + "\"combine\":\"%s\",\"treeDepth\":%d}",
        getClass().getName(),
        settings.workers(),
        settings.frequency(),
        settings.prefetch(),
        settings.momentum(),
        settings.precision(),
        settings.failOnNonFinite(),
        settings.combine(),
        settings.treeDepth());
  }

  @Override
  public String toYaml() {
    return toJson(); // JSON is YAML
  }

  @Override
  public void setCollectTrainingStats(boolean collect) {
    this.collectStats = collect;
  }

  @Override
  public boolean getIsCollectTrainingStats() {
    return collectStats;
  }

  /** Not collected in dl4j-spark's form: see {@link #reports()}. */
  @Override
  public SparkTrainingStats getTrainingStats() {
    return null;
  }

  @Override
  public void setListeners(Collection<TrainingListener> listeners) {
    this.listeners = listeners == null ? null : new ArrayList<>(listeners);
  }

  @Override
  public void setListeners(StatsStorageRouter router, Collection<TrainingListener> listeners) {
    if (router != null) {
      throw new UnsupportedOperationException("stats storage routers are not supported");
    }
    setListeners(listeners);
  }

  @Override
  public boolean deleteTempFiles(JavaSparkContext sc) {
    return true;
  }

  @Override
  public boolean deleteTempFiles(SparkContext sc) {
    return true;
  }
}

package org.alexnetspark.train;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Storage;
import org.alexnetspark.metrics.TrainingGauge;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.stats.StatsJob;
import org.alexnetspark.train.TrainingListener.EpochEnd;
import org.alexnetspark.train.TrainingListener.EpochTrained;
import org.alexnetspark.train.TrainingListener.RoundEnd;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet train}: the epoch loop on the driver.
 *
 * <p>{@link #check} does everything that can be checked before Spark starts: datasets, shards,
 * configuration against data, and against the checkpoint being resumed. {@link #run} goes data ->
 * model -> schedule -> resume -> epoch loop: it starts (fresh, from {@code --init-from}, or from
 * the latest complete checkpoint) and, for every epoch, fits the epoch's minibatches ({@link
 * MinibatchPlan}: a fresh order and augmentation each epoch) in Spark jobs of {@code
 * train.rounds-per-job} averaging rounds ({@link ParameterAveraging}) at the rate {@link
 * LearningRateSchedule} decides. Everything else hangs off the loop as {@link TrainingListener}s
 * fired by {@link Trigger}s ({@link #listeners}). A failed or diverged attempt is handled by the
 * {@link RecoveryPolicy}; the run's model is chosen and saved by {@link FinalModel}.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  /**
   * @param data prepared training set (with statistics)
   * @param validation prepared validation set, or null for none
   * @param output run folder: checkpoints, metrics, curves, final model
   * @param resume continue from the latest checkpoint in {@code output}, if there is one
   * @param initFrom start from this saved model instead of a fresh initialisation (when not
   *     resuming an existing checkpoint)
   */
  public record Request(URI data, URI validation, URI output, boolean resume, URI initFrom) {}

  /** The finished run. */
  public record Result(TrainingState state, URI model) {}

  /**
   * Inputs read and checked on the driver before Spark starts.
   *
   * @param plan the training set's minibatches (every shard checked)
   * @param validationBatches the validation set's minibatches in stored order, or empty
   * @param dataSha256 SHA-256 of the training set's manifest
   * @param checkpoints the run folder's checkpoints
   */
  public record Checked(
      Manifest train,
      Manifest validation,
      DatasetStats stats,
      float[] meanImage,
      MinibatchPlan plan,
      List<Minibatch> validationBatches,
      String dataSha256,
      CheckpointStore checkpoints) {

    /** The training set's statistics, saved with every checkpoint and model (see ModelStore). */
    Map<String, byte[]> normalisation() {
      return ModelStore.normalisationFiles(stats, meanImage);
    }
  }

  private final AlexNetConfig config;
  private final Storage storage;
  private final LearningRateSchedule schedule;
  private final List<TrainingListener> extraListeners = new ArrayList<>();

  public TrainJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
    this.schedule = LearningRateSchedule.of(config);
  }

  /** Adds a listener after the built-in ones (e.g. to watch a run from a test). */
  public TrainJob withListener(TrainingListener listener) {
    extraListeners.add(listener);
    return this;
  }

  /**
   * Checks the request against the datasets, their shards and the output folder, without Spark.
   *
   * @throws InvalidConfigException if the configuration does not fit the data or the run resumed
   * @throws IOException naming the dataset or shard that is missing or damaged
   */
  public Checked check(Request request) throws IOException {
    Manifest train = Manifest.read(storage, request.data());
    DatasetStats stats = DatasetStats.read(storage, request.data());
    List<String> problems = new ArrayList<>();
    if (config.model().classes() != train.labels().size()) {
      problems.add(
          "'model.classes' = "
              + config.model().classes()
              + ": the training set "
              + request.data()
              + " has "
              + train.labels().size()
              + " classes; set model.classes = "
              + train.labels().size());
    }
    if (config.model().networkInputSize() > train.imageSize()) {
      problems.add(
          "the network input ("
              + config.model().networkInputSize()
              + ") is larger than "
              + "the stored images of "
              + request.data()
              + " ("
              + train.imageSize()
              + ")");
    }
    if (train.imageSize() != config.data().imageSize()) {
      LOG.warn(
          "the stored images of {} are {} pixels, data.image-size is {}: the stored size is "
              + "used",
          request.data(),
          train.imageSize(),
          config.data().imageSize());
    }
    Manifest validation = null;
    List<Minibatch> validationBatches = List.of();
    if (request.validation() != null) {
      validation = Manifest.read(storage, request.validation());
      if (!validation.labels().equals(train.labels())) {
        problems.add(
            "the validation set "
                + request.validation()
                + " has another label map than "
                + "the training set; prepare it with --label-map-from "
                + request.data());
      }
      if (validation.imageSize() != train.imageSize()) {
        problems.add(
            "the validation images are "
                + validation.imageSize()
                + " pixels, the "
                + "training images "
                + train.imageSize());
      }
      validationBatches =
          MinibatchPlan.of(
                  storage.hadoopConfiguration(),
                  validation,
                  request.validation(),
                  config.train().evalBatch())
              .inOrder();
    }
    MinibatchPlan plan =
        MinibatchPlan.of(
            storage.hadoopConfiguration(), train, request.data(), config.train().batchPerWorker());
    String dataSha256 = Provenance.dataSha256(storage, request.data());
    CheckpointStore checkpoints =
        new CheckpointStore(storage, request.output(), config.train().keepLast());
    problems.addAll(
        ResumeCheck.outputProblems(
            storage, request.output(), request.resume(), checkpoints, config, dataSha256));
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return new Checked(
        train,
        validation,
        stats,
        StatsJob.readMeanImage(storage, request.data()),
        plan,
        validationBatches,
        dataSha256,
        checkpoints);
  }

  /**
   * Trains, recovering from failed and diverged attempts as {@link RecoveryPolicy} says ({@code
   * train.max-retries}, {@code train.on-divergence}).
   */
  public Result run(JavaSparkContext spark, Request request, Checked inputs) throws IOException {
    List<String> cleaned = new ArrayList<>(storage.recoverInterruptedWrites(request.output()));
    cleaned.addAll(inputs.checkpoints().removeLeftovers());
    for (String line : cleaned) {
      LOG.warn("cleaning up after an interrupted run: {}", line);
    }
    Workers.preflight(spark, Workers.count(spark, config.train()), config.gpu().allowCpuFallback());
    Provenance provenance =
        new Provenance(
            request.data(), inputs.dataSha256(), inputs.train().labels(), request.initFrom());
    RecoveryPolicy recovery = new RecoveryPolicy(config.train(), schedule, inputs.checkpoints());
    Broadcast<Augmenter> augmenter = spark.broadcast(augmenter(inputs));
    try {
      return recovery.run(
          start(request, inputs),
          from -> train(spark, request, inputs, augmenter, provenance, from));
    } finally {
      augmenter.destroy();
    }
  }

  /** One attempt: the epoch loop from {@code start} to the last epoch, then the final model. */
  private Result train(
      JavaSparkContext spark,
      Request request,
      Checked inputs,
      Broadcast<Augmenter> augmenter,
      Provenance provenance,
      StartingPoint start)
      throws IOException {
    TrainConfig train = config.train();
    int workers = Workers.count(spark, train);
    ParameterAveraging.checkDriverCanTakeResults(spark.getConf(), start.network(), train, workers);
    ParameterAveraging averaging = new ParameterAveraging(spark, start.network(), train, workers);
    TimeBudget budget = new TimeBudget(train.timeBudgetMinutes(), System::nanoTime);
    MetricsLog metrics = new MetricsLog(storage, request.output());
    metrics.resumeAt(start.state());
    List<TrainingListener> listeners =
        listeners(spark, request, inputs, augmenter, provenance, metrics, budget, start);
    LOG.info(
        "training {} on {} images with {} workers: batch {} per worker, averaging every {} "
            + "minibatches, {} epochs",
        config.model().variant(),
        inputs.plan().records(),
        workers,
        train.batchPerWorker(),
        train.averagingFrequency(),
        train.epochs());
    TrainingState state = fire(listeners, new TrainingListener.Started(), start.state(), averaging);
    if (!state.validated()) {
      state = fire(listeners, new EpochEnd(state.epoch()), state, averaging).asValidated();
    }
    for (int epoch = state.epoch(); epoch < train.epochs() && budget.allowsAnother(); epoch++) {
      state = state.withSchedule(schedule.forEpoch(state.schedule(), epoch, budget));
      budget.epochStarts();
      MinibatchReader reader = reader(augmenter, Preset.TRAIN, state.augmentSeed(), epoch);
      state = fitEpoch(epoch, state, inputs.plan(), averaging, reader, listeners);
      state = fire(listeners, new EpochTrained(epoch + 1), state, averaging);
      state = fire(listeners, new EpochEnd(epoch + 1), state, averaging).asValidated();
      budget.epochEnds();
    }
    URI model =
        new FinalModel(storage, config, provenance, inputs.normalisation())
            .save(
                request.output(),
                inputs.validation() == null ? null : inputs.checkpoints(),
                averaging.network(),
                state);
    return new Result(state, model);
  }

  /** Fits the rest of epoch {@code epoch}'s minibatches, from {@code state.batch()} on. */
  private TrainingState fitEpoch(
      int epoch,
      TrainingState state,
      MinibatchPlan plan,
      ParameterAveraging averaging,
      MinibatchReader reader,
      List<TrainingListener> listeners)
      throws IOException {
    long epochStart = System.nanoTime();
    List<Minibatch> all = plan.epoch(state.trainSeed(), epoch);
    double rate = schedule.apply(state.schedule(), averaging.network());
    int workers = averaging.workers();
    int perJob = workers * config.train().averagingFrequency() * config.train().roundsPerJob();
    List<List<Minibatch>> jobs = chunks(all.subList(state.batch(), all.size()), perJob);
    long fitted = state.batch();
    long skipped = 0;
    double loss = Double.NaN;
    for (int job = 0; job < jobs.size(); job++) {
      List<Minibatch> batches = jobs.get(job);
      long iterations = (batches.size() + workers - 1) / workers;
      // A divergence is named by the iteration the network had reached when it was found.
      ParameterAveraging.Round round =
          averaging.fitFinite(batches, reader, epoch + 1, state.iteration() + iterations);
      loss = round.loss();
      fitted += round.minibatches();
      skipped += round.skipped();
      state = state.afterJob(batches.size(), iterations, plan.images(batches));
      RoundMetrics figures =
          new RoundMetrics(
              epoch + 1,
              state.iteration(),
              loss,
              rate,
              round.images() / round.seconds(),
              round.seconds(),
              round.computeSeconds(),
              round.overheadSeconds(),
              round.minibatches(),
              round.nodeBytes(),
              round.rounds());
      state = fire(listeners, new RoundEnd(figures, job + 1 == jobs.size()), state, averaging);
    }
    return state.afterEpoch(
        new EpochMetrics(
            epoch + 1,
            state.iteration(),
            loss,
            rate,
            Double.NaN,
            Double.NaN,
            Double.NaN,
            (System.nanoTime() - epochStart) / 1e9,
            all.size(),
            fitted,
            skipped));
  }

  /**
   * What hangs off the loop, in the order it acts. At an epoch's end the checkpoint comes first
   * ({@link EpochTrained}), so that a failure while validating loses no training; then validation,
   * the schedule, the record of both in that checkpoint, progress, metrics and curves ({@link
   * EpochEnd}). Between Spark jobs: progress, metrics, and a checkpoint every {@code
   * train.checkpoint.every-minutes} or {@code every-iterations}. Then any extra listeners.
   */
  private List<TrainingListener> listeners(
      JavaSparkContext spark,
      Request request,
      Checked inputs,
      Broadcast<Augmenter> augmenter,
      Provenance provenance,
      MetricsLog metrics,
      TimeBudget budget,
      StartingPoint start) {
    TrainConfig train = config.train();
    CheckpointStore checkpoints = inputs.checkpoints();
    // The checkpoint an epoch's validation is recorded in: the one taken when its training ended.
    List<URI> lastCheckpoint = new ArrayList<>();
    lastCheckpoint.add(start.checkpoint());
    TrainingListener checkpoint =
        (event, state, network) -> {
          lastCheckpoint.set(
              0,
              checkpoints.save(
                  network, config, provenance.of(state), state, inputs.normalisation()));
          TrainingGauge.CHECKPOINTS_WRITTEN.increment();
          metrics.flush();
          return state;
        };
    List<TrainingListener> listeners = new ArrayList<>();
    // A run that has no checkpoint yet gets one at its start: what a rollback or retry goes back
    // to.
    listeners.add(TrainingListener.when(Trigger.atStart(start.checkpoint() == null), checkpoint));
    listeners.add(
        TrainingListener.when(
            Trigger.epochTrained()
                .or(Trigger.everyMinutes(train.checkpointEveryMinutes(), System::nanoTime))
                .or(
                    Trigger.everyIterations(
                        train.checkpointEveryIterations(), start.state().iteration())),
            checkpoint));
    if (inputs.validation() != null) {
      listeners.add(
          TrainingListener.when(
              Trigger.everyEpoch(),
              new ValidationListener(
                  spark,
                  inputs.validationBatches(),
                  reader(augmenter, Preset.CENTRE, 0, 0),
                  config.model().classes())));
    }
    listeners.add(
        TrainingListener.when(Trigger.everyEpoch(), new ScheduleListener(schedule, budget)));
    listeners.add(
        TrainingListener.when(
            Trigger.everyEpoch(),
            (event, state, network) -> {
              if (lastCheckpoint.get(0) != null) {
                checkpoints.recordValidation(lastCheckpoint.get(0), state.asValidated());
              }
              return state;
            }));
    listeners.add(new ProgressLog(train.epochs(), inputs.plan().records(), start.state().images()));
    listeners.add(metrics);
    listeners.add(new SparkMetricsListener());
    listeners.add(
        TrainingListener.when(
            Trigger.everyEpoch(),
            (event, state, network) -> {
              metrics.flush();
              TrainingCurves.write(storage, request.output(), metrics.lines());
              return state;
            }));
    listeners.addAll(extraListeners);
    return listeners;
  }

  /** The run's start: the latest checkpoint when resuming, else a warm or a fresh start. */
  private StartingPoint start(Request request, Checked inputs) throws IOException {
    if (request.resume() && inputs.checkpoints().peekLatest() != null) {
      return StartingPoint.latest(inputs.checkpoints());
    }
    ComputationGraph network =
        request.initFrom() != null
            ? new ModelStore(storage).load(request.initFrom()).network()
            : AlexNet.create(config.model(), config.optimizer());
    return new StartingPoint(
        network,
        TrainingState.start(
            schedule.start(), config.train().seed(), config.augment().seed(), inputs.dataSha256()),
        null);
  }

  private Augmenter augmenter(Checked inputs) {
    return Augmenter.of(
        config.augment(),
        inputs.train().imageSize(),
        config.model().networkInputSize(),
        inputs.stats().eigenvectors(),
        inputs.stats().eigenvalues(),
        inputs.meanImage(),
        inputs.stats().meanRgb());
  }

  private MinibatchReader reader(
      Broadcast<Augmenter> augmenter, Preset preset, long seed, int epoch) {
    return new MinibatchReader(
        augmenter::value,
        new HadoopConf(storage.hadoopConfiguration()),
        new MinibatchReader.Options(
            config.data().decoder(), config.model().classes(), preset, seed, epoch));
  }

  private static TrainingState fire(
      List<TrainingListener> listeners,
      TrainingListener.Event event,
      TrainingState state,
      ParameterAveraging averaging)
      throws IOException {
    for (TrainingListener listener : listeners) {
      state = listener.on(event, state, averaging.network());
    }
    return state;
  }

  private static <T> List<List<T>> chunks(List<T> items, int size) {
    List<List<T>> chunks = new ArrayList<>();
    for (int from = 0; from < items.size(); from += size) {
      chunks.add(items.subList(from, Math.min(items.size(), from + size)));
    }
    return chunks;
  }
}

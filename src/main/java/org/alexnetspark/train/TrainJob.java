package org.alexnetspark.train;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Sha256;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.stats.StatsJob;
import org.alexnetspark.train.TrainingListener.EpochEnd;
import org.alexnetspark.train.TrainingListener.EpochTrained;
import org.alexnetspark.train.TrainingListener.RoundEnd;
import org.alexnetspark.train.averaging.ExactAveragingMaster;
import org.apache.hadoop.hdfs.protocol.QuotaExceededException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet train}: the epoch loop on the driver.
 *
 * <p>{@link #check} does everything that can be checked before Spark starts: datasets, shards,
 * configuration against data, and against the checkpoint being resumed. {@link #run} starts (fresh,
 * from {@code --init-from}, or from the latest complete checkpoint) and runs {@link #train}: for
 * every epoch it fits the epoch's minibatches ({@link MinibatchPlan}: a fresh order and
 * augmentation each epoch) in Spark jobs of {@code train.rounds-per-job} averaging rounds ({@link
 * ParameterAveraging}). Everything else hangs off the loop as {@link TrainingListener}s fired by
 * {@link Trigger}s ({@link #listeners}). A failed Spark job is retried from the last checkpoint, a
 * diverged run stops or rolls back; the final model is saved to {@code <output>/model}.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  /** A rollback after divergence divides the learning rate by this. */
  private static final double ROLLBACK_FACTOR = 0.1;

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
      CheckpointStore checkpoints) {}

  /**
   * Where an attempt starts: the network and the state that go with it.
   *
   * @param checkpoint the checkpoint they come from, or null for a fresh or warm start
   */
  private record Start(ComputationGraph network, TrainingState state, URI checkpoint) {}

  private final AlexNetConfig config;
  private final Storage storage;
  private final List<TrainingListener> extraListeners = new ArrayList<>();

  public TrainJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
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
    String dataSha256 = Sha256.of(storage.readText(Manifest.manifestUri(request.data())));
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
   * Trains, retrying a failed Spark job from the last checkpoint up to {@code train.max-retries}
   * times and, with {@code train.on-divergence = rollback}, going back to the last checkpoint with
   * a tenth of the learning rate when training diverges.
   */
  public Result run(JavaSparkContext spark, Request request, Checked inputs) throws IOException {
    List<String> cleaned = new ArrayList<>(storage.recoverInterruptedWrites(request.output()));
    cleaned.addAll(inputs.checkpoints().removeLeftovers());
    for (String line : cleaned) {
      LOG.warn("cleaning up after an interrupted run: {}", line);
    }
    Workers.preflight(spark, Workers.count(spark, config.train()));
    Broadcast<Augmenter> augmenter = spark.broadcast(augmenter(inputs));
    try {
      Start start = start(request, inputs, request.resume());
      int failures = 0;
      int rollbacks = start.state().rollbacks();
      while (true) {
        try {
          return train(spark, request, inputs, augmenter, start);
        } catch (TrainingDivergedException e) {
          TrainConfig train = config.train();
          if (train.onDivergence() != TrainConfig.Divergence.ROLLBACK
              || rollbacks >= train.maxRollbacks()) {
            throw e;
          }
          rollbacks++;
          Start last = resume(inputs.checkpoints());
          double rate =
              last.state().schedule().learningRate()
                  * Math.pow(ROLLBACK_FACTOR, rollbacks - last.state().rollbacks());
          LOG.warn(
              "training diverged in epoch {} at iteration {}; going back to iteration {} "
                  + "with learning rate {} (rollback {} of {})",
              e.epoch(),
              e.iteration(),
              last.state().iteration(),
              rate,
              rollbacks,
              train.maxRollbacks());
          start =
              new Start(
                  last.network(), last.state().rolledBack(rollbacks, rate), last.checkpoint());
        } catch (Exception e) {
          if (!retryable(e) || ++failures > config.train().maxRetries()) {
            if (e instanceof IOException io) {
              throw io;
            }
            if (e instanceof RuntimeException r) {
              throw r;
            }
            throw new IOException(e.getMessage(), e); // e.g. Spark's (checked) SparkException
          }
          LOG.warn(
              "a Spark job failed ({}); retrying from the last checkpoint ({} of {})",
              e.getMessage(),
              failures,
              config.train().maxRetries());
          start = resume(inputs.checkpoints());
        }
      }
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
      Start start)
      throws IOException {
    int workers = Workers.count(spark, config.train());
    ParameterAveraging.checkDriverCanTakeResults(
        spark.getConf(), start.network(), config.train(), workers);
    int perJob = workers * config.train().averagingFrequency() * config.train().roundsPerJob();
    MinibatchPlan plan = inputs.plan();
    ParameterAveraging averaging =
        new ParameterAveraging(spark, start.network(), config.train(), workers);
    MetricsLog metrics = new MetricsLog(storage, request.output());
    metrics.resumeAt(start.state());
    List<TrainingListener> listeners = listeners(spark, request, inputs, augmenter, metrics, start);
    LOG.info(
        "training {} on {} images with {} workers: batch {} per worker, averaging every {} "
            + "minibatches, {} epochs",
        config.model().variant(),
        plan.records(),
        workers,
        config.train().batchPerWorker(),
        config.train().averagingFrequency(),
        config.train().epochs());
    TrainingState state = fire(listeners, new TrainingListener.Started(), start.state(), averaging);
    if (!state.validated()) {
      state = fire(listeners, new EpochEnd(state.epoch()), state, averaging).asValidated();
    }
    LearningRateSchedule schedule = new LearningRateSchedule(config.train().schedule());
    TimeBudget budget = new TimeBudget(config.train().timeBudgetMinutes(), System::nanoTime);
    for (int epoch = state.epoch();
        epoch < config.train().epochs() && budget.allowsAnother();
        epoch++) {
      long epochStart = System.nanoTime();
      if (epoch == config.train().epochs() - 1 || budget.allowsOnlyOneMore()) {
        state = state.withSchedule(schedule.forLastEpoch(state.schedule()));
      }
      state =
          fitEpoch(
              epoch,
              state,
              plan,
              perJob,
              averaging,
              reader(augmenter, Preset.TRAIN, state.augmentSeed(), epoch),
              listeners);
      state = fire(listeners, new EpochTrained(epoch + 1), state, averaging);
      state = fire(listeners, new EpochEnd(epoch + 1), state, averaging).asValidated();
      budget.epochTook(System.nanoTime() - epochStart);
    }
    return new Result(state, saveFinalModel(request, inputs, averaging.network(), state));
  }

  /** Fits the rest of epoch {@code epoch}'s minibatches, from {@code state.batch()} on. */
  private TrainingState fitEpoch(
      int epoch,
      TrainingState state,
      MinibatchPlan plan,
      int perJob,
      ParameterAveraging averaging,
      MinibatchReader reader,
      List<TrainingListener> listeners)
      throws IOException {
    long epochStart = System.nanoTime();
    List<Minibatch> all = plan.epoch(state.trainSeed(), epoch);
    double rate = state.schedule().learningRate();
    averaging.network().setLearningRate(rate);
    int workers = averaging.workers();
    List<List<Minibatch>> jobs = chunks(all.subList(state.batch(), all.size()), perJob);
    long fitted = state.batch();
    long skipped = 0;
    double loss = Double.NaN;
    for (int job = 0; job < jobs.size(); job++) {
      List<Minibatch> batches = jobs.get(job);
      long iterations = (batches.size() + workers - 1) / workers;
      // A divergence is named by the iteration the network had reached when it was found.
      ParameterAveraging.Round round =
          fit(averaging, batches, reader, epoch + 1, state.iteration() + iterations);
      loss = round.loss();
      checkFinite(averaging.network(), loss, epoch + 1, state.iteration() + iterations);
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
              round.minibatches());
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
      MetricsLog metrics,
      Start start) {
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
                  network, config, info(request, inputs, state), state, normalisation(inputs)));
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
        TrainingListener.when(
            Trigger.everyEpoch(),
            new ScheduleListener(new LearningRateSchedule(train.schedule()))));
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

  /**
   * Saves the run's model to {@code <output>/model}: its best validated checkpoint (the epoch with
   * the best validation top-1 accuracy), or the last network when there was no validation.
   */
  private URI saveFinalModel(
      Request request, Checked inputs, ComputationGraph last, TrainingState lastState)
      throws IOException {
    URI model = Locations.child(request.output(), "model");
    CheckpointStore.Checkpoint best =
        inputs.validation() == null ? null : inputs.checkpoints().best();
    ComputationGraph network = best == null ? last : best.network();
    TrainingState state = best == null ? lastState : best.state();
    new ModelStore(storage)
        .save(network, config, info(request, inputs, state), model, true, normalisation(inputs));
    EpochMetrics epoch = state.lastEpoch();
    LOG.info(
        "model saved to {}: epoch {}{}",
        model,
        state.epoch(),
        epoch == null || Double.isNaN(epoch.valTop1())
            ? ""
            : String.format(
                Locale.ROOT, " (validation top-1 %.4f, the best of the run)", epoch.valTop1()));
    return model;
  }

  /** The run's start: the latest checkpoint when resuming, else a warm or a fresh start. */
  private Start start(Request request, Checked inputs, boolean resume) throws IOException {
    if (resume && inputs.checkpoints().peekLatest() != null) {
      return resume(inputs.checkpoints());
    }
    ComputationGraph network =
        request.initFrom() != null
            ? new ModelStore(storage).load(request.initFrom()).network()
            : AlexNet.create(config.model(), config.optimizer());
    LearningRateSchedule schedule = new LearningRateSchedule(config.train().schedule());
    return new Start(
        network,
        TrainingState.start(
            schedule.start(config.optimizer().learningRate()),
            config.train().seed(),
            config.augment().seed(),
            inputs.dataSha256()),
        null);
  }

  private Start resume(CheckpointStore checkpoints) throws IOException {
    CheckpointStore.Checkpoint latest = checkpoints.latest();
    if (latest == null) {
      throw new FileNotFoundException(
          "no complete checkpoint in " + checkpoints.folder() + " to go back to");
    }
    TrainingState state = latest.state();
    LOG.info(
        "resuming from {}: epoch {}, minibatch {} of the epoch, iteration {}, learning rate {}"
            + " (parameters SHA-256 {}, momentum SHA-256 {})",
        latest.location(),
        state.epoch(),
        state.batch(),
        state.iteration(),
        state.schedule().learningRate(),
        sha256(latest.network().params()),
        sha256(latest.network().getUpdater().getStateViewArray()));
    return new Start(latest.network(), state, latest.location());
  }

  /** The training set's statistics, saved with every checkpoint and model (see TrainedModel). */
  private static Map<String, byte[]> normalisation(Checked inputs) {
    return TrainedModel.normalisationFiles(inputs.stats(), inputs.meanImage());
  }

  private ModelInfo info(Request request, Checked inputs, TrainingState state) {
    EpochMetrics last = state.lastEpoch();
    boolean validated = last != null && state.validated() && Double.isFinite(last.valTop1());
    return ModelInfo.trained(
        inputs.train().labels(),
        state.epoch(),
        state.iteration(),
        state.images(),
        request.data().toString(),
        inputs.dataSha256(),
        validated ? last.valTop1() : null,
        validated ? last.valTop5() : null,
        request.initFrom() == null ? null : request.initFrom().toString());
  }

  /** One Spark job of averaging rounds; a worker's non-finite result is the run's divergence. */
  private static ParameterAveraging.Round fit(
      ParameterAveraging averaging,
      List<Minibatch> batches,
      MinibatchReader reader,
      int epoch,
      long iteration) {
    try {
      return averaging.fit(batches, reader);
    } catch (ExactAveragingMaster.NonFiniteResultException e) {
      throw new TrainingDivergedException(epoch, iteration, Double.NaN, e.getMessage());
    }
  }

  /**
   * SHA-256 of an array's values as stored (row-major, native byte order), so that a log line can
   * show which parameters a run continues with; "none" for a missing array.
   */
  private static String sha256(INDArray array) {
    if (array == null) {
      return "none";
    }
    MessageDigest digest = Sha256.digest();
    INDArray copy = array.dup('c');
    digest.update(copy.data().asNio());
    copy.close();
    return Sha256.hex(digest);
  }

  /** Stops before anything of a diverged network can be checkpointed or saved. */
  private static void checkFinite(
      ComputationGraph network, double loss, int epoch, long iteration) {
    if (!Double.isFinite(loss)) {
      throw new TrainingDivergedException(epoch, iteration, loss, "the loss is not finite");
    }
    if (!Double.isFinite(network.params().sumNumber().doubleValue())) {
      throw new TrainingDivergedException(
          epoch, iteration, loss, "the averaged parameters hold NaN or infinity");
    }
  }

  /**
   * A failed Spark job or a storage fault (a file that went missing may come back: a restarted
   * DataNode, a NameNode fail-over); never a configuration error, a quota or a permission, which a
   * retry cannot mend.
   */
  private static boolean retryable(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof InvalidConfigException
          || cause instanceof AccessControlException
          || cause instanceof QuotaExceededException) {
        return false;
      }
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SparkException || cause instanceof IOException) {
        return true;
      }
    }
    return false;
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

package org.alexnetspark.train;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.stats.StatsJob;
import org.alexnetspark.train.TrainingListener.EpochEnd;
import org.alexnetspark.train.TrainingListener.RoundEnd;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet train}: the epoch loop on the driver.
 *
 * <p>{@link #check} does everything that can be checked before Spark starts. {@link #run} starts
 * (fresh, from {@code --init-from}, or from the latest checkpoint), then for every epoch fits the
 * epoch's minibatches ({@link MinibatchPlan}, a fresh order and augmentation each epoch) in Spark
 * jobs of {@code train.rounds-per-job} averaging rounds ({@link ParameterAveraging}). Everything
 * else hangs off the loop as {@link TrainingListener}s fired by {@link Trigger}s: validation, the
 * learning-rate schedule, progress, metrics, checkpoints and curves ({@link #listeners}). The final
 * model is saved to {@code <output>/model}.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  /**
   * @param data prepared training set (with statistics)
   * @param validation prepared validation set, or null for none
   * @param output run folder: checkpoints, metrics, curves, final model
   * @param resume continue from the latest checkpoint in {@code output}
   * @param initFrom start from this saved model instead of a fresh initialisation
   */
  public record Request(URI data, URI validation, URI output, boolean resume, URI initFrom) {}

  /** The finished run. */
  public record Result(TrainingState state, URI model) {}

  /**
   * Inputs read and checked on the driver before Spark starts.
   *
   * @param checkpoints the run folder's checkpoints
   */
  public record Checked(Manifest train, Manifest validation, DatasetStats stats, float[] meanImage,
      CheckpointStore checkpoints) {}

  /** Where a run starts: the network and the state that go with it. */
  private record Start(ComputationGraph network, TrainingState state) {}

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
   * Checks the request against the datasets and the output folder, without Spark.
   *
   * @throws InvalidConfigException if the configuration does not fit the data
   */
  public Checked check(Request request) throws IOException {
    Manifest train = Manifest.read(storage, request.data());
    DatasetStats stats = DatasetStats.read(storage, request.data());
    List<String> problems = new ArrayList<>();
    if (config.model().classes() != train.labels().size()) {
      problems.add("'model.classes' = " + config.model().classes() + ": the training set "
          + request.data() + " has " + train.labels().size() + " classes; set model.classes = "
          + train.labels().size());
    }
    if (config.model().networkInputSize() > train.imageSize()) {
      problems.add("the network input (" + config.model().networkInputSize() + ") is larger than "
          + "the stored images of " + request.data() + " (" + train.imageSize() + ")");
    }
    Manifest validation = null;
    if (request.validation() != null) {
      validation = Manifest.read(storage, request.validation());
      if (!validation.labels().equals(train.labels())) {
        problems.add("the validation set " + request.validation() + " has another label map than "
            + "the training set; prepare it with --label-map-from " + request.data());
      }
      if (validation.imageSize() != train.imageSize()) {
        problems.add("the validation images are " + validation.imageSize() + " pixels, the "
            + "training images " + train.imageSize());
      }
    }
    if (request.resume() && request.initFrom() != null) {
      problems.add("--resume and --init-from cannot be combined");
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    CheckpointStore checkpoints = new CheckpointStore(storage, request.output(),
        config.train().keepLast());
    if (!request.resume() && !checkpoints.checkpoints().isEmpty()) {
      throw new Storage.ArtifactExistsException(request.output().toString(),
          "holds checkpoints of an earlier run; add --resume to continue it, or choose another --output");
    }
    return new Checked(train, validation, stats, StatsJob.readMeanImage(storage, request.data()),
        checkpoints);
  }

  public Result run(JavaSparkContext spark, Request request, Checked inputs) throws IOException {
    MetricsLog metrics = new MetricsLog(storage, request.output());
    Start start = start(request, inputs.checkpoints(), metrics);
    int workers = Workers.count(spark, config.train());
    int perJob = workers * config.train().averagingFrequency() * config.train().roundsPerJob();
    MinibatchPlan plan = MinibatchPlan.of(storage.hadoopConfiguration(), inputs.train(),
        request.data(), config.train().batchPerWorker());
    Broadcast<Augmenter> augmenter = spark.broadcast(augmenter(inputs));
    try {
      ParameterAveraging averaging = new ParameterAveraging(spark, start.network(), config.train(), workers);
      List<TrainingListener> listeners = listeners(spark, request, inputs, augmenter, metrics, start, plan);
      LOG.info("training {} on {} images with {} workers: batch {} per worker, averaging every {} "
          + "minibatches, {} epochs", config.model().variant(), plan.records(), workers,
          config.train().batchPerWorker(), config.train().averagingFrequency(), config.train().epochs());
      TrainingState state = fire(listeners, new TrainingListener.Started(), start.state(), averaging.network());
      for (int epoch = state.epoch(); epoch < config.train().epochs(); epoch++) {
        long epochStart = System.nanoTime();
        double rate = state.schedule().learningRate();
        averaging.network().setLearningRate(rate);
        MinibatchReader reader = reader(augmenter, Preset.TRAIN, state.augmentSeed(), epoch);
        List<List<Minibatch>> jobs = chunks(plan.epoch(state.trainSeed(), epoch), perJob);
        double loss = Double.NaN;
        for (int job = state.job(); job < jobs.size(); job++) {
          ParameterAveraging.Round round = averaging.fit(jobs.get(job), reader);
          long images = plan.images(jobs.get(job));
          state = state.afterJob(epoch, job, (jobs.get(job).size() + workers - 1) / workers, images);
          loss = round.loss();
          RoundMetrics figures = new RoundMetrics(epoch + 1, state.iteration(), loss, rate,
              images / round.seconds(), round.seconds(), round.computeSeconds(), round.overheadSeconds());
          state = fire(listeners, new RoundEnd(figures, job + 1 == jobs.size()), state, averaging.network());
        }
        state = state.afterEpoch(new EpochMetrics(epoch + 1, state.iteration(), loss, rate,
            Double.NaN, Double.NaN, Double.NaN, (System.nanoTime() - epochStart) / 1e9));
        state = fire(listeners, new EpochEnd(epoch + 1), state, averaging.network());
      }
      URI model = Locations.child(request.output(), "model");
      new ModelStore(storage).save(averaging.network(), config, model, true);
      LOG.info("trained model saved to {}", model);
      return new Result(state, model);
    } finally {
      augmenter.destroy();
    }
  }

  /**
   * What hangs off the loop, in the order it acts: validation and the schedule (every epoch),
   * progress, metrics, checkpoints with the metrics file (every epoch, and every
   * {@code train.checkpoint.every-iterations}), curves (every epoch), then any extra listeners.
   */
  private List<TrainingListener> listeners(JavaSparkContext spark, Request request, Checked inputs,
      Broadcast<Augmenter> augmenter, MetricsLog metrics, Start start, MinibatchPlan plan)
      throws IOException {
    List<TrainingListener> listeners = new ArrayList<>();
    if (inputs.validation() != null) {
      List<Minibatch> batches = MinibatchPlan.of(storage.hadoopConfiguration(), inputs.validation(),
          request.validation(), config.train().evalBatch()).inOrder();
      listeners.add(TrainingListener.when(Trigger.everyEpoch(),
          new ValidationListener(spark, batches, reader(augmenter, Preset.CENTRE, 0, 0))));
    }
    listeners.add(TrainingListener.when(Trigger.everyEpoch(),
        new ScheduleListener(new LearningRateSchedule(config.train().schedule()))));
    listeners.add(new ProgressLog(config.train().epochs(), plan.records(), start.state().images()));
    listeners.add(metrics);
    CheckpointStore checkpoints = inputs.checkpoints();
    listeners.add(TrainingListener.when(Trigger.everyEpoch().or(Trigger.everyIterations(
        config.train().checkpointEveryIterations(), start.state().iteration())),
        (event, state, network) -> {
          checkpoints.save(network, config, state);
          metrics.flush();
          return state;
        }));
    listeners.add(TrainingListener.when(Trigger.everyEpoch(), (event, state, network) -> {
      TrainingCurves.write(storage, request.output(), metrics.lines());
      return state;
    }));
    listeners.addAll(extraListeners);
    return listeners;
  }

  private Start start(Request request, CheckpointStore checkpoints, MetricsLog metrics)
      throws IOException {
    CheckpointStore.Checkpoint latest = request.resume() ? checkpoints.latest() : null;
    if (latest != null) {
      TrainingState state = latest.state();
      metrics.resumeAt(request.output(), state.iteration());
      LOG.info("resuming from {}: epoch {}, job {}, iteration {}, learning rate {}",
          latest.location(), state.epoch(), state.job(), state.iteration(),
          state.schedule().learningRate());
      return new Start(latest.network(), state);
    }
    ComputationGraph network = request.initFrom() != null
        ? new ModelStore(storage).load(request.initFrom()).network()
        : AlexNet.create(config.model(), config.optimizer());
    LearningRateSchedule schedule = new LearningRateSchedule(config.train().schedule());
    return new Start(network, TrainingState.start(schedule.start(config.optimizer().learningRate()),
        config.train().seed(), config.augment().seed()));
  }

  private Augmenter augmenter(Checked inputs) {
    return Augmenter.of(config.augment(), inputs.train().imageSize(),
        config.model().networkInputSize(), inputs.stats().eigenvectors(),
        inputs.stats().eigenvalues(), inputs.meanImage(), inputs.stats().meanRgb());
  }

  private MinibatchReader reader(Broadcast<Augmenter> augmenter, Preset preset, long seed, int epoch) {
    return new MinibatchReader(augmenter::value, new HadoopConf(storage.hadoopConfiguration()),
        new MinibatchReader.Options(config.data().decoder(), config.model().classes(), preset,
            seed, epoch));
  }

  private static TrainingState fire(List<TrainingListener> listeners, TrainingListener.Event event,
      TrainingState state, ComputationGraph network) throws IOException {
    for (TrainingListener listener : listeners) {
      state = listener.on(event, state, network);
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

package org.alexnetspark.train;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.ShardBatchLoader;
import org.alexnetspark.eval.TopKEvaluation;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.stats.StatsJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet train}: the epoch loop on the driver.
 *
 * <p>Per epoch: a fresh minibatch order ({@link MinibatchPlan}) and a fresh augmentation; the
 * minibatches go to Spark in jobs of {@code train.rounds-per-job} averaging rounds, with progress,
 * metrics and optional checkpoints between jobs; then validation (top-1 and top-5, centre crop, on
 * Spark), the learning-rate schedule, a checkpoint, the metrics file and the curves. The final
 * model is saved to {@code <output>/model}. {@link #check} does everything that can be checked
 * before Spark starts.
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

  /** Inputs read and checked on the driver before Spark starts. */
  public record Checked(Manifest train, Manifest validation, DatasetStats stats, float[] meanImage) {}

  private final AlexNetConfig config;
  private final Storage storage;

  public TrainJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
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
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    CheckpointStore checkpoints = new CheckpointStore(storage, request.output(), config.train().keepLast());
    if (!request.resume() && !checkpoints.checkpoints().isEmpty()) {
      throw new Storage.ArtifactExistsException(request.output().toString(),
          "holds checkpoints of an earlier run; add --resume to continue it, or choose another --output");
    }
    if (request.resume() && request.initFrom() != null) {
      throw new InvalidConfigException(List.of("--resume and --init-from cannot be combined"));
    }
    return new Checked(train, validation, stats, StatsJob.readMeanImage(storage, request.data()));
  }

  public Result run(JavaSparkContext spark, Request request, Checked inputs) throws IOException {
    CheckpointStore checkpoints = new CheckpointStore(storage, request.output(), config.train().keepLast());
    MetricsLog metrics = new MetricsLog(storage, request.output());
    LearningRateSchedule schedule = new LearningRateSchedule(config.train().schedule());
    ComputationGraph network;
    TrainingState state;
    CheckpointStore.Checkpoint latest = request.resume() ? checkpoints.latest() : null;
    if (latest != null) {
      network = latest.network();
      state = latest.state();
      metrics.resumeAt(state.iteration());
      LOG.info("resuming from {}: epoch {}, job {}, iteration {}, learning rate {}",
          latest.location(), state.epoch(), state.job(), state.iteration(),
          state.schedule().learningRate());
    } else {
      network = request.initFrom() != null ? new ModelStore(storage).load(request.initFrom()).network()
          : AlexNet.create(config.model(), config.optimizer());
      state = new TrainingState(0, 0, 0, 0, schedule.start(config.optimizer().learningRate()),
          config.train().seed(), config.augment().seed(), List.of());
    }

    int workers = Workers.count(spark, config.train());
    int size = inputs.train().imageSize();
    Augmenter augmenter = Augmenter.of(config.augment(), size, config.model().networkInputSize(),
        inputs.stats().eigenvectors(), inputs.stats().eigenvalues(), inputs.meanImage(),
        inputs.stats().meanRgb());
    Broadcast<Augmenter> augment = spark.broadcast(augmenter);
    HadoopConf hadoop = new HadoopConf(storage.hadoopConfiguration());
    int classes = config.model().classes();
    MinibatchPlan plan = MinibatchPlan.of(storage.hadoopConfiguration(), inputs.train(),
        request.data(), config.train().batchPerWorker());
    ParameterAveraging training = new ParameterAveraging(spark, network, config.train(), workers);
    int perJob = workers * config.train().averagingFrequency() * config.train().roundsPerJob();
    LOG.info("training {} on {} images with {} workers: batch {} per worker, averaging every {} "
        + "minibatches, {} epochs", config.model().variant(), plan.records(), workers,
        config.train().batchPerWorker(), config.train().averagingFrequency(), config.train().epochs());

    long lastCheckpoint = state.iteration();
    long runStart = System.nanoTime();
    long imagesAtStart = state.images();
    for (int epoch = state.epoch(); epoch < config.train().epochs(); epoch++) {
      long epochStart = System.nanoTime();
      double lr = state.schedule().learningRate();
      training.network().setLearningRate(lr);
      List<String> batches = plan.epoch(state.trainSeed(), epoch);
      int jobs = (batches.size() + perJob - 1) / perJob;
      ShardBatchLoader loader = new ShardBatchLoader(augment, hadoop, config.data().decoder(),
          classes, Preset.TRAIN, state.augmentSeed(), epoch);
      double loss = Double.NaN;
      for (int job = state.job(); job < jobs; job++) {
        List<String> chunk = batches.subList(job * perJob, Math.min(batches.size(), (job + 1) * perJob));
        ParameterAveraging.Timings timings = training.fit(spark.parallelize(chunk, workers), loader);
        loss = training.score();
        long images = plan.images(chunk);
        state = new TrainingState(epoch, job + 1, state.iteration() + (chunk.size() + workers - 1) / workers,
            state.images() + images, state.schedule(), state.trainSeed(), state.augmentSeed(), state.epochs());
        double rate = images / timings.seconds();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("kind", "round");
        line.put("epoch", epoch + 1);
        line.put("iteration", state.iteration());
        line.put("loss", loss);
        line.put("learning_rate", lr);
        line.put("images_per_second", rate);
        line.put("seconds", timings.seconds());
        line.put("seconds_computing", timings.computeSeconds());
        line.put("seconds_averaging_and_broadcasting", timings.overheadSeconds());
        metrics.add(line);
        double elapsed = (System.nanoTime() - runStart) / 1e9;
        double totalImages = (double) plan.records() * config.train().epochs();
        double done = state.images() - imagesAtStart;
        LOG.info(String.format(Locale.ROOT, "epoch %d/%d job %d/%d iteration %d loss %.4f lr %.3g "
            + "%.0f img/s (computing %.0f%%) ETA %s", epoch + 1, config.train().epochs(), job + 1,
            jobs, state.iteration(), loss, lr, rate, 100 * timings.computeSeconds() / timings.seconds(),
            eta(elapsed, done, totalImages - state.images())));
        if (config.train().checkpointEveryIterations() > 0 && job + 1 < jobs
            && state.iteration() - lastCheckpoint >= config.train().checkpointEveryIterations()) {
          checkpoints.save(training.network(), config, state);
          metrics.flush();
          lastCheckpoint = state.iteration();
        }
      }

      TopKEvaluation.Result validation = inputs.validation() == null ? null
          : TopKEvaluation.evaluate(spark, training.network(),
              inputs.validation().shardUris(request.validation()), Preset.CENTRE,
              new TopKEvaluation.Inputs(augment, hadoop, config.data().decoder(), classes,
                  config.train().evalBatch()));
      double top1 = validation == null ? Double.NaN : validation.top1();
      double top5 = validation == null ? Double.NaN : validation.top5();
      LearningRateSchedule.State next = schedule.afterEpoch(state.schedule(), epoch + 1, 1 - top1);
      List<TrainingState.EpochMetrics> epochs = new ArrayList<>(state.epochs());
      double seconds = (System.nanoTime() - epochStart) / 1e9;
      epochs.add(new TrainingState.EpochMetrics(epoch + 1, state.iteration(), loss, lr, top1, top5, seconds));
      state = new TrainingState(epoch + 1, 0, state.iteration(), state.images(), next,
          state.trainSeed(), state.augmentSeed(), epochs);
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("kind", "epoch");
      line.put("epoch", epoch + 1);
      line.put("iteration", state.iteration());
      line.put("loss", loss);
      line.put("learning_rate", lr);
      line.put("next_learning_rate", next.learningRate());
      line.put("val_top1", top1);
      line.put("val_top5", top5);
      line.put("seconds", seconds);
      metrics.add(line);
      LOG.info(String.format(Locale.ROOT, "epoch %d/%d done: loss %.4f, validation top-1 %.4f "
          + "top-5 %.4f, next learning rate %.3g, %.0f s", epoch + 1, config.train().epochs(), loss,
          top1, top5, next.learningRate(), seconds));
      checkpoints.save(training.network(), config, state);
      lastCheckpoint = state.iteration();
      metrics.flush();
      TrainingCurves.write(storage, request.output(), metrics.lines());
    }
    URI model = URI.create(request.output().toString().replaceAll("/$", "") + "/model");
    new ModelStore(storage).save(training.network(), config, model, true);
    augment.destroy();
    LOG.info("trained model saved to {}", model);
    return new Result(state, model);
  }

  private static String eta(double elapsedSeconds, double imagesDone, double imagesLeft) {
    if (imagesDone <= 0) {
      return "?";
    }
    long seconds = (long) (imagesLeft * elapsedSeconds / imagesDone);
    Duration d = Duration.ofSeconds(seconds);
    return d.toHours() > 0 ? d.toHours() + "h" + d.toMinutesPart() + "m" : d.toMinutes() + "m" + d.toSecondsPart() + "s";
  }
}

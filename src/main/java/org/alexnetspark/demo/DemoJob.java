package org.alexnetspark.demo;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.eval.EvaluationJob;
import org.alexnetspark.eval.EvaluationReport;
import org.alexnetspark.inference.ImageFiles;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.FirstLayerFilters;
import org.alexnetspark.predict.FilePredictor;
import org.alexnetspark.predict.Prediction;
import org.alexnetspark.predict.PredictionFormat;
import org.alexnetspark.prepare.IdxImageTree;
import org.alexnetspark.prepare.PrepareJob;
import org.alexnetspark.spark.SparkJobs;
import org.alexnetspark.stats.StatsJob;
import org.alexnetspark.train.TrainJob;
import org.alexnetspark.train.TrainingCurves;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet demo}: the whole system on this machine, on real photos. Fashion-MNIST (Debian's
 * dataset-fashion-mnist) becomes an ImageNet-style JPEG tree, with a validation split held out of
 * the 60,000 training images; an in-process HDFS and local Spark start; then prepare, stats, train
 * (the schedule driven by the validation split), evaluate on the official 10,000-image test split
 * (centre crop and ten crops), predict a few test images, and draw the pictures. Shards, runs and
 * models live on {@code hdfs://} as on a cluster; the model, the evaluation report and the pictures
 * are copied out to the output folder at the end.
 */
public final class DemoJob {
  private static final Logger LOG = LoggerFactory.getLogger(DemoJob.class);

  /** Every this-many-th training image is held out for validation: 5,000 of 60,000. */
  static final int HOLD_OUT_EVERY = 12;

  /**
   * Share of the time budget kept for what follows training: the final model, evaluation (43 s for
   * the 10,000 test images, centre and ten crops, on a loaded 2-core machine) and the pictures.
   */
  static final double AFTER_TRAINING = 0.08;

  /**
   * @param output local folder for the images, the in-process HDFS and the results
   * @param minutes the demo's time budget (training gets what the other stages leave)
   * @param fashionMnist folder holding Fashion-MNIST's IDX files
   * @param confFiles configuration files layered over the defaults and the demo's settings
   *     (conf/demo.conf, packaged)
   * @param overrides {@code key=value} settings applied last
   * @param perClass training images per class to use (0: all), for quick runs
   * @param predictions test images to predict at the end
   */
  public record Options(
      Path output,
      double minutes,
      Path fashionMnist,
      List<Path> confFiles,
      List<String> overrides,
      int perClass,
      int predictions) {

    /** The demo's configuration, with {@code more} settings last. */
    AlexNetConfig config(String... more) {
      List<String> all = new ArrayList<>(overrides);
      all.addAll(List.of(more));
      return AlexNetConfig.load(List.of(AlexNetConfig.DEMO_RESOURCE), confFiles, all);
    }
  }

  /** What the demo leaves behind. */
  public record Result(
      EvaluationReport report,
      Path model,
      Path evaluation,
      List<Path> pictures,
      Duration wallTime,
      int epochs) {}

  private final Options options;
  private final PrintWriter out;

  /**
   * Set by jobs/local/demo to when it started (seconds since the epoch): its set-up and build
   * count.
   */
  static final String STARTED_AT = "ALEXNET_DEMO_STARTED_AT";

  private final long start = startOfCommand(System.getenv(STARTED_AT));
  private int stage;

  public DemoJob(Options options, PrintWriter out) {
    this.options = options;
    this.out = out;
  }

  /** Refuses, before anything runs, what cannot work: missing data, a non-empty output. */
  public void check() throws IOException {
    for (String file :
        List.of(
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz")) {
      if (!Files.isRegularFile(options.fashionMnist().resolve(file))) {
        throw new FileNotFoundException(
            options.fashionMnist().resolve(file)
                + " is missing: "
                + "install Fashion-MNIST (Debian: sudo apt-get install dataset-fashion-mnist; "
                + "jobs/local/demo does this itself when run as root)");
      }
    }
    if (Files.isDirectory(options.output()) && Files.list(options.output()).findAny().isPresent()) {
      throw new Storage.ArtifactExistsException(
          options.output().toString(), "is not empty; give another --output, or delete it");
    }
  }

  public Result run() throws IOException {
    Path output = Files.createDirectories(options.output()).toAbsolutePath();
    Path images = output.resolve("images");
    AlexNetConfig config = options.config();

    step("converting Fashion-MNIST into a JPEG tree (train, val held out of it, test)");
    int written = convert(images);
    say("%,d JPEGs under %s", written, images);

    step("starting an in-process HDFS");
    try (InProcessHdfs hdfs = new InProcessHdfs(output.resolve("hdfs"))) {
      say("%s (blocks in %s)", hdfs.defaultFs(), output.resolve("hdfs"));
      SparkConf sparkConf =
          SparkJobs.conf("alexnet demo").set("spark.hadoop.fs.defaultFS", hdfs.defaultFs());
      Storage storage = new Storage(SparkJobs.hadoopConfiguration(sparkConf));
      URI train = hdfs.uri("/demo/data/train");
      URI val = hdfs.uri("/demo/data/val");
      URI test = hdfs.uri("/demo/data/test");
      URI run = hdfs.uri("/demo/run");
      URI evaluation = hdfs.uri("/demo/evaluation");
      try (JavaSparkContext spark = SparkJobs.start(sparkConf)) {
        step("preparing the shards on HDFS (training, validation and test splits)");
        PrepareJob prepare = new PrepareJob(config, storage);
        prepare(prepare, spark, images, train, "train", null);
        prepare(prepare, spark, images, val, "val", train);
        prepare(prepare, spark, images, test, "test", train);

        step("training-set statistics (mean image, RGB principal components)");
        StatsJob stats = new StatsJob(storage, config);
        stats.run(spark, train, stats.check(train));

        double spent = minutesSince(start);
        double budget = Math.max(1, options.minutes() * (1 - AFTER_TRAINING) - spent);
        AlexNetConfig trainConfig =
            options.config(String.format(Locale.ROOT, "train.time-budget=%.3f", budget));
        step(
            String.format(
                Locale.ROOT,
                "training (%d epochs at most, %.1f of the %.0f minutes "
                    + "left for it; validation every epoch)",
                config.train().epochs(),
                budget,
                options.minutes()));
        TrainJob job = new TrainJob(trainConfig, storage);
        TrainJob.Request request = new TrainJob.Request(train, val, run, false, null);
        TrainJob.Result trained = job.run(spark, request, job.check(request));

        step("evaluating on the test split (centre crop and the paper's ten crops)");
        EvaluationJob evaluate = new EvaluationJob(config, storage);
        EvaluationJob.Request evalRequest =
            new EvaluationJob.Request(trained.model(), test, evaluation);
        EvaluationReport report = evaluate.run(spark, evalRequest, evaluate.check(evalRequest));

        step("copying the model and the report out of HDFS, predicting, drawing");
        Path model = output.resolve("model");
        copyOut(storage, trained.model(), model);
        copyOut(
            storage,
            Locations.child(evaluation, EvaluationJob.REPORT),
            output.resolve("eval.json"));
        copyOut(
            storage,
            Locations.child(evaluation, EvaluationJob.CONFUSION_PNG),
            output.resolve("confusion.png"));
        copyOut(
            storage,
            Locations.child(evaluation, EvaluationJob.CONFUSION_CSV),
            output.resolve("confusion.csv"));
        copyOut(storage, Locations.child(run, "metrics.jsonl"), output.resolve("metrics.jsonl"));
        copyOut(storage, Locations.child(run, TrainingCurves.FILE), output.resolve("curves.png"));
        TrainedModel trainedModel = TrainedModel.load(storage, trained.model());
        ImageIO.write(
            FirstLayerFilters.draw(trainedModel.network()),
            "png",
            output.resolve("filters.png").toFile());
        predict(trainedModel, storage, images.resolve("test"));

        List<Path> pictures =
            List.of(
                output.resolve("curves.png"),
                output.resolve("confusion.png"),
                output.resolve("filters.png"));
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        return new Result(
            report, model, output.resolve("eval.json"), pictures, wall, trained.state().epoch());
      }
    }
  }

  private int convert(Path images) throws IOException {
    Configuration local = new Configuration();
    Path idx = options.fashionMnist();
    int perClass = options.perClass();
    int trainImages =
        IdxImageTree.convert(
            local,
            idx.resolve("train-images-idx3-ubyte.gz").toUri(),
            idx.resolve("train-labels-idx1-ubyte.gz").toUri(),
            images.toUri(),
            item -> item % HOLD_OUT_EVERY == HOLD_OUT_EVERY - 1 ? "val" : "train",
            IdxImageTree.FASHION_MNIST_CLASSES,
            perClass);
    int testImages =
        IdxImageTree.convert(
            local,
            idx.resolve("t10k-images-idx3-ubyte.gz").toUri(),
            idx.resolve("t10k-labels-idx1-ubyte.gz").toUri(),
            images.toUri(),
            item -> "test",
            IdxImageTree.FASHION_MNIST_CLASSES,
            perClass == 0 ? 0 : Math.max(1, perClass / 6));
    return trainImages + testImages;
  }

  private void prepare(
      PrepareJob prepare,
      JavaSparkContext spark,
      Path images,
      URI output,
      String split,
      URI labelMapFrom)
      throws IOException {
    PrepareJob.Request request =
        new PrepareJob.Request(images.toUri(), output, split, null, null, labelMapFrom);
    Manifest manifest = prepare.run(spark, request, prepare.check(request));
    say("%s: %,d images in %d shards", split, manifest.records(), manifest.shards().size());
  }

  private void predict(TrainedModel model, Storage storage, Path testImages) throws IOException {
    List<ImageFiles.Source> sources = new ArrayList<>();
    try (Stream<Path> classes = Files.list(testImages)) {
      for (Path folder : classes.sorted().toList()) {
        try (Stream<Path> files = Files.list(folder)) {
          files
              .sorted()
              .limit(1)
              .forEach(
                  file ->
                      sources.add(
                          new ImageFiles.Source(
                              testImages.relativize(file).toString(), file.toUri(), null)));
        }
        if (sources.size() >= options.predictions()) {
          break;
        }
      }
    }
    FilePredictor predictor =
        new FilePredictor(
            model,
            new ImageFiles(storage.hadoopConfiguration(), model),
            Preset.TEN_CROP,
            3,
            options.config().train().evalBatch());
    List<Prediction> predictions = predictor.predict(sources);
    out.println("predictions for a few test images (the folder names the true class):");
    PredictionFormat.TABLE.write(predictions, out);
    out.flush();
  }

  private static void copyOut(Storage storage, URI source, Path target) throws IOException {
    FileSystem from = storage.fileSystem(source);
    FileSystem to = FileSystem.getLocal(storage.hadoopConfiguration());
    if (to instanceof LocalFileSystem local) {
      to = local.getRawFileSystem(); // no .crc files beside the copies
    }
    FileUtil.copy(
        from,
        new org.apache.hadoop.fs.Path(source),
        to,
        new org.apache.hadoop.fs.Path(target.toUri()),
        false,
        storage.hadoopConfiguration());
  }

  private void step(String what) {
    stage++;
    String line = String.format(Locale.ROOT, "[%d/7 %s] %s", stage, clock(), what);
    out.println(line);
    out.flush();
    LOG.info(line);
  }

  private void say(String format, Object... args) {
    out.println("      " + String.format(Locale.ROOT, format, args));
    out.flush();
  }

  private String clock() {
    Duration d = Duration.ofNanos(System.nanoTime() - start);
    return String.format(Locale.ROOT, "%d:%02d", d.toMinutes(), d.toSecondsPart());
  }

  /**
   * The demo's clock starts when the command did: {@code startedAt} (seconds since the epoch, from
   * jobs/local/demo, so that setting up and building count against the budget), else now.
   */
  static long startOfCommand(String startedAt) {
    long now = System.nanoTime();
    if (startedAt != null && startedAt.matches("\\d{1,12}")) {
      long millisAgo = System.currentTimeMillis() - Long.parseLong(startedAt) * 1000;
      if (millisAgo > 0 && millisAgo < Duration.ofHours(1).toMillis()) {
        return now - millisAgo * 1_000_000;
      }
    }
    return now;
  }

  private static double minutesSince(long start) {
    return (System.nanoTime() - start) / 60e9;
  }
}

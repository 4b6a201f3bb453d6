package org.alexnetspark.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.PcaLighting;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.TrainConfig;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.data.ShardSummary;
import org.alexnetspark.data.ShardWriter;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.train.ParameterAveraging;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code alexnet bench train}: how fast one worker fits the network, and what parameter averaging
 * costs on local Spark at several averaging frequencies, with the bytes moved per averaging round
 * beside the least possible (parameters plus momentum, 4 bytes each, to and from every worker).
 */
public final class TrainBenchmark {

  /** Fit and inference rates of one worker, no Spark. */
  public record WorkerRate(String variant, int inputSize, int batch, double fitImagesPerSecond,
      double inferenceImagesPerSecond) {}

  /**
   * One averaging frequency on local Spark.
   *
   * @param frequency minibatches per worker between averagings
   * @param rounds averaging rounds measured
   * @param seconds wall time of those rounds
   * @param computeSeconds the workers' mean time fitting minibatches
   * @param bytesToWorkers serialised broadcast per round (parameters and momentum to the workers)
   * @param bytesFromWorkers task results per round (workers' parameters and momentum back)
   * @param minimumBytesEachWay workers x (parameters + momentum) x 4 bytes
   */
  public record Averaging(int frequency, int rounds, double seconds, double computeSeconds,
      double bytesToWorkers, double bytesFromWorkers, long minimumBytesEachWay) {
    public double averagingShare() {
      return Math.max(0, seconds - computeSeconds) / seconds;
    }
  }

  public WorkerRate workerRate(AlexNetConfig config, int batch, int iterations) {
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    int size = config.model().networkInputSize();
    Nd4j.getRandom().setSeed(1);
    MultiDataSet data = new MultiDataSet(Nd4j.rand(DataType.FLOAT, batch, 3, size, size).muli(255),
        Nd4j.eye(config.model().classes()).getRows(new Random(1).ints(batch, 0,
            config.model().classes()).toArray()).castTo(DataType.FLOAT));
    network.fit(data); // warm-up: workspaces, native kernels
    long start = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      network.fit(data);
    }
    double fit = (double) batch * iterations / ((System.nanoTime() - start) / 1e9);
    network.outputSingle(data.getFeatures(0));
    start = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      network.outputSingle(data.getFeatures(0));
    }
    double inference = (double) batch * iterations / ((System.nanoTime() - start) / 1e9);
    return new WorkerRate(config.model().variant().toString(), size, batch, fit, inference);
  }

  /** Times {@code rounds} averaging rounds at each frequency on {@code spark}. */
  public List<Averaging> averaging(JavaSparkContext spark, AlexNetConfig config, int batch,
      int rounds, int[] frequencies) throws IOException {
    int workers = spark.defaultParallelism();
    int stored = config.model().networkInputSize() + 8;
    int images = workers * batch * rounds * maxOf(frequencies);
    Path folder = Files.createTempDirectory("alexnet-bench-train");
    URI dataset = folder.toUri();
    Storage storage = new Storage(spark.hadoopConfiguration());
    writeSyntheticShard(storage, dataset, images, stored, config.model().classes());
    Manifest manifest = Manifest.read(storage, dataset);
    MinibatchPlan plan = MinibatchPlan.of(storage.hadoopConfiguration(), manifest, dataset, batch);
    Broadcast<Augmenter> augmenter = spark.broadcast(new Augmenter(stored,
        config.model().networkInputSize(), 0.5,
        new PcaLighting(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, new double[] {0.01, 0.01, 0.01}, 0.1),
        null));
    AtomicLong resultBytes = new AtomicLong();
    spark.sc().addSparkListener(new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskMetrics() != null) {
          resultBytes.addAndGet(end.taskMetrics().resultSize());
        }
      }
    });
    List<Averaging> results = new ArrayList<>();
    try {
      for (int frequency : frequencies) {
        TrainConfig train = config.train();
        TrainConfig bench = new TrainConfig(1, batch, frequency, train.averaging(), 1, workers, rounds,
            train.schedule(), 0, 0, 1, 0, TrainConfig.Divergence.STOP, 0, batch, train.seed(), 0);
        ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
        long parameters = network.numParams();
        long momentum = network.getUpdater().getStateViewArray().length();
        ParameterAveraging averaging = new ParameterAveraging(spark, network, bench, workers);
        MinibatchReader reader = new MinibatchReader(augmenter::value,
            new HadoopConf(storage.hadoopConfiguration()), new MinibatchReader.Options(
                config.data().decoder(), config.model().classes(), Preset.TRAIN, 1, 0));
        List<Minibatch> batches = plan.epoch(1, 0).subList(0, workers * frequency * rounds);
        // One warm-up round (replicas, native kernels), then the measured rounds.
        averaging.fit(batches.subList(0, workers * frequency), reader);
        long bytesBefore = resultBytes.get();
        ParameterAveraging.Round timings = averaging.fit(batches, reader);
        double broadcastBytes = spark.env().serializer().newInstance()
            .serialize(new Object[] {network.params(), network.getUpdater().getStateViewArray()},
                scala.reflect.ClassTag$.MODULE$.apply(Object[].class)).remaining();
        results.add(new Averaging(frequency, rounds, timings.seconds(), timings.computeSeconds(),
            broadcastBytes, (double) (resultBytes.get() - bytesBefore) / rounds,
            (long) workers * (parameters + momentum) * 4));
      }
    } finally {
      augmenter.destroy();
      FileSystem.get(dataset, storage.hadoopConfiguration()).delete(new org.apache.hadoop.fs.Path(dataset), true);
    }
    return results;
  }

  /** The report. */
  public static String render(WorkerRate worker, List<Averaging> averaging, int workers) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "one worker, %s network, %dx%d input, batch %d:%n"
        + "  fit %.1f images/s, inference %.1f images/s%n", worker.variant(), worker.inputSize(),
        worker.inputSize(), worker.batch(), worker.fitImagesPerSecond(), worker.inferenceImagesPerSecond()));
    if (!averaging.isEmpty()) {
      out.append(String.format(Locale.ROOT, "parameter averaging on local Spark, %d workers:%n", workers));
      out.append(String.format(Locale.ROOT, "  %-9s %8s %9s %9s %16s %16s %16s%n", "frequency", "rounds",
          "wall s", "averaging", "to workers/round", "from workers/rnd", "minimum each way"));
      for (Averaging a : averaging) {
        out.append(String.format(Locale.ROOT, "  %-9d %8d %9.1f %8.0f%% %13.1f MB %13.1f MB %13.1f MB%n",
            a.frequency(), a.rounds(), a.seconds(), 100 * a.averagingShare(), a.bytesToWorkers() / 1e6,
            a.bytesFromWorkers() / 1e6, a.minimumBytesEachWay() / 1e6));
      }
      out.append("  averaging = share of wall time not spent fitting minibatches (broadcast, "
          + "collecting, averaging, scheduling); to workers = one serialised broadcast of parameters "
          + "and momentum, fetched once per executor; from workers = task results.\n");
    }
    return out.toString();
  }

  private static int maxOf(int[] values) {
    int max = 0;
    for (int v : values) {
      max = Math.max(max, v);
    }
    return max;
  }

  private static void writeSyntheticShard(Storage storage, URI dataset, int images, int size,
      int classes) throws IOException {
    FileSystem fs = FileSystem.get(dataset, storage.hadoopConfiguration());
    org.apache.hadoop.fs.Path shard = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(dataset),
        "shard-00000-of-00001.parquet");
    Random random = new Random(3);
    byte[] pixels = new byte[3 * size * size];
    try (ShardWriter writer = new ShardWriter(fs, shard, 1L << 40, 1L << 30)) {
      for (int i = 0; i < images; i++) {
        random.nextBytes(pixels);
        writer.write(new StoredImage("c/" + i, i % classes, "c",
            ImageCodec.encodeJpeg(new Image(size, size, pixels), 90)));
      }
      writer.finish(new ShardSummary(0, images, images, Map.of("c", (long) images), List.of()));
    }
    List<Label> labels = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      labels.add(new Label(c, "c" + c, "c" + c));
    }
    storage.writeText(Manifest.manifestUri(dataset), Json.write(new Manifest(Manifest.FORMAT, "bench",
        size, images, images, labels, Map.of(), List.of(new Manifest.Shard(shard.getName(), images, 0, "")),
        List.of(), null)));
  }
}

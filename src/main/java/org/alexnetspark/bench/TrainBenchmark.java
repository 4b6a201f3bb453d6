package org.alexnetspark.bench;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardSummary;
import org.alexnetspark.data.ShardWriter;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** How fast one process fits the network and infers with it (no Spark). */
public final class TrainBenchmark {
  private TrainBenchmark() {}

  /** Fit and inference rates of one worker, no Spark. */
  public record WorkerRate(
      String variant,
      int inputSize,
      int batch,
      double fitImagesPerSecond,
      double inferenceImagesPerSecond) {}

  /**
   * Fit and inference images/s of {@code config}'s network on random inputs, each measured after
   * {@code warmup} unmeasured minibatches (at least one): workspaces, native kernels and the JIT's
   * compiled code are then those of a long training run, not of its first seconds.
   */
  public static WorkerRate workerRate(AlexNetConfig config, int batch, int warmup, int iterations) {
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    MultiDataSet data = randomBatch(config, batch);
    for (int i = 0; i < Math.max(1, warmup); i++) {
      network.fit(data);
    }
    long start = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      network.fit(data);
    }
    double fit = (double) batch * iterations / ((System.nanoTime() - start) / 1e9);
    for (int i = 0; i < Math.max(1, warmup); i++) {
      network.outputSingle(data.getFeatures(0));
    }
    start = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      network.outputSingle(data.getFeatures(0));
    }
    double inference = (double) batch * iterations / ((System.nanoTime() - start) / 1e9);
    return new WorkerRate(
        config.model().variant().toString(),
        config.model().networkInputSize(),
        batch,
        fit,
        inference);
  }

  /** {@code batch} random images (pixel values 0..255) with random labels, always the same ones. */
  static MultiDataSet randomBatch(AlexNetConfig config, int batch) {
    int size = config.model().networkInputSize();
    Nd4j.getRandom().setSeed(1);
    return new MultiDataSet(
        Nd4j.rand(DataType.FLOAT, batch, 3, size, size).muli(255),
        Nd4j.eye(config.model().classes())
            .getRows(new Random(1).ints(batch, 0, config.model().classes()).toArray())
            .castTo(DataType.FLOAT));
  }

  /**
   * Writes a one-shard dataset of {@code images} random-noise JPEGs of {@code size} pixels and its
   * manifest at {@code dataset}: input for timing, where pixel values do not matter.
   */
  static void writeSyntheticShard(Storage storage, URI dataset, int images, int size, int classes)
      throws IOException {
    FileSystem fs = FileSystem.get(dataset, storage.hadoopConfiguration());
    Path shard = new Path(new Path(dataset), "shard-00000-of-00001.parquet");
    Random random = new Random(3);
    byte[] pixels = new byte[3 * size * size];
    try (ShardWriter writer = new ShardWriter(fs, shard, 1L << 40, 1L << 30)) {
      for (int i = 0; i < images; i++) {
        random.nextBytes(pixels);
        writer.write(
            new StoredImage(
                "c/" + i,
                i % classes,
                "c",
                ImageCodec.encodeJpeg(new Image(size, size, pixels), 90)));
      }
      writer.finish(new ShardSummary(0, images, images, Map.of("c", (long) images), List.of()));
    }
    List<Label> labels = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      labels.add(new Label(c, "c" + c, "c" + c));
    }
    storage.writeText(
        Manifest.manifestUri(dataset),
        Json.write(
            new Manifest(
                Manifest.FORMAT,
                "bench",
                size,
                images,
                images,
                labels,
                Map.of(),
                List.of(new Manifest.Shard(shard.getName(), images, 0, "")),
                List.of(),
                List.of(),
                null)));
  }
}

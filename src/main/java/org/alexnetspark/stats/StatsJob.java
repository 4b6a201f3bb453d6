package org.alexnetspark.stats;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.BuildInfo;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.JobProgress;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet stats}: one pass of Spark over the training shards; each task sums the moments of
 * its shards ({@link RgbMoments}), the driver merges them and writes {@code stats.json} and {@code
 * mean-image.npy} beside the manifest.
 */
public final class StatsJob {
  private static final Logger LOG = LoggerFactory.getLogger(StatsJob.class);

  private final Storage storage;
  private final AlexNetConfig config;

  public StatsJob(Storage storage, AlexNetConfig config) {
    this.storage = storage;
    this.config = config;
  }

  /** Reads the dataset's manifest (and so checks the dataset is there), without Spark. */
  public Manifest check(URI dataset) throws IOException {
    return Manifest.read(storage, dataset);
  }

  public DatasetStats run(JavaSparkContext spark, URI dataset, Manifest manifest)
      throws IOException {
    List<String> shards = manifest.shardUris(dataset).stream().map(URI::toString).toList();
    RgbMoments total;
    try (JobProgress progress =
        new JobProgress(spark, "stats", "images", manifest.records(), Duration.ofSeconds(5))) {
      ShardMoments moments =
          new ShardMoments(
              manifest.imageSize(),
              config.data().decoder(),
              new HadoopConf(storage.hadoopConfiguration()),
              progress.done());
      total =
          spark
              .parallelize(shards, Math.max(1, shards.size()))
              .mapPartitions(moments)
              .treeReduce(RgbMoments::merge);
    }
    DatasetStats stats =
        total
            .finish()
            .with(
                new DatasetStats.Provenance(
                    Instant.now().toString(),
                    dataset.toString(),
                    BuildInfo.versions(),
                    config.render()));
    int size = manifest.imageSize();
    byte[] npy =
        Nd4j.toNpyByteArray(
            Nd4j.create(total.meanImage(), new long[] {3, size, size}, DataType.FLOAT));
    storage.writeFile(
        DatasetStats.beside(dataset, DatasetStats.MEAN_IMAGE_FILE), true, out -> out.write(npy));
    storage.writeText(DatasetStats.beside(dataset, DatasetStats.FILE), Json.write(stats));
    LOG.info(
        "statistics of {} images: mean RGB {}, eigenvalues {}",
        stats.images(),
        Arrays.toString(stats.meanRgb()),
        Arrays.toString(stats.eigenvalues()));
    return stats;
  }

  /** Reads the mean image written by {@link #run} (float [3, size, size], RGB, 0..255). */
  public static float[] readMeanImage(Storage storage, URI dataset) throws IOException {
    URI file = DatasetStats.beside(dataset, DatasetStats.MEAN_IMAGE_FILE);
    try (InputStream in = storage.fileSystem(file).open(storage.path(file))) {
      return Nd4j.createNpyFromByteArray(in.readAllBytes())
          .castTo(DataType.FLOAT)
          .ravel()
          .toFloatVector();
    }
  }
}

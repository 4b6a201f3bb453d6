package org.alexnetspark.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.io.Storage;
import org.alexnetspark.prepare.PrepareJob;
import org.alexnetspark.stats.StatsJob;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Fashion-MNIST prepared the way users prepare ImageNet: a JPEG tree on local disk (as ImageNet's
 * is after extracting its archives; the in-process HDFS takes about 0.2 s to close each small
 * file), shards and statistics on the in-process HDFS, the validation set with the training set's
 * label map. Prepared once per JVM for each size and stored image side.
 */
public final class PreparedFashionMnist {
  private static final Map<String, Datasets> PREPARED = new HashMap<>();

  /** A prepared training set (with statistics) and validation set. */
  public record Datasets(URI train, URI validation, Storage storage) {}

  private PreparedFashionMnist() {}

  /**
   * @param trainPerClass training images per class
   * @param valPerClass validation images per class (from Fashion-MNIST's test split)
   * @param imageSize stored image side (data.image-size)
   */
  public static synchronized Datasets of(
      MiniHdfs hdfs, JavaSparkContext spark, int trainPerClass, int valPerClass, int imageSize) {
    String name = "fm-" + trainPerClass + "-" + valPerClass + "-" + imageSize;
    return PREPARED.computeIfAbsent(
        name,
        key -> {
          try {
            return prepare(hdfs, spark, key, trainPerClass, valPerClass, imageSize);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  private static Datasets prepare(
      MiniHdfs hdfs,
      JavaSparkContext spark,
      String name,
      int trainPerClass,
      int valPerClass,
      int imageSize)
      throws IOException {
    Storage storage = new Storage(hdfs.configuration());
    Path tree = Files.createDirectories(Paths.get("target", "fashion-mnist", name));
    if (!Files.isDirectory(tree.resolve("train"))) {
      FashionMnist.tree(hdfs.configuration(), tree.toUri(), "train", trainPerClass);
      FashionMnist.tree(hdfs.configuration(), tree.toUri(), "val", valPerClass);
    }
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(),
            List.of(
                "data.image-size=" + imageSize,
                "model.variant=scaled",
                "data.shard-bytes=1m",
                "data.row-group-bytes=128k"));
    URI train = hdfs.uri("/prepared/" + name + "/train");
    URI validation = hdfs.uri("/prepared/" + name + "/val");
    PrepareJob prepare = new PrepareJob(config, storage);
    PrepareJob.Request trainRequest =
        new PrepareJob.Request(tree.toUri(), train, "train", null, null, null);
    prepare.run(spark, trainRequest, prepare.check(trainRequest));
    PrepareJob.Request valRequest =
        new PrepareJob.Request(tree.toUri(), validation, "val", null, null, train);
    prepare.run(spark, valRequest, prepare.check(valRequest));
    StatsJob stats = new StatsJob(storage, config);
    stats.run(spark, train, Manifest.read(storage, train));
    return new Datasets(train, validation, storage);
  }
}

package org.alexnetspark.features;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.inference.DatasetPass;
import org.alexnetspark.inference.NetworkCopy;
import org.alexnetspark.inference.ShardInference;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.BuildInfo;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.spark.ParquetTables;
import org.alexnetspark.spark.SparkJobs;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet features}: the feature vector ({@link FeatureVectors}) of every image of a
 * prepared dataset, on Spark, one task per shard like evaluation, written as Parquet with a
 * description ({@link FeatureTable}); the folder is written under a hidden temporary name and
 * renamed into place when complete. One row per image: {@code key}, {@code label}, {@code wnid}
 * (its record), {@code shard} (URI of the shard file) and {@code row_group} (where its stored JPEG
 * is, so that a row leads back to its picture), {@code features} ({@code array<float>}).
 */
public final class FeatureJob {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureJob.class);

  public static final String KEY = "key";
  public static final String LABEL = "label";
  public static final String WNID = "wnid";
  public static final String SHARD = "shard";
  public static final String ROW_GROUP = "row_group";
  public static final String FEATURES = "features";

  /**
   * @param model a trained model folder
   * @param data a prepared dataset
   * @param output the Parquet folder to write; must not exist
   * @param preset {@link Preset#CENTRE}, or {@link Preset#TEN_CROP} to average ten crops' vectors
   */
  public record Request(URI model, URI data, URI output, Preset preset) {}

  private final AlexNetConfig config;
  private final Storage storage;

  public FeatureJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
  }

  /** Loads the model and the dataset's plan (every shard checked); refuses an existing output. */
  public DatasetPass check(Request request) throws IOException {
    if (storage.exists(request.output())) {
      throw new Storage.ArtifactExistsException(
          request.output().toString(), "already exists; choose another --output or delete it");
    }
    return DatasetPass.of(
        storage, request.model(), request.data(), config.train().evalBatch(), request.preset());
  }

  /** Computes and writes the table; returns its description. */
  public FeatureTable run(JavaSparkContext spark, Request request, DatasetPass checked)
      throws IOException {
    TrainedModel model = checked.model();
    int width = model.config().model().fcWidth();
    LOG.info(
        "computing the {}-value {} features of {} images of {} with {} ({})",
        width,
        AlexNet.FEATURES,
        checked.manifest().records(),
        request.data(),
        request.model(),
        FeatureTable.cropsName(request.preset()));
    String[] wnids = checked.manifest().labels().stream().map(Label::wnid).toArray(String[]::new);
    Broadcast<NetworkCopy> network = spark.broadcast(NetworkCopy.of(model.network()));
    Broadcast<Augmenter> augmenter = spark.broadcast(model.evaluationAugmenter());
    FeatureTable[] written = new FeatureTable[1];
    try {
      // The one-hot width must hold the dataset's labels: records are never dropped for them.
      MinibatchReader reader =
          checked.reader(
              augmenter,
              storage,
              config.data().decoder(),
              model.config().model().classes(),
              request.preset());
      List<List<Minibatch>> byShard = checked.byShard();
      JavaRDD<FeatureRow> rows =
          spark
              .parallelize(byShard, Math.max(1, byShard.size()))
              .mapPartitions(new ShardFeatures(network, reader, wnids));
      Dataset<Row> frame =
          SparkJobs.session(spark)
              .createDataset(rows.rdd(), Encoders.bean(FeatureRow.class))
              .select(
                  functions.col(KEY),
                  functions.col(LABEL),
                  functions.col(WNID),
                  functions.col(SHARD),
                  functions.col("rowGroup").as(ROW_GROUP),
                  functions.col(FEATURES));
      ParquetTables.write(
          storage,
          frame,
          request.output(),
          (fs, folder, count) -> {
            written[0] =
                new FeatureTable(
                    request.model().toString(),
                    request.data().toString(),
                    FeatureTable.cropsName(request.preset()),
                    width,
                    count,
                    Instant.now().toString(),
                    BuildInfo.versions());
            try (OutputStream out = fs.create(new Path(folder, FeatureTable.FILE), false)) {
              out.write(Json.write(written[0]).getBytes(StandardCharsets.UTF_8));
            }
          });
    } finally {
      network.destroy();
      augmenter.destroy();
    }
    LOG.info(
        "wrote {} feature vectors to {} ({} records could not be decoded)",
        written[0].rows(),
        request.output(),
        checked.manifest().records() - written[0].rows());
    return written[0];
  }

  /** On the executors: the feature rows of one partition's shards. */
  static final class ShardFeatures extends ShardInference<FeatureRow> {
    private static final long serialVersionUID = 1L;
    private final String[] wnids;

    ShardFeatures(Broadcast<NetworkCopy> network, MinibatchReader reader, String[] wnids) {
      super(network, reader);
      this.wnids = wnids;
    }

    @Override
    protected void addRows(
        ComputationGraph graph, Minibatch minibatch, Batch batch, int crops, List<FeatureRow> out) {
      float[][] vectors = FeatureVectors.of(graph, batch.features(), crops);
      for (int i = 0; i < batch.images(); i++) {
        int label = batch.classes()[i];
        out.add(
            new FeatureRow(
                batch.keys().get(i),
                label,
                label < wnids.length ? wnids[label] : "",
                minibatch.shard(),
                minibatch.rowGroup(),
                vectors[i]));
      }
    }
  }
}

package org.alexnetspark.predict;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.List;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Batch;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.inference.DatasetPass;
import org.alexnetspark.inference.NetworkCopy;
import org.alexnetspark.inference.Scores;
import org.alexnetspark.inference.ShardInference;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.ParquetTables;
import org.alexnetspark.spark.SparkJobs;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet predict --data}: the most probable classes of every image of a prepared dataset,
 * on Spark, one task per shard (the network rebuilt from a broadcast copy in each task, the shard's
 * minibatches read in stored order through {@link MinibatchReader}), written as Parquet with {@link
 * #SCHEMA}: one row per record. The table is written into a hidden temporary folder beside the
 * output and renamed into place when complete.
 */
public final class PredictionJob {
  private static final Logger LOG = LoggerFactory.getLogger(PredictionJob.class);

  /**
   * The output table: the record's {@code key}, {@code label} and {@code wnid} (from the dataset),
   * then the model's top classes, best first: output indices, wnids, names and probabilities.
   */
  public static final StructType SCHEMA =
      new StructType()
          .add("key", DataTypes.StringType, false)
          .add("label", DataTypes.IntegerType, false)
          .add("wnid", DataTypes.StringType, false)
          .add("top_classes", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
          .add("top_wnids", DataTypes.createArrayType(DataTypes.StringType, false), false)
          .add("top_names", DataTypes.createArrayType(DataTypes.StringType, false), false)
          .add("top_probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  /**
   * @param model a trained model folder
   * @param data a prepared dataset (any label map; its own labels are copied to the output)
   * @param output the Parquet folder to write; must not exist
   * @param preset {@link Preset#CENTRE} or {@link Preset#TEN_CROP}
   * @param top classes per image
   */
  public record Request(URI model, URI data, URI output, Preset preset, int top) {}

  /** What was written: rows, and records skipped because they could not be decoded. */
  public record Result(long rows, long skipped) {}

  private final AlexNetConfig config;
  private final Storage storage;

  public PredictionJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
  }

  /** Loads the model and the dataset's plan (every shard checked); refuses an existing output. */
  public DatasetPass check(Request request) throws IOException {
    if (request.top() < 1) {
      throw new InvalidConfigException(List.of("--top must be at least 1, got " + request.top()));
    }
    if (storage.exists(request.output())) {
      throw new Storage.ArtifactExistsException(
          request.output().toString(), "already exists; choose another --output or delete it");
    }
    return DatasetPass.of(
        storage, request.model(), request.data(), config.train().evalBatch(), request.preset());
  }

  public Result run(JavaSparkContext spark, Request request, DatasetPass checked)
      throws IOException {
    TrainedModel model = checked.model();
    int classes = model.config().model().classes();
    LOG.info(
        "predicting the top {} classes of {} images of {} with {} ({})",
        request.top(),
        checked.manifest().records(),
        request.data(),
        request.model(),
        request.preset() == Preset.TEN_CROP ? "ten crops" : "centre crop");
    Classes names = new Classes(model, checked.manifest());
    long rows;
    Broadcast<NetworkCopy> network = spark.broadcast(NetworkCopy.of(model.network()));
    Broadcast<Augmenter> augmenter = spark.broadcast(model.evaluationAugmenter());
    try {
      // The one-hot width must hold the dataset's labels too: records are never dropped for them.
      MinibatchReader reader =
          checked.reader(augmenter, storage, config.data().decoder(), classes, request.preset());
      List<List<Minibatch>> byShard = checked.byShard();
      JavaRDD<Row> table =
          spark
              .parallelize(byShard, Math.max(1, byShard.size()))
              .mapPartitions(new ShardPredictor(network, reader, request.top(), names));
      Dataset<Row> frame = SparkJobs.session(spark).createDataFrame(table, SCHEMA);
      rows = ParquetTables.write(storage, frame, request.output(), null);
    } finally {
      network.destroy();
      augmenter.destroy();
    }
    Result result = new Result(rows, checked.manifest().records() - rows);
    LOG.info(
        "wrote {} predictions to {} ({} records could not be decoded)",
        result.rows(),
        request.output(),
        result.skipped());
    return result;
  }

  /** The model's class wnids and names, and the dataset's wnids, by index. */
  record Classes(String[] modelWnids, String[] modelNames, String[] dataWnids)
      implements Serializable {
    Classes(TrainedModel model, Manifest manifest) {
      this(
          new String[model.config().model().classes()],
          new String[model.config().model().classes()],
          manifest.labels().stream().map(Label::wnid).toArray(String[]::new));
      for (int c = 0; c < modelWnids.length; c++) {
        modelWnids[c] = model.classId(c);
        modelNames[c] = model.className(c);
      }
    }
  }

  /** On the executors: the prediction rows of one partition's shards. */
  static final class ShardPredictor extends ShardInference<Row> {
    private static final long serialVersionUID = 1L;
    private final int top;
    private final Classes classes;

    ShardPredictor(
        Broadcast<NetworkCopy> network, MinibatchReader reader, int top, Classes classes) {
      super(network, reader);
      this.top = top;
      this.classes = classes;
    }

    @Override
    protected void addRows(
        ComputationGraph graph, Minibatch minibatch, Batch batch, int crops, List<Row> out) {
      INDArray outputs = Scores.outputs(graph, batch);
      float[][] probabilities = Scores.averageCrops(outputs, crops).toFloatMatrix();
      for (int i = 0; i < batch.images(); i++) {
        out.add(row(batch.keys().get(i), batch.classes()[i], probabilities[i]));
      }
    }

    private Row row(String key, int label, float[] probabilities) {
      int[] best = Scores.top(probabilities, top); // empty if the outputs are NaN
      String[] wnids = new String[best.length];
      String[] names = new String[best.length];
      float[] values = new float[best.length];
      for (int r = 0; r < best.length; r++) {
        wnids[r] = classes.modelWnids()[best[r]];
        names[r] = classes.modelNames()[best[r]];
        values[r] = probabilities[best[r]];
      }
      String wnid = label < classes.dataWnids().length ? classes.dataWnids()[label] : "";
      return RowFactory.create(key, label, wnid, best, wnids, names, values);
    }
  }
}

package org.alexnetspark.inference;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Collectors;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Storage;
import org.apache.spark.broadcast.Broadcast;

/**
 * One pass of a trained model over a prepared dataset, as features, predictions and evaluation make
 * it: the model, the dataset's manifest and its minibatches in order, checked to fit each other
 * before any Spark job starts.
 *
 * @param model the model
 * @param manifest the dataset's manifest
 * @param batches every minibatch of the dataset, in shard and record order
 */
public record DatasetPass(TrainedModel model, Manifest manifest, List<Minibatch> batches) {

  /**
   * Loads the model and the manifest of {@code data}, refuses images stored at another size than
   * the model was trained on, and plans minibatches of about {@code evalBatch} crops of {@code
   * preset} (every shard checked).
   */
  public static DatasetPass of(
      Storage storage, URI modelLocation, URI data, int evalBatch, Preset preset)
      throws IOException {
    TrainedModel model = TrainedModel.load(storage, modelLocation);
    Manifest manifest = Manifest.read(storage, data);
    String problem = imageSizeProblem(model, manifest, data);
    if (problem != null) {
      throw new InvalidConfigException(List.of(problem));
    }
    return new DatasetPass(model, manifest, plan(storage, manifest, data, evalBatch, preset));
  }

  /**
   * Why {@code model} cannot read the images of {@code data} (stored at another size than it was
   * trained on), or null if it can.
   */
  public static String imageSizeProblem(TrainedModel model, Manifest manifest, URI data) {
    if (manifest.imageSize() == model.storedSize()) {
      return null;
    }
    return "the images of "
        + data
        + " are stored at "
        + manifest.imageSize()
        + " pixels, the model was trained on "
        + model.storedSize()
        + "; prepare the data with data.image-size = "
        + model.storedSize();
  }

  /**
   * Every minibatch of {@code data} in stored order, about {@code evalBatch} network inputs each
   * ({@code preset}'s crops per image); every shard is checked.
   */
  public static List<Minibatch> plan(
      Storage storage, Manifest manifest, URI data, int evalBatch, Preset preset)
      throws IOException {
    int imagesPerBatch = Math.max(1, evalBatch / preset.cropsPerImage());
    return MinibatchPlan.of(storage.hadoopConfiguration(), manifest, data, imagesPerBatch)
        .inOrder();
  }

  /** The minibatches grouped by shard, in order: one Spark partition each. */
  public List<List<Minibatch>> byShard() {
    return byShard(batches);
  }

  /** {@code batches} grouped by shard, in order: one Spark partition each. */
  public static List<List<Minibatch>> byShard(List<Minibatch> batches) {
    return new ArrayList<>(
        batches.stream()
            .collect(
                Collectors.groupingBy(Minibatch::shard, LinkedHashMap::new, Collectors.toList()))
            .values());
  }

  /**
   * The executors' reader of this pass's crops, with the model's evaluation augmenter from {@code
   * augmenter}; its one-hot labels are {@code classes} wide (at least the dataset's label count, so
   * that no record is dropped for its label).
   */
  public MinibatchReader reader(
      Broadcast<Augmenter> augmenter,
      Storage storage,
      JpegDecoder.Kind decoder,
      int classes,
      Preset preset) {
    return new MinibatchReader(
        augmenter::value,
        new HadoopConf(storage.hadoopConfiguration()),
        new MinibatchReader.Options(
            decoder, Math.max(classes, manifest.labels().size()), preset, 0, 0));
  }
}

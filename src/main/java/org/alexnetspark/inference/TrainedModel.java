package org.alexnetspark.inference;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Label;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.stats.DatasetStats;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained model with everything using it needs: the network, its configuration and description
 * (label map with class names), and the training set's statistics its inputs are normalised with
 * (mean image, channel means), kept in the model folder so that a model can be used without the
 * dataset it was trained on.
 *
 * @param location the model folder
 * @param stats the training set's statistics
 * @param meanImage the training set's mean image (RGB planes, 0..255)
 */
public record TrainedModel(
    URI location,
    ComputationGraph network,
    AlexNetConfig config,
    ModelInfo info,
    DatasetStats stats,
    float[] meanImage) {

  /** The statistics file in a model folder. */
  public static final String STATS_FILE = "stats.json";

  /**
   * The mean image in a model folder (float32 [3, size, size], RGB, as {@code alexnet stats} writes
   * it).
   */
  public static final String MEAN_IMAGE_FILE = "mean-image.npy";

  /** The files a model folder carries besides the network, for {@link ModelStore#save}. */
  public static Map<String, byte[]> normalisationFiles(DatasetStats stats, float[] meanImage) {
    int size = stats.imageSize();
    byte[] npy =
        Nd4j.toNpyByteArray(
            Nd4j.create(meanImage, new long[] {3, size, size}, 'c').castTo(DataType.FLOAT));
    return Map.of(
        STATS_FILE, Json.write(stats).getBytes(StandardCharsets.UTF_8), MEAN_IMAGE_FILE, npy);
  }

  /**
   * Loads a model folder written by training (a final model, a checkpoint or a registry version).
   *
   * @throws IOException if it is incomplete, damaged, or lacks the training set's statistics
   */
  public static TrainedModel load(Storage storage, URI location) throws IOException {
    ModelStore models = new ModelStore(storage);
    ModelStore.StoredModel model = models.load(location);
    SealedFolder.Seal seal = SealedFolder.check(storage, location);
    if (seal.entry(STATS_FILE) == null || seal.entry(MEAN_IMAGE_FILE) == null) {
      throw new IOException(
          location
              + " was saved without the statistics of its training set ("
              + STATS_FILE
              + ", "
              + MEAN_IMAGE_FILE
              + "); use a model written by 'alexnet train'");
    }
    DatasetStats stats =
        Json.read(
            models.readText(location, seal, STATS_FILE),
            DatasetStats.class,
            Locations.child(location, STATS_FILE).toString());
    float[] mean;
    try (InputStream in = SealedFolder.open(storage, location, seal, MEAN_IMAGE_FILE)) {
      mean =
          Nd4j.createNpyFromByteArray(in.readAllBytes())
              .castTo(DataType.FLOAT)
              .ravel()
              .toFloatVector();
    }
    return new TrainedModel(location, model.network(), model.config(), model.info(), stats, mean);
  }

  /** Side of the stored images the model was trained on (the evaluation crops come from it). */
  public int storedSize() {
    return stats.imageSize();
  }

  /** Side of the network input. */
  public int inputSize() {
    return config.model().networkInputSize();
  }

  /** The evaluation transforms (centre crop, ten crops) with the training set's normalisation. */
  public Augmenter evaluationAugmenter() {
    return Augmenter.of(
        config.augment(),
        stats.imageSize(),
        inputSize(),
        stats.eigenvectors(),
        stats.eigenvalues(),
        meanImage,
        stats.meanRgb());
  }

  /** The name of output {@code index}: the label map's name, else its wnid, else the index. */
  public String className(int index) {
    Label label = index < info.labels().size() ? info.labels().get(index) : null;
    return label == null ? Integer.toString(index) : label.name();
  }

  /** The wnid (class folder name) of output {@code index}, or the index. */
  public String classId(int index) {
    Label label = index < info.labels().size() ? info.labels().get(index) : null;
    return label == null ? Integer.toString(index) : label.wnid();
  }
}

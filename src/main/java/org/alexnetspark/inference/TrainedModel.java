package org.alexnetspark.inference;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Label;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.model.Normalisation;
import org.alexnetspark.stats.DatasetStats;
import org.deeplearning4j.nn.graph.ComputationGraph;

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

  /**
   * Loads a model folder written by training (a final model, a checkpoint or a registry version),
   * read by {@link ModelStore}, which owns the folder's format.
   *
   * @throws IOException if it is incomplete, damaged, or lacks the training set's statistics
   */
  public static TrainedModel load(Storage storage, URI location) throws IOException {
    ModelStore.StoredModel model = new ModelStore(storage).load(location);
    Normalisation normalisation = model.normalisation();
    if (normalisation == null) {
      throw new IOException(
          location
              + " was saved without the statistics of its training set ("
              + ModelStore.STATS_FILE
              + ", "
              + ModelStore.MEAN_IMAGE_FILE
              + "); use a model written by 'alexnet train'");
    }
    return new TrainedModel(
        location,
        model.network(),
        model.config(),
        model.info(),
        normalisation.stats(),
        normalisation.meanImage());
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

  /**
   * Whether {@code other}'s evaluation transforms make the same network inputs of an image as this
   * model's: the same stored and input sizes, the same normalisation (mean subtracted, scale).
   */
  public boolean sameEvaluationInputs(TrainedModel other) {
    return storedSize() == other.storedSize()
        && inputSize() == other.inputSize()
        && config.augment().mean() == other.config.augment().mean()
        && config.augment().scale() == other.config.augment().scale()
        && Arrays.equals(meanImage, other.meanImage)
        && Arrays.equals(stats.meanRgb(), other.stats.meanRgb());
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

package org.alexnetspark.predict;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.image.Image;
import org.alexnetspark.inference.ImageFiles;
import org.alexnetspark.inference.Scores;
import org.alexnetspark.inference.TrainedModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Class predictions for image files, in this process (no Spark): files are read and prepared
 * ({@link ImageFiles}), then put through the network a batch at a time with the centre crop or the
 * paper's ten crops (their softmax outputs averaged). A file that cannot be read or decoded gets a
 * failed prediction in its place and the others go on.
 */
public final class FilePredictor {
  private final TrainedModel model;
  private final ImageFiles files;
  private final Preset preset;
  private final int top;
  private final int imagesPerBatch;

  /**
   * @param preset {@link Preset#CENTRE} or {@link Preset#TEN_CROP}
   * @param top how many classes to give per image
   * @param inputsPerBatch network inputs per forward pass (an image has one per crop)
   */
  public FilePredictor(
      TrainedModel model, ImageFiles files, Preset preset, int top, int inputsPerBatch) {
    if (preset == Preset.TRAIN) {
      throw new IllegalArgumentException("prediction uses the centre crop or ten crops");
    }
    if (top < 1) {
      throw new IllegalArgumentException("top must be at least 1, got " + top);
    }
    this.model = model;
    this.files = files;
    this.preset = preset;
    this.top = top;
    this.imagesPerBatch = Math.max(1, inputsPerBatch / preset.cropsPerImage());
  }

  /** Predicts every source, handing the predictions to {@code sink} in the sources' order. */
  public void predict(List<ImageFiles.Source> sources, Consumer<Prediction> sink) {
    for (int from = 0; from < sources.size(); from += imagesPerBatch) {
      List<ImageFiles.Loaded> loaded = new ArrayList<>();
      for (ImageFiles.Source source :
          sources.subList(from, Math.min(sources.size(), from + imagesPerBatch))) {
        loaded.add(files.load(source));
      }
      List<Image> images =
          loaded.stream().filter(ImageFiles.Loaded::ok).map(ImageFiles.Loaded::image).toList();
      float[][] probabilities = images.isEmpty() ? new float[0][] : probabilities(images);
      int row = 0;
      for (ImageFiles.Loaded file : loaded) {
        String name = file.source().name();
        sink.accept(
            file.ok()
                ? prediction(name, probabilities[row++])
                : Prediction.failed(name, file.error()));
      }
    }
  }

  /** Predictions of every source, in order. */
  public List<Prediction> predict(List<ImageFiles.Source> sources) {
    List<Prediction> predictions = new ArrayList<>();
    predict(sources, predictions::add);
    return predictions;
  }

  /** Each image's class probabilities (its crops' softmax outputs averaged). */
  private float[][] probabilities(List<Image> images) {
    INDArray outputs = model.network().outputSingle(false, files.inputs(images, preset));
    return Scores.averageCrops(outputs, preset.cropsPerImage()).toFloatMatrix();
  }

  private Prediction prediction(String image, float[] probabilities) {
    int[] best = Scores.top(probabilities, top);
    if (best.length == 0) {
      return Prediction.failed(
          image, "the model's outputs are NaN (a diverged model); " + "use an earlier checkpoint");
    }
    List<Prediction.ClassScore> scores = new ArrayList<>(best.length);
    for (int c : best) {
      scores.add(
          new Prediction.ClassScore(c, model.classId(c), model.className(c), probabilities[c]));
    }
    return new Prediction(image, scores, null);
  }
}

package org.alexnetspark.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Label;
import org.alexnetspark.io.BuildInfo;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * What a saved model is and what it was trained on ({@code model.json} in its folder): enough to
 * use it (the label map with class names), to trust it (data, epochs, validation accuracy) and to
 * trace it (parent model, versions, time).
 *
 * @param format "alexnet-spark model 2"
 * @param variant the network variant
 * @param classes width of the output
 * @param inputSize side of the network input
 * @param parameters learned parameters
 * @param labels the label map: output index, wnid, name (empty if unknown)
 * @param epochs epochs trained
 * @param iterations minibatches fitted per worker
 * @param images images fitted
 * @param trainingData the training set's folder, or null
 * @param trainingDataSha256 SHA-256 of the training set's manifest, or null
 * @param validationTop1 validation top-1 accuracy of this model, or null
 * @param validationTop5 validation top-5 accuracy of this model, or null
 * @param parent the model training started from ({@code --init-from}), or null
 * @param created when it was saved (ISO-8601)
 * @param versions versions of this project and its stack
 */
public record ModelInfo(
    String format,
    String variant,
    int classes,
    int inputSize,
    long parameters,
    List<Label> labels,
    int epochs,
    long iterations,
    long images,
    String trainingData,
    String trainingDataSha256,
    Double validationTop1,
    Double validationTop5,
    String parent,
    String created,
    Map<String, String> versions) {

  public static final String FORMAT = "alexnet-spark model 2";

  public ModelInfo {
    labels = labels == null ? List.of() : List.copyOf(labels);
    versions = versions == null ? Map.of() : Map.copyOf(versions);
  }

  /** A model not (yet) trained on anything. */
  public static ModelInfo untrained() {
    return trained(List.of(), 0, 0, 0, null, null, null, null, null);
  }

  /** A trained model's description; the network's own figures are added when it is saved. */
  public static ModelInfo trained(
      List<Label> labels,
      int epochs,
      long iterations,
      long images,
      String trainingData,
      String trainingDataSha256,
      Double validationTop1,
      Double validationTop5,
      String parent) {
    return new ModelInfo(
        FORMAT,
        null,
        0,
        0,
        0,
        labels,
        epochs,
        iterations,
        images,
        trainingData,
        trainingDataSha256,
        validationTop1,
        validationTop5,
        parent,
        null,
        null);
  }

  /** This description completed with the network's variant, size, the time and versions. */
  ModelInfo describing(ComputationGraph network, AlexNetConfig config) {
    return new ModelInfo(
        FORMAT,
        config.model().variant().toString(),
        config.model().classes(),
        config.model().networkInputSize(),
        network.numParams(),
        labels,
        epochs,
        iterations,
        images,
        trainingData,
        trainingDataSha256,
        validationTop1,
        validationTop5,
        parent,
        Instant.now().toString(),
        BuildInfo.versions());
  }
}

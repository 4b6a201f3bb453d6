package org.alexnetspark.features;

import org.alexnetspark.inference.Scores;
import org.alexnetspark.model.AlexNet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An image's feature vector: the activations of the last hidden layer ({@link AlexNet#FEATURES},
 * after its ReLU, without dropout), averaged over the image's crops when there are several.
 */
public final class FeatureVectors {
  private FeatureVectors() {}

  /**
   * The feature vectors of a batch of network inputs, {@code [images * crops, 3, s, s]} with an
   * image's crops consecutive: one row of {@code fc-width} values per image.
   */
  public static float[][] of(ComputationGraph network, INDArray inputs, int crops) {
    INDArray activations = network.feedForward(inputs, false).get(AlexNet.FEATURES);
    return Scores.averageCrops(activations, crops).toFloatMatrix();
  }

  /** Squared Euclidean distance between two vectors of the same length. */
  public static double squaredDistance(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      sum += d * d;
    }
    return sum;
  }
}

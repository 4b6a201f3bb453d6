package org.alexnetspark.data;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A minibatch ready for the network.
 *
 * @param features {@code [images * crops, 3, crop, crop]}; the crops of an image are consecutive
 * @param labels one-hot {@code [images * crops, classes]}
 * @param keys the images' record keys, in order
 * @param classes the images' class indices, in order
 * @param crops network inputs per image (1, or 10 for the ten-crop preset)
 * @param skipped records of the slice that could not be decoded
 */
public record Batch(
    INDArray features, INDArray labels, List<String> keys, int[] classes, int crops, int skipped) {

  /** Images in the batch. */
  public int images() {
    return keys.size();
  }

  /** As DL4J's data set (features and labels). */
  public DataSet dataSet() {
    return new DataSet(features, labels);
  }
}

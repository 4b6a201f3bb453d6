package org.alexnetspark.predict;

import java.util.List;

/**
 * The most probable classes of one image file, best first, or why there are none.
 *
 * @param image the file as shown to users
 * @param top the classes, most probable first; empty if {@code error} is set
 * @param error what went wrong with the file, or null
 */
public record Prediction(String image, List<ClassScore> top, String error) {

  /**
   * One class and its probability.
   *
   * @param index the class's output index in the model
   * @param wnid the class folder name (a WordNet id for ImageNet)
   * @param name the class's readable name
   * @param probability softmax output (averaged over the crops with ten crops)
   */
  public record ClassScore(int index, String wnid, String name, float probability) {}

  public static Prediction failed(String image, String error) {
    return new Prediction(image, List.of(), error);
  }

  public boolean ok() {
    return error == null;
  }
}

package org.alexnetspark.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The averages of softmax outputs, over models and over crops, on hand-made scores. */
class ScoresTest {

  @Test
  void twoModelsAreAveragedRowByRowAndTheAverageCanPickAClassNeitherPicked() {
    INDArray a = Nd4j.createFromArray(new float[][] {{0.6f, 0.0f, 0.4f}, {0.1f, 0.2f, 0.7f}});
    INDArray b = Nd4j.createFromArray(new float[][] {{0.0f, 0.6f, 0.4f}, {0.3f, 0.6f, 0.1f}});
    float[][] average = Scores.averageModels(List.of(a, b)).toFloatMatrix();
    assertArrayEquals(new float[] {0.3f, 0.3f, 0.4f}, average[0], 1e-6f);
    assertArrayEquals(new float[] {0.2f, 0.4f, 0.4f}, average[1], 1e-6f);
    // Model 1 says class 0, model 2 class 1, their average class 2.
    assertArrayEquals(new int[] {2, 0, 1}, Scores.top(average[0], 3));
    // The inputs are left as they were.
    assertArrayEquals(new float[] {0.6f, 0.0f, 0.4f}, a.toFloatMatrix()[0], 0f);
    assertSame(a, Scores.averageModels(List.of(a)));
  }

  @Test
  void theEnsembleOfTenCropsIsTheMeanOverModelsAndCrops() {
    // One image, ten crops, two classes: model 1 gives crop c the score (c/10, 1 - c/10) and
    // model 2 puts 1 on class 1 in every crop.
    float[][] one = new float[10][];
    float[][] two = new float[10][];
    for (int c = 0; c < 10; c++) {
      one[c] = new float[] {c / 10f, 1 - c / 10f};
      two[c] = new float[] {0f, 1f};
    }
    INDArray averaged =
        Scores.averageModels(List.of(Nd4j.createFromArray(one), Nd4j.createFromArray(two)));
    // Model 1's crops average to (0.45, 0.55); with model 2: (0.225, 0.775).
    assertArrayEquals(
        new float[] {0.225f, 0.775f}, Scores.averageCrops(averaged, 10).toFloatMatrix()[0], 1e-6f);
    // The centre crop (the fifth) of model 1 is (0.4, 0.6); with model 2: (0.2, 0.8).
    assertArrayEquals(
        new float[] {0.2f, 0.8f}, Scores.centreOfTen(averaged).toFloatMatrix()[0], 1e-6f);
  }

  @Test
  void outputsOfDifferentShapesAreRefusedNamingTheModel() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Scores.averageModels(List.of(Nd4j.zeros(2, 3), Nd4j.zeros(2, 4))));
    assertTrue(e.getMessage().contains("model 2 gave outputs of shape [2, 4]"), e.getMessage());
  }
}

package org.alexnetspark.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class TopKEvaluationTest {

  @Test
  void countsTopOneAndTopFiveOnHandMadeScores() {
    // 7 classes. Image 0: truth ranked 1st; image 1: 3rd; image 2: 6th; image 3: 5th.
    var scores = Nd4j.createFromArray(new float[][] {
        {0.1f, 0.9f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},
        {0.5f, 0.2f, 0.3f, 0.0f, 0.0f, 0.0f, 0.0f},
        {0.3f, 0.2f, 0.15f, 0.14f, 0.13f, 0.05f, 0.03f},
        {0.3f, 0.2f, 0.15f, 0.14f, 0.13f, 0.05f, 0.03f}});
    var labels = Nd4j.createFromArray(new float[][] {
        {0, 1, 0, 0, 0, 0, 0},
        {0, 1, 0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0, 1, 0},
        {0, 0, 0, 0, 1, 0, 0}});
    assertArrayEquals(new long[] {1, 3}, TopKEvaluation.hits(scores, labels));
  }

  @Test
  void aNanScoreRowOrATieIsAMissNeverAHit() {
    float nan = Float.NaN;
    var scores = Nd4j.createFromArray(new float[][] {
        {nan, nan, nan, nan, nan, nan, nan},      // a diverged network
        {0.1f, nan, 0.2f, 0.0f, 0.0f, 0.0f, 0.0f}, // the truth scored NaN
        {0.5f, 0.5f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, // a tie for first place
        {0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.0f, 0.0f}, // five-way tie: no top-1, still in the top five
        {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.4f}}); // six-way tie below the winner
    var labels = Nd4j.createFromArray(new float[][] {
        {0, 1, 0, 0, 0, 0, 0},
        {0, 1, 0, 0, 0, 0, 0},
        {1, 0, 0, 0, 0, 0, 0},
        {0, 0, 0, 1, 0, 0, 0},
        {0, 1, 0, 0, 0, 0, 0}});
    assertArrayEquals(new long[] {0, 2}, TopKEvaluation.hits(scores, labels));
  }

  @Test
  void tenCropScoresAreAveragedPerImage() {
    var rows = Nd4j.createFromArray(new float[][] {{1, 0}, {0, 1}, {1, 0}, {4, 2}, {2, 4}, {0, 0}});
    assertArrayEquals(new float[][] {{2f / 3, 1f / 3}, {2, 2}},
        TopKEvaluation.averageCrops(rows, 3).toFloatMatrix());
  }
}

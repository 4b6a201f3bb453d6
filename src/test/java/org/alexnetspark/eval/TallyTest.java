package org.alexnetspark.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.PcaLighting;
import org.alexnetspark.inference.Scores;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** Counting on hand-made scores: top-k, NaN rows and ties, confusion, crop averaging. */
class TallyTest {

  /** {top1, top5} hits of {@code scores} (one row per image) against one-hot {@code labels}. */
  private static long[] hits(float[][] scores, float[][] labels) {
    Tally tally = Tally.empty(scores[0].length, true);
    for (int i = 0; i < scores.length; i++) {
      int truth = 0;
      for (int c = 0; c < labels[i].length; c++) {
        truth = labels[i][c] > labels[i][truth] ? c : truth;
      }
      tally.add(scores[i], truth);
    }
    return new long[] {
      Math.round(tally.top1Accuracy() * scores.length),
      Math.round(tally.top5Accuracy() * scores.length)
    };
  }

  @Test
  void countsTopOneAndTopFiveOnHandMadeScores() {
    // 7 classes. Image 0: truth ranked 1st; image 1: 3rd; image 2: 6th; image 3: 5th.
    float[][] scores = {
      {0.1f, 0.9f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f},
      {0.5f, 0.2f, 0.3f, 0.0f, 0.0f, 0.0f, 0.0f},
      {0.3f, 0.2f, 0.15f, 0.14f, 0.13f, 0.05f, 0.03f},
      {0.3f, 0.2f, 0.15f, 0.14f, 0.13f, 0.05f, 0.03f}
    };
    float[][] labels = {
      {0, 1, 0, 0, 0, 0, 0},
      {0, 1, 0, 0, 0, 0, 0},
      {0, 0, 0, 0, 0, 1, 0},
      {0, 0, 0, 0, 1, 0, 0}
    };
    assertArrayEquals(new long[] {1, 3}, hits(scores, labels));
  }

  @Test
  void aNanScoreRowOrATieIsAMissNeverAHit() {
    float nan = Float.NaN;
    float[][] scores = {
      {nan, nan, nan, nan, nan, nan, nan}, // a diverged network
      {0.1f, nan, 0.2f, 0.0f, 0.0f, 0.0f, 0.0f}, // the truth scored NaN
      {0.5f, 0.5f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f}, // a tie for first place
      {0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0.0f, 0.0f}, // five-way tie: no top-1, still in the top five
      {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.4f}
    }; // six-way tie below the winner
    float[][] labels = {
      {0, 1, 0, 0, 0, 0, 0},
      {0, 1, 0, 0, 0, 0, 0},
      {1, 0, 0, 0, 0, 0, 0},
      {0, 0, 0, 1, 0, 0, 0},
      {0, 1, 0, 0, 0, 0, 0}
    };
    assertArrayEquals(new long[] {0, 2}, hits(scores, labels));
  }

  @Test
  void perClassAccuracyAndConfusionCountWhatWasPredicted() {
    Tally tally = Tally.empty(3, true);
    tally.add(new float[] {0.7f, 0.2f, 0.1f}, 0); // right
    tally.add(new float[] {0.1f, 0.2f, 0.7f}, 0); // class 0 taken for 2
    tally.add(new float[] {0.1f, 0.8f, 0.1f}, 1); // right
    tally.add(new float[] {Float.NaN, 0f, 0f}, 2); // counted, but predicted nothing
    assertArrayEquals(new long[] {1, 0, 1, 0, 1, 0, 0, 0, 0}, tally.confusion());
    assertEquals(0.5, tally.classAccuracy(0));
    assertEquals(1.0, tally.classAccuracy(1));
    assertEquals(0.0, tally.classAccuracy(2));
    assertEquals(4, tally.totalImages());
    Tally twice = tally.plus(tally);
    assertEquals(8, twice.totalImages());
    assertEquals(2, twice.confusion()[2]);
  }

  @Test
  void tenCropScoresAreAveragedPerImage() {
    var rows = Nd4j.createFromArray(new float[][] {{1, 0}, {0, 1}, {1, 0}, {4, 2}, {2, 4}, {0, 0}});
    assertArrayEquals(
        new float[][] {{2f / 3, 1f / 3}, {2, 2}}, Scores.averageCrops(rows, 3).toFloatMatrix());
  }

  @Test
  void theCentreCropIsTheFifthOfEachImagesTen() {
    float[][] rows = new float[20][2];
    for (int i = 0; i < 20; i++) {
      rows[i][0] = i;
      rows[i][1] = -i;
    }
    assertArrayEquals(
        new float[][] {{4, -4}, {14, -14}},
        Scores.centreOfTen(Nd4j.createFromArray(rows)).toFloatMatrix());
    // The ten crops: four corners and the centre, then the same mirrored (fifth = centre,
    // unmirrored).
    var augmenter =
        new Augmenter(
            12,
            10,
            0.5,
            new PcaLighting(
                new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, new double[] {1, 1, 1}, 0),
            null);
    var windows = augmenter.tenCropWindows();
    assertEquals(augmenter.centreWindow(), windows[Scores.CENTRE_OF_TEN]);
  }

  @Test
  void topKIsBestFirstAndEmptyForNaN() {
    assertArrayEquals(new int[] {2, 0, 1}, Scores.top(new float[] {0.3f, 0.1f, 0.6f}, 5));
    assertArrayEquals(
        new int[] {0, 1}, Scores.top(new float[] {0.5f, 0.5f, 0f}, 2), "ties: lower index first");
    assertArrayEquals(new int[0], Scores.top(new float[] {0.5f, Float.NaN}, 1));
  }
}

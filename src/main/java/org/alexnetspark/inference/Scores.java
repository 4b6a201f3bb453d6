package org.alexnetspark.inference;

import java.util.Arrays;
import java.util.List;
import org.alexnetspark.data.Batch;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Class probabilities of a minibatch: the network's softmax outputs, one row per crop, and the
 * paper's test-time rules of averaging an image's crops and averaging several models (with the
 * ten-crop preset the ten crops of an image are consecutive rows; the fifth is the unmirrored
 * centre crop).
 */
public final class Scores {
  /** Row of the centre crop among an image's ten crops (see {@code Augmenter.tenCropWindows}). */
  public static final int CENTRE_OF_TEN = 4;

  private Scores() {}

  /** Softmax outputs, one row per network input: {@code [images * crops, classes]}. */
  public static INDArray outputs(ComputationGraph network, Batch batch) {
    return network.outputSingle(false, batch.features());
  }

  /**
   * Each image's {@code crops} consecutive rows averaged: {@code [n * crops, k]} to {@code [n, k]}.
   */
  public static INDArray averageCrops(INDArray rows, int crops) {
    if (crops == 1) {
      return rows;
    }
    long n = rows.rows() / crops;
    return rows.reshape(n, crops, rows.columns()).mean(1);
  }

  /**
   * The softmax outputs of several models for the same inputs averaged, row by row (the paper's "5
   * CNNs": {@code [rows, k]} each to {@code [rows, k]}); one model's outputs are returned as they
   * are.
   */
  public static INDArray averageModels(List<INDArray> outputs) {
    if (outputs.isEmpty()) {
      throw new IllegalArgumentException("no model outputs to average");
    }
    if (outputs.size() == 1) {
      return outputs.get(0);
    }
    INDArray sum = outputs.get(0).dup();
    for (int m = 1; m < outputs.size(); m++) {
      INDArray next = outputs.get(m);
      if (!Arrays.equals(next.shape(), sum.shape())) {
        throw new IllegalArgumentException(
            "model "
                + (m + 1)
                + " gave outputs of shape "
                + Arrays.toString(next.shape())
                + ", model 1 "
                + Arrays.toString(sum.shape()));
      }
      sum.addi(next);
    }
    return sum.divi(outputs.size());
  }

  /** Each image's centre-crop row of ten-crop outputs: {@code [n * 10, k]} to {@code [n, k]}. */
  public static INDArray centreOfTen(INDArray rows) {
    long n = rows.rows() / 10;
    return rows.reshape(n, 10, rows.columns())
        .get(NDArrayIndex.all(), NDArrayIndex.point(CENTRE_OF_TEN), NDArrayIndex.all())
        .dup();
  }

  /**
   * How many other classes score at least as high as class {@code truth}: 0 is a clear win, so a
   * tie is never a hit; {@link Integer#MAX_VALUE} if any score is NaN (a diverged network).
   */
  public static int rank(float[] scores, int truth) {
    int rank = 0;
    for (int c = 0; c < scores.length; c++) {
      if (Float.isNaN(scores[c])) {
        return Integer.MAX_VALUE;
      }
      if (c != truth && scores[c] >= scores[truth]) {
        rank++;
      }
    }
    return rank;
  }

  /**
   * The {@code k} highest-scoring classes, best first (ties by lower index); none if any is NaN.
   */
  public static int[] top(float[] scores, int k) {
    for (float s : scores) {
      if (Float.isNaN(s)) {
        return new int[0];
      }
    }
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) ->
            scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
    int[] best = new int[Math.min(k, scores.length)];
    for (int i = 0; i < best.length; i++) {
      best[i] = order[i];
    }
    return best;
  }
}

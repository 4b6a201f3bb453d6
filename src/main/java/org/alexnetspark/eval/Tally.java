package org.alexnetspark.eval;

import java.io.Serializable;
import org.alexnetspark.inference.Scores;

/**
 * What evaluation counts for one way of scoring images (the centre crop, or the ten-crop average):
 * images, top-1 and top-5 hits, per class, and optionally the confusion matrix. Tallies of
 * different tasks add up ({@link #plus}).
 *
 * @param classes the output width
 * @param images images per true class
 * @param top1 top-1 hits per true class
 * @param top5 top-5 hits per true class
 * @param confusion counts of (true class, predicted class), row-major {@code [classes * classes]},
 *     or null when not counted; an image whose scores hold NaN is counted nowhere in it
 */
public record Tally(int classes, long[] images, long[] top1, long[] top5, long[] confusion)
    implements Serializable {

  /** An empty tally. */
  public static Tally empty(int classes, boolean confusion) {
    return new Tally(
        classes,
        new long[classes],
        new long[classes],
        new long[classes],
        confusion
            ? new long[(long) classes * classes > Integer.MAX_VALUE ? 0 : classes * classes]
            : null);
  }

  /** Counts one image with its class scores. */
  public void add(float[] scores, int truth) {
    images[truth]++;
    int rank = Scores.rank(scores, truth);
    if (rank < 1) {
      top1[truth]++;
    }
    if (rank < 5) {
      top5[truth]++;
    }
    if (confusion != null) {
      int[] best = Scores.top(scores, 1);
      if (best.length == 1) {
        confusion[truth * classes + best[0]]++;
      }
    }
  }

  /** The sum of two tallies (of the same classes). */
  public Tally plus(Tally other) {
    Tally sum = empty(classes, confusion != null && other.confusion != null);
    for (int c = 0; c < classes; c++) {
      sum.images[c] = images[c] + other.images[c];
      sum.top1[c] = top1[c] + other.top1[c];
      sum.top5[c] = top5[c] + other.top5[c];
    }
    if (sum.confusion != null) {
      for (int i = 0; i < confusion.length; i++) {
        sum.confusion[i] = confusion[i] + other.confusion[i];
      }
    }
    return sum;
  }

  public long totalImages() {
    return sum(images);
  }

  /** Top-1 accuracy over all images, in [0, 1] (0 for none). */
  public double top1Accuracy() {
    return (double) sum(top1) / Math.max(1, totalImages());
  }

  /** Top-5 accuracy over all images, in [0, 1]. */
  public double top5Accuracy() {
    return (double) sum(top5) / Math.max(1, totalImages());
  }

  /** Top-1 accuracy of class {@code c} (NaN if it has no images). */
  public double classAccuracy(int c) {
    return images[c] == 0 ? Double.NaN : (double) top1[c] / images[c];
  }

  private static long sum(long[] values) {
    long total = 0;
    for (long v : values) {
      total += v;
    }
    return total;
  }
}

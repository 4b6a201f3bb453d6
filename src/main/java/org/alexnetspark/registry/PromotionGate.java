package org.alexnetspark.registry;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.alexnetspark.config.RetrainConfig;
import org.alexnetspark.data.Label;
import org.apache.commons.math3.distribution.BinomialDistribution;

/**
 * Whether a candidate may replace the current version, judged on the same held-out images: a paired
 * comparison of ten-crop top-1 correctness image by image (McNemar's exact test on the images
 * exactly one of the two gets right), plus a limit on how much any one class may lose.
 *
 * <p>Rules ({@code retrain.gate.require}): {@code better} promotes only a candidate that gets more
 * images right with a two-sided p-value below the significance level; {@code not-worse} promotes
 * one that gets at least as many right (which also means it is not significantly worse). Under
 * both, a class whose accuracy drops by more than {@code retrain.gate.max-class-drop} refuses the
 * candidate.
 */
public final class PromotionGate {

  /**
   * One image's ten-crop result.
   *
   * @param key the image's record key
   * @param truth its class index
   * @param top1 whether the class was the top-scoring one
   * @param top5 whether it was among the five top-scoring ones
   */
  public record ImageResult(String key, int truth, boolean top1, boolean top5)
      implements Serializable {}

  /**
   * One class's ten-crop top-1 accuracy under both models.
   *
   * @param delta candidate minus current (negative: a drop)
   */
  public record ClassDelta(
      int index,
      String wnid,
      String name,
      long images,
      @JsonProperty("current_top1") double currentTop1,
      @JsonProperty("candidate_top1") double candidateTop1,
      double delta) {}

  /**
   * The comparison, stored with the candidate's version and shown by {@code models show}.
   *
   * @param current the version compared against
   * @param rule the rule applied ({@code retrain.gate.require})
   * @param significance the significance level
   * @param maxClassDrop the largest allowed drop of one class's accuracy
   * @param images held-out images both were evaluated on
   * @param candidateTop1Error the candidate's ten-crop top-1 error
   * @param currentTop1Error the current version's
   * @param candidateTop5Error the candidate's ten-crop top-5 error
   * @param currentTop5Error the current version's
   * @param candidateOnlyRight images only the candidate gets right (top-1)
   * @param currentOnlyRight images only the current version gets right
   * @param pValue McNemar's exact two-sided p-value
   * @param classes per-class accuracies and their change
   * @param droppedClasses classes whose drop exceeds {@code maxClassDrop}, as "wnid (name): -x pp"
   * @param promote whether the gate lets the candidate through
   * @param decision why, in words
   */
  public record Report(
      String current,
      String rule,
      double significance,
      @JsonProperty("max_class_drop") double maxClassDrop,
      long images,
      @JsonProperty("candidate_top1_error") double candidateTop1Error,
      @JsonProperty("current_top1_error") double currentTop1Error,
      @JsonProperty("candidate_top5_error") double candidateTop5Error,
      @JsonProperty("current_top5_error") double currentTop5Error,
      @JsonProperty("candidate_only_right") long candidateOnlyRight,
      @JsonProperty("current_only_right") long currentOnlyRight,
      @JsonProperty("p_value") double pValue,
      List<ClassDelta> classes,
      @JsonProperty("dropped_classes") List<String> droppedClasses,
      boolean promote,
      String decision) {}

  private PromotionGate() {}

  /**
   * McNemar's exact test: the two-sided p-value of {@code b} against {@code c} discordant pairs
   * under Binomial(b + c, 1/2), i.e. {@code min(1, 2 P(X <= min(b, c)))}; 1 when there are none.
   */
  public static double mcnemarExact(long b, long c) {
    long n = b + c;
    if (n == 0) {
      return 1.0;
    }
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(n + " discordant pairs: more than one binomial can hold");
    }
    BinomialDistribution binomial = new BinomialDistribution(null, (int) n, 0.5);
    return Math.min(1.0, 2 * binomial.cumulativeProbability((int) Math.min(b, c)));
  }

  /**
   * Judges {@code candidate} against {@code current} (the version named {@code currentVersion}),
   * both evaluated on the same images.
   *
   * @throws IllegalArgumentException if the two were evaluated on different images
   */
  public static Report judge(
      String currentVersion,
      Map<String, ImageResult> candidate,
      Map<String, ImageResult> current,
      List<Label> labels,
      RetrainConfig.Gate gate) {
    if (!candidate.keySet().equals(current.keySet())) {
      TreeSet<String> onlyOne = new TreeSet<>(candidate.keySet());
      onlyOne.removeAll(current.keySet());
      TreeSet<String> onlyOther = new TreeSet<>(current.keySet());
      onlyOther.removeAll(candidate.keySet());
      throw new IllegalArgumentException(
          "candidate and current were evaluated on different images: "
              + onlyOne.size()
              + " only for the candidate (e.g. "
              + onlyOne.stream().limit(3).toList()
              + "), "
              + onlyOther.size()
              + " only for the current version (e.g. "
              + onlyOther.stream().limit(3).toList()
              + ")");
    }
    int k = labels.size();
    long[] images = new long[k];
    long[] candidateRight = new long[k];
    long[] currentRight = new long[k];
    long candidateOnly = 0;
    long currentOnly = 0;
    long candidateTop5 = 0;
    long currentTop5 = 0;
    for (ImageResult mine : candidate.values()) {
      ImageResult theirs = current.get(mine.key());
      if (theirs.truth() != mine.truth()) {
        throw new IllegalArgumentException(
            "image "
                + mine.key()
                + " has class "
                + mine.truth()
                + " for the candidate and "
                + theirs.truth()
                + " for the current version: not the same label map");
      }
      images[mine.truth()]++;
      candidateRight[mine.truth()] += mine.top1() ? 1 : 0;
      currentRight[mine.truth()] += theirs.top1() ? 1 : 0;
      candidateOnly += mine.top1() && !theirs.top1() ? 1 : 0;
      currentOnly += theirs.top1() && !mine.top1() ? 1 : 0;
      candidateTop5 += mine.top5() ? 1 : 0;
      currentTop5 += theirs.top5() ? 1 : 0;
    }
    long total = candidate.size();
    List<ClassDelta> classes = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (Label label : labels) {
      int c = label.index();
      if (images[c] == 0) {
        continue;
      }
      double was = (double) currentRight[c] / images[c];
      double is = (double) candidateRight[c] / images[c];
      classes.add(new ClassDelta(c, label.wnid(), label.name(), images[c], was, is, is - was));
      // A tolerance of a millionth keeps an exactly-at-the-limit drop (e.g. 1 of 20) allowed.
      if (was - is > gate.maxClassDrop() + 1e-9) {
        dropped.add(
            String.format(
                Locale.ROOT,
                "%s (%s): %.1f%% -> %.1f%% (%+.1f points)",
                label.wnid(),
                label.name(),
                100 * was,
                100 * is,
                100 * (is - was)));
      }
    }
    double p = mcnemarExact(candidateOnly, currentOnly);
    String counts =
        String.format(
            Locale.ROOT,
            "on %d held-out images the candidate alone gets %d right, %s alone %d "
                + "(McNemar exact two-sided p = %.4g, significance %.4g)",
            total,
            candidateOnly,
            currentVersion,
            currentOnly,
            p,
            gate.significance());
    boolean passes;
    String verdict;
    if (gate.require() == RetrainConfig.Require.BETTER) {
      passes = candidateOnly > currentOnly && p < gate.significance();
      verdict =
          passes
              ? "significantly better"
              : candidateOnly > currentOnly
                  ? "better, but not significantly (require = better)"
                  : candidateOnly == currentOnly ? "no better" : "worse";
    } else {
      passes = candidateOnly >= currentOnly;
      verdict = passes ? "not worse" : p < gate.significance() ? "significantly worse" : "worse";
    }
    boolean promote = passes && dropped.isEmpty();
    String decision =
        (promote ? "promote: " : "keep " + currentVersion + ": ")
            + "the candidate is "
            + verdict
            + "; "
            + counts
            + (dropped.isEmpty()
                ? String.format(
                    Locale.ROOT,
                    "; no class drops by more than %.1f points",
                    100 * gate.maxClassDrop())
                : String.format(
                    Locale.ROOT,
                    "; %d class(es) drop by more than %.1f points: %s",
                    dropped.size(),
                    100 * gate.maxClassDrop(),
                    String.join(", ", dropped)));
    return new Report(
        currentVersion,
        gate.require().toString(),
        gate.significance(),
        gate.maxClassDrop(),
        total,
        1 - (double) sum(candidateRight) / Math.max(1, total),
        1 - (double) sum(currentRight) / Math.max(1, total),
        1 - (double) candidateTop5 / Math.max(1, total),
        1 - (double) currentTop5 / Math.max(1, total),
        candidateOnly,
        currentOnly,
        p,
        classes,
        dropped,
        promote,
        decision);
  }

  private static long sum(long[] values) {
    long total = 0;
    for (long v : values) {
      total += v;
    }
    return total;
  }
}

package org.alexnetspark.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnetspark.config.RetrainConfig;
import org.alexnetspark.data.Label;
import org.junit.jupiter.api.Test;

/** The paired gate on hand-made per-image results, against hand-computed binomial sums. */
class PromotionGateTest {
  private static final List<Label> LABELS =
      List.of(new Label(0, "n0", "cat"), new Label(1, "n1", "dog"), new Label(2, "n2", "fox"));
  private static final RetrainConfig.Gate BETTER =
      new RetrainConfig.Gate(RetrainConfig.Require.BETTER, 0.05, 0.05);

  @Test
  void mcnemarExactIsTheTwoSidedBinomialTailOfTheDiscordantPairs() {
    // n = 12, P(X <= 2) = (1 + 12 + 66) / 4096.
    assertEquals(2 * 79 / 4096.0, PromotionGate.mcnemarExact(10, 2), 1e-12);
    assertEquals(2 * 79 / 4096.0, PromotionGate.mcnemarExact(2, 10), 1e-12);
    // n = 6, one-sided 1/64.
    assertEquals(2 / 64.0, PromotionGate.mcnemarExact(0, 6), 1e-12);
    // n = 10, balanced: the two tails overlap, capped at 1.
    assertEquals(1.0, PromotionGate.mcnemarExact(5, 5), 1e-12);
    assertEquals(1.0, PromotionGate.mcnemarExact(0, 0));
    // n = 20, P(X <= 5) = (1 + 20 + 190 + 1140 + 4845 + 15504) / 2^20.
    assertEquals(2 * 21700 / 1048576.0, PromotionGate.mcnemarExact(15, 5), 1e-12);
  }

  @Test
  void aSignificantlyBetterCandidateWithoutClassDropsIsPromoted() {
    // 30 images per class; the candidate fixes 4 per class that current got wrong, breaks none.
    Results r = new Results();
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 30; i++) {
        boolean current = i < 20;
        boolean candidate = i < 24;
        r.add("c" + c + "-" + i, c, candidate, current);
      }
    }
    PromotionGate.Report report =
        PromotionGate.judge("v0001", r.candidate, r.current, LABELS, BETTER);
    assertEquals(90, report.images());
    assertEquals(12, report.candidateOnlyRight());
    assertEquals(0, report.currentOnlyRight());
    assertEquals(2 / 4096.0, report.pValue(), 1e-12);
    assertEquals(1 - 72 / 90.0, report.candidateTop1Error(), 1e-12);
    assertEquals(1 - 60 / 90.0, report.currentTop1Error(), 1e-12);
    assertTrue(report.promote(), report.decision());
    assertEquals(4 / 30.0, report.classes().get(1).delta(), 1e-12);
  }

  @Test
  void aBetterTotalWithOneClassDroppingIsRefusedNamingTheClass() {
    Results r = new Results();
    for (int i = 0; i < 20; i++) {
      r.add("cat-" + i, 0, true, i < 10); // +10 for cats
      r.add("dog-" + i, 1, i < 18, true); // -2 of 20 = -10 points for dogs
      r.add("fox-" + i, 2, true, true);
    }
    PromotionGate.Report report =
        PromotionGate.judge("v0001", r.candidate, r.current, LABELS, BETTER);
    assertEquals(10, report.candidateOnlyRight());
    assertEquals(2, report.currentOnlyRight());
    assertEquals(2 * 79 / 4096.0, report.pValue(), 1e-12);
    assertFalse(report.promote());
    assertEquals(List.of("n1 (dog): 100.0% -> 90.0% (-10.0 points)"), report.droppedClasses());
    assertTrue(report.decision().startsWith("keep v0001: the candidate is significantly better"));
    // The same drop passes a limit of 10 points.
    assertTrue(
        PromotionGate.judge(
                "v0001",
                r.candidate,
                r.current,
                LABELS,
                new RetrainConfig.Gate(RetrainConfig.Require.BETTER, 0.05, 0.10))
            .promote());
  }

  @Test
  void betterButNotSignificantlySoIsKeptUnderBetterAndPromotedUnderNotWorse() {
    Results r = new Results();
    for (int i = 0; i < 30; i++) {
      r.add("cat-" + i, 0, i < 16, i < 15); // one more right: p = 1
      r.add("dog-" + i, 1, true, true);
    }
    PromotionGate.Report strict =
        PromotionGate.judge("v0003", r.candidate, r.current, LABELS, BETTER);
    assertFalse(strict.promote());
    assertEquals(1.0, strict.pValue(), 1e-12);
    assertTrue(strict.decision().contains("not significantly"), strict.decision());
    PromotionGate.Report lenient =
        PromotionGate.judge(
            "v0003",
            r.candidate,
            r.current,
            LABELS,
            new RetrainConfig.Gate(RetrainConfig.Require.NOT_WORSE, 0.05, 0.05));
    assertTrue(lenient.promote(), lenient.decision());
  }

  @Test
  void resultsOnDifferentImagesAreRefused() {
    Results r = new Results();
    r.add("a", 0, true, true);
    r.candidate.put("b", new PromotionGate.ImageResult("b", 0, true, true));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PromotionGate.judge("v0001", r.candidate, r.current, LABELS, BETTER));
    assertTrue(e.getMessage().contains("different images"), e.getMessage());
  }

  private static final class Results {
    final Map<String, PromotionGate.ImageResult> candidate = new LinkedHashMap<>();
    final Map<String, PromotionGate.ImageResult> current = new LinkedHashMap<>();

    void add(String key, int truth, boolean candidateRight, boolean currentRight) {
      candidate.put(key, new PromotionGate.ImageResult(key, truth, candidateRight, true));
      current.put(key, new PromotionGate.ImageResult(key, truth, currentRight, true));
    }
  }
}

package org.alexnetspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.junit.jupiter.api.Test;

class TrainingArithmeticTest {
  @Test
  void scaledNetworkMultiplyAddsMatchAHandCount() {
    AlexNetConfig scaled =
        AlexNetConfig.load(
            List.of(), List.of("model.variant=scaled", "model.classes=10", "data.image-size=76"));
    // 67x67 input, widths 24/64/96/96/64 (towers halve conv2, conv4, conv5 inputs), FC 256:
    long conv1 = 15L * 15 * 24 * 3 * 11 * 11;
    long conv2 = 7L * 7 * 64 * 12 * 5 * 5;
    long conv3 = 3L * 3 * 96 * 64 * 3 * 3;
    long conv4 = 3L * 3 * 96 * 48 * 3 * 3;
    long conv5 = 3L * 3 * 64 * 48 * 3 * 3;
    long fc = 64L * 256 + 256L * 256 + 256L * 10;
    assertEquals(
        conv1 + conv2 + conv3 + conv4 + conv5 + fc,
        TrainingArithmetic.forwardMultiplyAdds(scaled.model()));
  }

  @Test
  void paperNetworkCostsAbout4point35GigaflopPerTrainingImage() {
    double flops = TrainingArithmetic.trainingFlopsPerImage(AlexNetConfig.defaults().model());
    assertTrue(flops > 4.3e9 && flops < 4.4e9, "" + flops);
  }

  @Test
  void sgemmRateIsPositive() {
    double rate = TrainingArithmetic.sgemmFlopsPerSecond(64, 2);
    assertTrue(rate > 1e6 && Double.isFinite(rate), "" + rate);
  }
}

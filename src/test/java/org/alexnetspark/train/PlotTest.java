package org.alexnetspark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.alexnetspark.testing.CommandRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code alexnet plot}: a run's curves redrawn from its metrics.jsonl. */
class PlotTest {
  @TempDir Path run;

  private static CommandRun plot(String... args) {
    List<String> all = new ArrayList<>(List.of("plot"));
    all.addAll(List.of(args));
    return CommandRun.of(all);
  }

  @Test
  void theCurvesAreRedrawnFromTheMetricsFile() throws Exception {
    StringBuilder metrics = new StringBuilder();
    for (int epoch = 1; epoch <= 3; epoch++) {
      for (int round = 1; round <= 4; round++) {
        long iteration = (epoch - 1) * 40L + round * 10;
        metrics.append(
            String.format(
                Locale.ROOT,
                "{\"kind\":\"round\",\"epoch\":%d,"
                    + "\"iteration\":%d,\"loss\":%.3f,\"learning_rate\":0.01,\"images_per_second\":50,"
                    + "\"seconds\":2,\"seconds_computing\":1.5,\"seconds_averaging_and_broadcasting\":0.5,"
                    + "\"minibatches\":10}%n",
                epoch,
                iteration,
                2.3 / (1 + iteration / 40.0)));
      }
      metrics.append(
          String.format(
              Locale.ROOT,
              "{\"kind\":\"epoch\",\"epoch\":%d,"
                  + "\"iteration\":%d,\"loss\":1.0,\"learning_rate\":0.01,\"next_learning_rate\":0.01,"
                  + "\"val_top1\":%.2f,\"val_top5\":%.2f,\"seconds\":8,\"planned_minibatches\":40,"
                  + "\"fitted_minibatches\":40,\"skipped_images\":0}%n",
              epoch,
              epoch * 40L,
              0.3 + 0.1 * epoch,
              0.7 + 0.05 * epoch));
    }
    Files.writeString(run.resolve("metrics.jsonl"), metrics);
    // A stale picture that the command must replace.
    ImageIO.write(
        new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB),
        "png",
        run.resolve("curves.png").toFile());

    CommandRun result = plot(run.toString());
    assertEquals(0, result.exitCode(), result.err());
    assertTrue(result.out().contains("15 metrics lines"), result.out());
    BufferedImage curves = ImageIO.read(run.resolve("curves.png").toFile());
    assertEquals(3 * 520, curves.getWidth());
    assertEquals(380, curves.getHeight());
    assertTrue(colouredPixels(curves) > 200, "the series are drawn");

    Path other = run.resolve("elsewhere/plot.png");
    assertEquals(0, plot(run.toString(), "--output", other.toString()).exitCode());
    BufferedImage copy = ImageIO.read(other.toFile());
    assertEquals(curves.getWidth(), copy.getWidth());
    assertEquals(curves.getHeight(), copy.getHeight());
  }

  @Test
  void aFolderWithoutMetricsIsAFailureNamingTheFile() {
    CommandRun result = plot(run.toString());
    assertEquals(1, result.exitCode());
    assertTrue(result.err().contains("metrics.jsonl"), result.err());
  }

  /** Pixels whose channels differ: the series' colours, not the greys of axes and text. */
  private static int colouredPixels(BufferedImage image) {
    int count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y);
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        count += Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60 ? 1 : 0;
      }
    }
    return count;
  }
}

package org.alexnetspark.train;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code <output>/curves.png}: training loss by iteration, validation top-1 and top-5 error by
 * epoch, and the learning rate by epoch, side by side; redrawn after every epoch.
 */
public final class TrainingCurves {
  /** The run's curves file in {@code output}. */
  public static final String FILE = "curves.png";

  private TrainingCurves() {}

  /** Draws {@code metrics} into {@code output}/{@value #FILE}, replacing it. */
  public static void write(Storage storage, URI output, List<MetricsLine> metrics)
      throws IOException {
    writeTo(storage, Locations.child(output, FILE), metrics);
  }

  /** Draws {@code metrics} into the PNG file {@code file}, replacing it. */
  public static void writeTo(Storage storage, URI file, List<MetricsLine> metrics)
      throws IOException {
    BufferedImage image = draw(metrics);
    storage.writeFile(file, true, out -> ImageIO.write(image, "png", out));
  }

  /** The three panels side by side. */
  public static BufferedImage draw(List<MetricsLine> metrics) {
    List<Double> iterations = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    List<Double> epochs = new ArrayList<>();
    List<Double> top1 = new ArrayList<>();
    List<Double> top5 = new ArrayList<>();
    List<Double> rates = new ArrayList<>();
    for (MetricsLine line : metrics) {
      if (line instanceof RoundMetrics round) {
        iterations.add((double) round.iteration());
        losses.add(round.loss());
      } else if (line instanceof EpochMetrics epoch) {
        epochs.add((double) epoch.epoch());
        top1.add(1 - epoch.valTop1());
        top5.add(1 - epoch.valTop5());
        rates.add(epoch.learningRate());
      }
    }
    XYChart loss = chart("Training loss", "iteration", "cross-entropy");
    add(loss, "loss", iterations, losses);
    XYChart error = chart("Validation error", "epoch", "error (centre crop)");
    add(error, "top-1", epochs, top1);
    add(error, "top-5", epochs, top5);
    XYChart rate = chart("Learning rate", "epoch", "learning rate");
    add(rate, "learning rate", epochs, rates);

    List<BufferedImage> panels =
        List.of(
            BitmapEncoder.getBufferedImage(loss),
            BitmapEncoder.getBufferedImage(error),
            BitmapEncoder.getBufferedImage(rate));
    int width = panels.stream().mapToInt(BufferedImage::getWidth).sum();
    int height = panels.stream().mapToInt(BufferedImage::getHeight).max().orElse(1);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    int x = 0;
    for (BufferedImage panel : panels) {
      g.drawImage(panel, x, 0, null);
      x += panel.getWidth();
    }
    g.dispose();
    return image;
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart chart =
        new XYChartBuilder()
            .width(520)
            .height(380)
            .title(title)
            .xAxisTitle(x)
            .yAxisTitle(y)
            .build();
    chart.getStyler().setLegendVisible(true);
    return chart;
  }

  private static void add(XYChart chart, String name, List<Double> x, List<Double> y) {
    List<Double> xs = x.isEmpty() ? List.of(0.0) : x;
    List<Double> ys = y.isEmpty() ? List.of(Double.NaN) : y;
    chart
        .addSeries(name, xs, ys)
        .setMarker(xs.size() < 40 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
  }
}

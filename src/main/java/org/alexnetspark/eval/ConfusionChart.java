package org.alexnetspark.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * Draws a confusion matrix: one row per true class, one column per predicted class, each cell
 * shaded by the share of the row's images it holds (so that classes of different sizes compare). Up
 * to 40 classes the cells carry the counts and the axes the class names; beyond that each cell is a
 * few pixels (ImageNet's 1000 classes make a 1000 x 1000 picture whose diagonal is the accuracy).
 */
final class ConfusionChart {
  private static final int LABELLED = 40;

  private ConfusionChart() {}

  static BufferedImage draw(long[] confusion, List<String> names, String title) {
    int k = names.size();
    boolean labelled = k <= LABELLED;
    int cell = labelled ? Math.max(24, 640 / k) : Math.max(1, 1000 / k);
    int margin = labelled ? 150 : 40;
    int top = 50;
    int side = cell * k;
    BufferedImage image =
        new BufferedImage(margin + side + 20, top + side + margin, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.drawString(title, margin, 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    g.drawString("predicted class \u2192", margin, top - 8);
    for (int t = 0; t < k; t++) {
      long row = 0;
      for (int p = 0; p < k; p++) {
        row += confusion[t * k + p];
      }
      for (int p = 0; p < k; p++) {
        long count = confusion[t * k + p];
        double share = row == 0 ? 0 : (double) count / row;
        int level = (int) Math.round(255 * (1 - share));
        g.setColor(t == p ? new Color(level, level, 255) : new Color(255, level, level));
        g.fillRect(margin + p * cell, top + t * cell, cell, cell);
        if (labelled && count > 0) {
          g.setColor(share > 0.5 ? Color.WHITE : Color.BLACK);
          String text = Long.toString(count);
          FontMetrics metrics = g.getFontMetrics();
          g.drawString(
              text,
              margin + p * cell + (cell - metrics.stringWidth(text)) / 2,
              top + t * cell + (cell + metrics.getAscent()) / 2 - 2);
        }
      }
    }
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1));
    g.drawRect(margin, top, side, side);
    g.setColor(Color.BLACK);
    if (labelled) {
      FontMetrics metrics = g.getFontMetrics();
      for (int i = 0; i < k; i++) {
        String name = shorten(names.get(i));
        g.drawString(
            name,
            margin - metrics.stringWidth(name) - 6,
            top + i * cell + (cell + metrics.getAscent()) / 2 - 2);
        AffineTransform saved = g.getTransform();
        g.translate(margin + i * cell + (cell + metrics.getAscent()) / 2 - 2, top + side + 6);
        g.rotate(Math.PI / 2);
        g.drawString(name, 0, 0);
        g.setTransform(saved);
      }
      g.drawString("true class \u2193", 6, top - 8);
    } else {
      g.drawString(
          String.format(Locale.ROOT, "%d classes; rows: true class, columns: predicted", k),
          margin,
          top + side + 20);
    }
    g.dispose();
    return image;
  }

  private static String shorten(String name) {
    return name.length() <= 20 ? name : name.substring(0, 19) + "\u2026";
  }
}

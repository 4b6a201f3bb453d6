package org.alexnetspark.features;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import org.alexnetspark.image.Image;

/**
 * The paper's Figure 4 as a picture: one row per query, the query image first (framed), then its
 * nearest images in feature space, each {@link #TILE} pixels square with a two-line caption below
 * (a title, e.g. the class name, and a detail, e.g. the distance).
 *
 * <p>Size: {@link #width(int)} = {@code GAP + (k + 1) * (TILE + GAP)} by {@link #height(int)} =
 * {@code GAP + rows * (TILE + CAPTION + GAP)}.
 */
public final class ContactSheet {
  /** Side of every picture on the sheet, in pixels. */
  public static final int TILE = 128;

  /** Space around and between pictures. */
  public static final int GAP = 8;

  /** Height of the two caption lines below each picture. */
  public static final int CAPTION = 32;

  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
  private static final Color QUERY_FRAME = new Color(40, 90, 200);

  /**
   * One picture with its caption.
   *
   * @param picture the image, or null to leave the place empty
   * @param title first caption line
   * @param detail second caption line
   */
  public record Cell(BufferedImage picture, String title, String detail) {}

  /** One row: the query and its neighbours, nearest first. */
  public record Line(Cell query, List<Cell> neighbours) {}

  private ContactSheet() {}

  /** Width of a sheet with {@code k} neighbours per row. */
  public static int width(int k) {
    return GAP + (k + 1) * (TILE + GAP);
  }

  /** Height of a sheet of {@code rows} rows. */
  public static int height(int rows) {
    return GAP + rows * (TILE + CAPTION + GAP);
  }

  /** Draws {@code lines}, with room for {@code k} neighbours per row. */
  public static BufferedImage draw(List<Line> lines, int k) {
    BufferedImage sheet =
        new BufferedImage(width(k), height(lines.size()), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(FONT);
      for (int r = 0; r < lines.size(); r++) {
        int y = GAP + r * (TILE + CAPTION + GAP);
        Line line = lines.get(r);
        cell(g, line.query(), GAP, y);
        g.setColor(QUERY_FRAME);
        g.setStroke(new BasicStroke(2));
        g.drawRect(GAP - 3, y - 3, TILE + 5, TILE + 5);
        for (int c = 0; c < Math.min(k, line.neighbours().size()); c++) {
          cell(g, line.neighbours().get(c), GAP + (c + 1) * (TILE + GAP), y);
        }
      }
    } finally {
      g.dispose();
    }
    return sheet;
  }

  /** A decoded image as a picture. */
  public static BufferedImage picture(Image image) {
    BufferedImage picture =
        new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < image.height(); y++) {
      for (int x = 0; x < image.width(); x++) {
        picture.setRGB(
            x, y, image.rgb(x, y, 0) << 16 | image.rgb(x, y, 1) << 8 | image.rgb(x, y, 2));
      }
    }
    return picture;
  }

  private static void cell(Graphics2D g, Cell cell, int x, int y) {
    if (cell.picture() != null) {
      g.drawImage(cell.picture(), x, y, TILE, TILE, null);
    } else {
      g.setColor(Color.LIGHT_GRAY);
      g.fillRect(x, y, TILE, TILE);
    }
    g.setColor(Color.BLACK);
    FontMetrics metrics = g.getFontMetrics();
    g.drawString(fit(cell.title(), metrics), x, y + TILE + metrics.getAscent() + 2);
    g.drawString(fit(cell.detail(), metrics), x, y + TILE + 2 * metrics.getHeight() + 2);
  }

  /** {@code text} cut to the tile's width, with an ellipsis if it was cut. */
  private static String fit(String text, FontMetrics metrics) {
    if (metrics.stringWidth(text) <= TILE) {
      return text;
    }
    String cut = text;
    while (!cut.isEmpty() && metrics.stringWidth(cut + "…") > TILE) {
      cut = cut.substring(0, cut.length() - 1);
    }
    return cut + "…";
  }
}

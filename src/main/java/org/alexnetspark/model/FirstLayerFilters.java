package org.alexnetspark.model;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Locale;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The paper's Figure 3: the kernels of the first convolution ({@code conv1_W}, shape {@code [k, k,
 * 3, n]}) as RGB pictures, each scaled to 0..255 by its own minimum and maximum over its {@code k *
 * k * 3} weights (say so in the caption), enlarged {@link #SCALE} times, in blocks by tower: output
 * channels {@code [0, n/2)} feed conv2's first tower and {@code [n/2, n)} its second, as on the
 * paper's two GPUs (one block when conv2 is not split). Counts and sizes come from the model.
 *
 * <p>Layout, with {@code tile = k * SCALE}, {@code perBlock = n / towers}, {@code columns =
 * min(COLUMNS, perBlock)}, {@code rows = ceil(perBlock / columns)}: a block is {@code LABEL + rows
 * * tile + (rows - 1) * GAP} high; the picture is {@code max(MIN_WIDTH, 2 * MARGIN + columns * tile
 * + (columns - 1) * GAP)} wide and {@code 2 * MARGIN + HEADER + towers * block + (towers - 1) *
 * BLOCK_GAP} high. Kernel {@code i} of block {@code b} sits at column {@code i % columns}, row
 * {@code i / columns}; within it, pixel {@code (x, y)} shows weight {@code [y / SCALE, x / SCALE,
 * channel, kernel]} with channels red, green, blue (the network's input planes).
 */
public final class FirstLayerFilters {
  /** Each weight becomes a SCALE x SCALE square of pixels. */
  public static final int SCALE = 5;

  /** Kernels per row of a block, at most. */
  public static final int COLUMNS = 16;

  /** Pixels between kernels. */
  public static final int GAP = 2;

  /** Border around the picture. */
  public static final int MARGIN = 12;

  /** Height of the caption at the top. */
  public static final int HEADER = 40;

  /** Height of a block's label line. */
  public static final int LABEL = 20;

  /** Space between blocks. */
  public static final int BLOCK_GAP = 12;

  /** Narrowest picture (room for the caption). */
  public static final int MIN_WIDTH = 440;

  /** Name of the first convolution's weights in the network's parameter table. */
  public static final String WEIGHTS = "conv1_W";

  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private FirstLayerFilters() {}

  /** Draws the first layer's kernels of {@code network}. */
  public static BufferedImage draw(ComputationGraph network) {
    INDArray weights = network.getParam(WEIGHTS);
    long[] shape = weights.shape();
    if (shape.length != 4 || shape[2] != 3) {
      throw new IllegalArgumentException(
          "expected conv1 weights of shape [k, k, 3, n], got " + Arrays.toString(shape));
    }
    int k = (int) shape[0];
    int kernels = (int) shape[3];
    int towers = conv2Towers(network);
    int perBlock = kernels / towers;
    int tile = k * SCALE;
    int columns = Math.min(COLUMNS, perBlock);
    int rows = (perBlock + columns - 1) / columns;
    int blockHeight = LABEL + rows * tile + (rows - 1) * GAP;
    int width = Math.max(MIN_WIDTH, 2 * MARGIN + columns * tile + (columns - 1) * GAP);
    int height = 2 * MARGIN + HEADER + towers * blockHeight + (towers - 1) * BLOCK_GAP;
    float[][][][] w = weights4(weights, k, kernels);

    BufferedImage picture = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = picture.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(FONT);
      g.setColor(Color.BLACK);
      int ascent = g.getFontMetrics().getAscent();
      g.drawString(
          String.format(
              Locale.ROOT, "conv1: %d kernels of %dx%dx3, shown %dx", kernels, k, k, SCALE),
          MARGIN,
          MARGIN + ascent);
      g.drawString(
          "each kernel scaled to [0, 255] by its own min and max",
          MARGIN,
          MARGIN + ascent + HEADER / 2);
      for (int b = 0; b < towers; b++) {
        int top = MARGIN + HEADER + b * (blockHeight + BLOCK_GAP);
        g.setColor(Color.BLACK);
        g.drawString(
            towers == 1
                ? String.format(Locale.ROOT, "kernels 0-%d (conv2 is not split)", kernels - 1)
                : String.format(
                    Locale.ROOT,
                    "tower %d: kernels %d-%d (feed tower %d of conv2)",
                    b + 1,
                    b * perBlock,
                    (b + 1) * perBlock - 1,
                    b + 1),
            MARGIN,
            top + ascent);
        for (int i = 0; i < perBlock; i++) {
          int x = MARGIN + (i % columns) * (tile + GAP);
          int y = top + LABEL + (i / columns) * (tile + GAP);
          kernel(picture, w, b * perBlock + i, k, x, y);
        }
      }
    } finally {
      g.dispose();
    }
    return picture;
  }

  /** One kernel scaled to 0..255 by its own range, enlarged, with its top-left at (x, y). */
  private static void kernel(BufferedImage picture, float[][][][] w, int o, int k, int x, int y) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int r = 0; r < k; r++) {
      for (int c = 0; c < k; c++) {
        for (int ch = 0; ch < 3; ch++) {
          min = Math.min(min, w[r][c][ch][o]);
          max = Math.max(max, w[r][c][ch][o]);
        }
      }
    }
    double range = max > min ? max - min : 1;
    for (int r = 0; r < k; r++) {
      for (int c = 0; c < k; c++) {
        int rgb = 0;
        for (int ch = 0; ch < 3; ch++) {
          int value = (int) Math.round((w[r][c][ch][o] - (double) min) * 255.0 / range);
          rgb = rgb << 8 | value;
        }
        for (int dy = 0; dy < SCALE; dy++) {
          for (int dx = 0; dx < SCALE; dx++) {
            picture.setRGB(x + c * SCALE + dx, y + r * SCALE + dy, rgb);
          }
        }
      }
    }
  }

  private static float[][][][] weights4(INDArray weights, int k, int kernels) {
    float[] flat = weights.dup('c').data().asFloat();
    float[][][][] w = new float[k][k][3][kernels];
    int i = 0;
    for (int r = 0; r < k; r++) {
      for (int c = 0; c < k; c++) {
        for (int ch = 0; ch < 3; ch++) {
          for (int o = 0; o < kernels; o++) {
            w[r][c][ch][o] = flat[i++];
          }
        }
      }
    }
    return w;
  }

  /** How many towers conv2 has: how the first layer's kernels are grouped. */
  private static int conv2Towers(ComputationGraph network) {
    var vertex = network.getConfiguration().getVertices().get("conv2");
    if (vertex instanceof LayerVertex layer
        && layer.getLayerConf().getLayer() instanceof ConvBlock block) {
      return block.getConvolution().towers();
    }
    return 1;
  }
}

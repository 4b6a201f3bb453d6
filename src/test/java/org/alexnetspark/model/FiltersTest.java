package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import javax.imageio.ImageIO;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.testing.CommandRun;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.alexnetspark.testing.UntrainedModel;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code alexnet filters}: the first layer's kernels as the paper's Figure 3. */
class FiltersTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  private static final int K = 11;
  private static final int TILE = K * FirstLayerFilters.SCALE;

  @Test
  void eachKernelIsScaledByItsOwnRangeInOneBlockPerTower() throws Exception {
    PreparedFashionMnist.Datasets data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    URI model = UntrainedModel.of(HDFS, data).location();
    URI png = HDFS.uri("/filters/conv1.png");
    CommandRun run =
        CommandRun.of("filters", "--model", model.toString(), "--output", png.toString());
    assertEquals(0, run.exitCode(), run.err());

    BufferedImage picture;
    try (InputStream in = HDFS.fileSystem().open(new Path(png))) {
      picture = ImageIO.read(in);
    }
    INDArray weights = new ModelStore(data.storage()).load(model).network().getParam("conv1_W");
    // The test configuration's width multiplier 0.125: 96 / 8 = 12 kernels, two towers of 6.
    assertEquals(
        List.of(11L, 11L, 3L, 12L),
        List.of(weights.shape()[0], weights.shape()[1], weights.shape()[2], weights.shape()[3]));
    int columns = 6;
    int rows = 1;
    int block = FirstLayerFilters.LABEL + rows * TILE + (rows - 1) * FirstLayerFilters.GAP;
    assertEquals(
        Math.max(
            FirstLayerFilters.MIN_WIDTH,
            2 * FirstLayerFilters.MARGIN + columns * TILE + (columns - 1) * FirstLayerFilters.GAP),
        picture.getWidth());
    assertEquals(heightOfTwoTowers(block), picture.getHeight());

    // Kernel 8 is the third of the second tower's block.
    int kernel = 8;
    int left = FirstLayerFilters.MARGIN + 2 * (TILE + FirstLayerFilters.GAP);
    int top =
        FirstLayerFilters.MARGIN
            + FirstLayerFilters.HEADER
            + block
            + FirstLayerFilters.BLOCK_GAP
            + FirstLayerFilters.LABEL;
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (int r = 0; r < K; r++) {
      for (int c = 0; c < K; c++) {
        for (int ch = 0; ch < 3; ch++) {
          min = Math.min(min, weights.getDouble(r, c, ch, kernel));
          max = Math.max(max, weights.getDouble(r, c, ch, kernel));
        }
      }
    }
    boolean sawBlack = false;
    boolean sawWhite = false;
    for (int r = 0; r < K; r++) {
      for (int c = 0; c < K; c++) {
        for (int dy = 0; dy < FirstLayerFilters.SCALE; dy += FirstLayerFilters.SCALE - 1) {
          int rgb =
              picture.getRGB(
                  left + c * FirstLayerFilters.SCALE + dy, top + r * FirstLayerFilters.SCALE + dy);
          for (int ch = 0; ch < 3; ch++) {
            double expected = (weights.getDouble(r, c, ch, kernel) - min) * 255 / (max - min);
            int actual = rgb >> (16 - 8 * ch) & 0xff;
            assertEquals(expected, actual, 0.51, "row " + r + " column " + c + " channel " + ch);
            sawBlack |= actual == 0;
            sawWhite |= actual == 255;
          }
        }
      }
    }
    assertTrue(sawBlack && sawWhite, "the kernel's own minimum is 0 and maximum 255");
  }

  @Test
  void thePapersNetworkHasTwoBlocksOf48Kernels() {
    AlexNetConfig config = AlexNetConfig.load(List.of(), List.of("model.variant=paper"));
    BufferedImage picture =
        FirstLayerFilters.draw(AlexNet.create(config.model(), config.optimizer()));
    int columns = 16;
    int rows = 3;
    int block = FirstLayerFilters.LABEL + rows * TILE + (rows - 1) * FirstLayerFilters.GAP;
    assertEquals(
        2 * FirstLayerFilters.MARGIN + columns * TILE + (columns - 1) * FirstLayerFilters.GAP,
        picture.getWidth());
    assertEquals(heightOfTwoTowers(block), picture.getHeight());
  }

  /** The picture's height: margins, the header, and one block of {@code block} pixels a tower. */
  private static int heightOfTwoTowers(int block) {
    return 2 * FirstLayerFilters.MARGIN
        + FirstLayerFilters.HEADER
        + 2 * block
        + FirstLayerFilters.BLOCK_GAP;
  }
}

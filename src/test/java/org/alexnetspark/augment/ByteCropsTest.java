package org.alexnetspark.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.alexnetspark.config.AugmentConfig.FloatConversion;
import org.alexnetspark.image.JpegDecoder.PackedImage;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Crops handed over as bytes and converted by ND4J ({@code augment.float-conversion = backend})
 * against the augmentation loop's floats: bit for bit the same network inputs, for every preset,
 * mirrored or not, with and without a mean image, colour noise and a scale, several images to a
 * batch.
 */
class ByteCropsTest {
  private static final double[][] EIGENVECTORS = {
    {0.6884511246796327, 0.3266925060476188, 0.6475392307958463},
    {-0.20253751417183627, 0.9438882424731898, -0.2608707363311685},
    {-0.6964291810948491, 0.048445765689063114, 0.7159884101760013}
  };
  private static final double[] EIGENVALUES = {0.306, 0.132, 0.043};

  @Test
  void backendConversionOfByteCropsGivesTheAugmentationLoopsFloatsBitForBit() {
    SplittableRandom random = new SplittableRandom(11);
    for (int[] sizes : new int[][] {{256, 227}, {256, 224}, {40, 3}, {12, 10}}) {
      int stored = sizes[0];
      int crop = sizes[1];
      PackedImage[] images = {
        CropRowsTest.image(stored, random.nextLong()), CropRowsTest.image(stored, random.nextLong())
      };
      float[] mean = new float[3 * stored * stored];
      for (int i = 0; i < mean.length; i++) {
        mean[i] = (float) (random.nextDouble() * 255);
      }
      for (float[] subtract : new float[][] {mean, null}) {
        for (float scale : new float[] {1f, 1f / 58.4f}) {
          for (double noiseStd : new double[] {0.1, 0}) {
            Augmenter augmenter =
                new Augmenter(
                    stored,
                    crop,
                    0.5,
                    new PcaLighting(EIGENVECTORS, EIGENVALUES, noiseStd),
                    subtract,
                    scale,
                    FloatConversion.BACKEND);
            for (Preset preset : Preset.values()) {
              String what =
                  stored
                      + "/"
                      + crop
                      + " "
                      + preset
                      + " mean "
                      + (subtract != null)
                      + " x"
                      + scale
                      + " noise "
                      + noiseStd;
              assertSameFloats(augmenter, preset, images, random.nextLong(), what);
            }
          }
        }
      }
    }
  }

  /** Six images' crops in one batch, both ways, from the same random streams. */
  private static void assertSameFloats(
      Augmenter augmenter, Preset preset, PackedImage[] images, long seed, String what) {
    int perImage = augmenter.floatsPerImage(preset);
    int count = 6;
    float[] expected = new float[count * perImage];
    ByteCrops crops = new ByteCrops(augmenter.cropSize());
    crops.clear(1); // grows on the way
    boolean mirrored = false;
    for (int i = 0; i < count; i++) {
      PackedImage image = images[i % images.length];
      augmenter.apply(preset, image, new SplittableRandom(seed + i), expected, i * perImage);
      augmenter.apply(preset, image, new SplittableRandom(seed + i), crops);
    }
    for (int c = 0; c < crops.count(); c++) {
      mirrored |= crops.window(c).mirror();
    }
    INDArray floats = augmenter.toFloats(crops);
    int side = augmenter.cropSize();
    assertEquals(DataType.FLOAT, floats.dataType(), what);
    assertArrayEquals(
        new long[] {(long) count * preset.cropsPerImage(), 3, side, side}, floats.shape(), what);
    float[] actual = floats.data().asFloat();
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
        throw new AssertionError(
            what
                + ": value "
                + i
                + " is "
                + actual[i]
                + ", the augmentation loop's "
                + expected[i]);
      }
    }
    if (preset != Preset.CENTRE) {
      assertTrue(mirrored, what + ": no mirrored crop was compared");
    }
  }

  @Test
  void anEmptyBatchConvertsToNoCropsAndAWrongSideIsRefused() {
    Augmenter augmenter =
        new Augmenter(
            12,
            10,
            0.5,
            new PcaLighting(EIGENVECTORS, EIGENVALUES, 0.1),
            null,
            1f,
            FloatConversion.BACKEND);
    ByteCrops crops = new ByteCrops(10);
    crops.clear(4);
    assertArrayEquals(new long[] {0, 3, 10, 10}, augmenter.toFloats(crops).shape());
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                augmenter.apply(Preset.CENTRE, CropRowsTest.image(12, 1), null, new ByteCrops(9)));
    assertEquals("crops of side 9 cannot hold this augmentation's 10", refused.getMessage());
  }

  @Test
  void theConfiguredConversionDecidesAndAutoFollowsTheBackend() {
    PcaLighting none = new PcaLighting(EIGENVECTORS, EIGENVALUES, 0);
    assertTrue(
        new Augmenter(12, 10, 0, none, null, 1f, FloatConversion.BACKEND).convertsOnBackend());
    assertFalse(new Augmenter(12, 10, 0, none, null, 1f, FloatConversion.CPU).convertsOnBackend());
    // The tests run ND4J's CPU backend, where the augmentation loop converts.
    assertFalse(new Augmenter(12, 10, 0, none, null, 1f, FloatConversion.AUTO).convertsOnBackend());
  }

  @Test
  void byteRowsOfTheVectorLoopsEqualThePlainOnes() {
    int[] source = CropRowsTest.image(40, 5).rgb();
    for (int count : new int[] {1, 15, 16, 17, 224, 227}) {
      int from = 1600 - count - 3;
      byte[] plain = new byte[3 * count];
      byte[] vector = new byte[3 * count];
      CropRows.SCALAR.bytes(source, from, plain, 0, count, 2 * count, count);
      CropRows.best().bytes(source, from, vector, 0, count, 2 * count, count);
      assertArrayEquals(plain, vector, "count " + count);
      int p = source[from + count - 1];
      assertEquals((byte) (p >> 16), plain[count - 1]);
      assertEquals((byte) p, plain[3 * count - 1]);
      assertFalse(Arrays.equals(new byte[3 * count], plain), "count " + count);
    }
  }
}

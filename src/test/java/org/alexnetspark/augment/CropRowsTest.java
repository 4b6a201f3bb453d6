package org.alexnetspark.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.SplittableRandom;
import org.alexnetspark.image.JpegDecoder.PackedImage;
import org.alexnetspark.simd.VectorApi;
import org.junit.jupiter.api.Test;

/**
 * The Vector API row loops against the plain ones: bit for bit the same floats, for every crop
 * position class (rows whose length is and is not a multiple of the vector width), mirrored or not,
 * with and without a mean image and a scale.
 */
class CropRowsTest {

  @Test
  void theTestJvmHasTheVectorApi() {
    // Surefire starts this JVM with pom.xml's JVM flags, which add the module: without it the
    // comparisons below would compare the plain loops with themselves.
    assertTrue(VectorApi.available(), "the test JVM lacks --add-modules=jdk.incubator.vector");
    assertTrue(Augmenter.vectorised());
  }

  @Test
  void vectorisedCropsEqualPlainCropsBitForBit() {
    SplittableRandom random = new SplittableRandom(7);
    for (int[] sizes : new int[][] {{256, 224}, {256, 227}, {80, 67}, {40, 3}}) {
      int stored = sizes[0];
      int crop = sizes[1];
      PackedImage image = image(stored, random);
      float[] mean = new float[3 * stored * stored];
      for (int i = 0; i < mean.length; i++) {
        mean[i] = (float) (random.nextDouble() * 255);
      }
      for (float[] subtract : new float[][] {mean, null}) {
        for (float scale : new float[] {1f, 1f / 58.4f}) {
          Augmenter augmenter = new Augmenter(stored, crop, 0.5, null, subtract, scale);
          for (boolean mirror : new boolean[] {false, true}) {
            CropWindow window =
                new CropWindow(
                    random.nextInt(stored - crop + 1), random.nextInt(stored - crop + 1), mirror);
            float[] noise = {(float) random.nextGaussian(), (float) random.nextGaussian(), -0.25f};
            float[] plain = new float[3 * crop * crop];
            float[] vector = new float[3 * crop * crop];
            augmenter.write(image, window, noise, plain, 0, CropRows.SCALAR);
            augmenter.write(image, window, noise, vector, 0, CropRows.best());
            assertArrayEquals(
                plain,
                vector,
                stored + "/" + crop + " " + window + " mean " + (subtract != null) + " x" + scale);
          }
        }
      }
    }
  }

  @Test
  void reversalMatchesThePlainLoop() {
    int[] source = new int[300];
    for (int i = 0; i < source.length; i++) {
      source[i] = i * 31;
    }
    for (int count : new int[] {1, 15, 16, 17, 224, 227}) {
      int[] plain = new int[count];
      int[] vector = new int[count];
      CropRows.SCALAR.reverse(source, 250, plain, count);
      CropRows.best().reverse(source, 250, vector, count);
      assertArrayEquals(plain, vector, "count " + count);
      assertTrue(plain[0] == source[250] && plain[count - 1] == source[251 - count]);
    }
  }

  /** A {@code side x side} packed image of random pixels from {@code seed}. */
  static PackedImage image(int side, long seed) {
    return image(side, new SplittableRandom(seed));
  }

  private static PackedImage image(int side, SplittableRandom random) {
    PackedImage image = new PackedImage();
    try {
      Method resize = PackedImage.class.getDeclaredMethod("resize", int.class, int.class);
      resize.setAccessible(true);
      resize.invoke(image, side, side);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
    int[] pixels = image.rgb();
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt();
    }
    return image;
  }
}

package org.alexnetspark.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without {@code --add-modules=jdk.incubator.vector} (as a user's own spark-submit
 * might start an executor) still augments: the Vector API class is never loaded, the plain loops
 * write the same floats as this test's JVM writes with the Vector API, and the log says why it is
 * slower.
 */
class PlainLoopsFallbackTest {

  @Test
  void aJvmWithoutTheVectorModuleWritesTheSameCrops() throws Exception {
    assertTrue(Augmenter.vectorised(), "this test JVM should have the Vector API");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                List.of(
                    java.toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    Crops.class.getName()))
            .redirectErrorStream(true)
            .start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(child.waitFor(60, TimeUnit.SECONDS), output);
    assertEquals(0, child.exitValue(), output);
    assertTrue(output.contains("vectorised=false"), output);
    assertTrue(output.contains("crops=" + Crops.digest()), output);
    assertTrue(
        output.contains("started without --add-modules=jdk.incubator.vector"),
        "the fallback is logged: " + output);
  }

  /** Writes a few crops and prints whether they were vectorised and a digest of their floats. */
  public static final class Crops {
    public static void main(String[] args) {
      System.out.println("vectorised=" + Augmenter.vectorised() + " crops=" + digest());
    }

    static int digest() {
      int stored = 64;
      int crop = 51;
      float[] mean = new float[3 * stored * stored];
      for (int i = 0; i < mean.length; i++) {
        mean[i] = (i % 251) * 0.73f;
      }
      Augmenter augmenter =
          new Augmenter(
              stored,
              crop,
              0.5,
              new PcaLighting(
                  new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, new double[] {1, 2, 3}, 0.1),
              mean,
              1f / 60);
      org.alexnetspark.image.JpegDecoder.PackedImage image = CropRowsTest.image(stored, 11);
      float[] out = new float[3 * crop * crop];
      int digest = 1;
      for (int k = 0; k < 6; k++) {
        augmenter.apply(Preset.TRAIN, image, Augmenter.random(5, 0, "k" + k), out, 0);
        digest = 31 * digest + Arrays.hashCode(out);
      }
      return digest;
    }
  }
}

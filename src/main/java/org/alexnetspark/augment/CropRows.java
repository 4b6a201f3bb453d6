package org.alexnetspark.augment;

import org.alexnetspark.simd.VectorApi;

/**
 * The inner loops of a training crop: one row of packed pixels ({@code 0x..RRGGBB}) into three
 * float planes, {@code ((channel + noise) - mean) * scale}, or into three byte planes as they are,
 * and the reversal of a row for mirrored crops.
 *
 * <p>Two implementations give the very same floats: {@link #SCALAR}, plain Java, and the one in
 * {@code VectorCropRows}, written with the JDK's Vector API, about five times faster here. The JIT
 * does not vectorise the plain loops itself (three stores into one array, shifts and masks before
 * the int-to-float conversion). The Vector API is an incubator module in Java 17: it is used when
 * the JVM was started with {@code --add-modules=jdk.incubator.vector} (every JVM this project
 * starts, see {@code conf/spark-defaults.conf}), and the plain loops otherwise.
 */
interface CropRows {

  /**
   * Writes {@code count} pixels of {@code source} from {@code from} into the planes at {@code r},
   * {@code g} and {@code b} of {@code out}; {@code mean} (or null) is read from {@code meanR},
   * {@code meanR + meanPlane} and {@code meanR + 2 * meanPlane}.
   */
  void row(
      int[] source,
      int from,
      float[] mean,
      int meanR,
      int meanPlane,
      float[] noise,
      float scale,
      float[] out,
      int r,
      int g,
      int b,
      int count);

  /**
   * Writes {@code count} pixels of {@code source} from {@code from} as bytes into the planes at
   * {@code r}, {@code g} and {@code b} of {@code out}: red, green and blue unchanged (0..255).
   */
  void bytes(int[] source, int from, byte[] out, int r, int g, int b, int count);

  /** {@code into[i] = source[last - i]} for {@code i < count}. */
  void reverse(int[] source, int last, int[] into, int count);

  CropRows SCALAR = new ScalarCropRows();

  /** The fastest implementation this JVM can run. */
  static CropRows best() {
    return VectorApi.available() ? new VectorCropRows() : SCALAR;
  }
}

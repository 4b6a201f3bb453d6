package org.alexnetspark.augment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CropRows} with the Vector API: the floats of {@link ScalarCropRows}, lane by lane (add,
 * subtract and multiply in the same order, so every value is rounded the same way), with the plain
 * loop for the rest of a row. Load this class only when {@code jdk.incubator.vector} is in the JVM.
 */
final class VectorCropRows implements CropRows {
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  /** As many byte lanes as {@link #INTS} has int lanes: a quarter of the bits. */
  private static final VectorSpecies<Byte> BYTES =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, INTS.vectorBitSize() / 4)));

  private static final VectorShuffle<Integer> REVERSED =
      VectorShuffle.fromOp(INTS, i -> INTS.length() - 1 - i);

  @Override
  public void row(
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
      int count) {
    if (INTS.length() != FLOATS.length()) {
      CropRows.SCALAR.row(source, from, mean, meanR, meanPlane, noise, scale, out, r, g, b, count);
      return;
    }
    float n0 = noise[0];
    float n1 = noise[1];
    float n2 = noise[2];
    int mg = meanR + meanPlane;
    int mb = mg + meanPlane;
    int step = INTS.length();
    int bound = INTS.loopBound(count);
    int x = 0;
    for (; x < bound; x += step) {
      IntVector p = IntVector.fromArray(INTS, source, from + x);
      // Written out rather than in a helper: a vector passed to a call the JIT does not inline
      // becomes an object on the heap, and the loop runs many times slower.
      FloatVector red =
          ((FloatVector)
                  p.lanewise(VectorOperators.LSHR, 16).and(0xff).convert(VectorOperators.I2F, 0))
              .add(n0);
      FloatVector green =
          ((FloatVector)
                  p.lanewise(VectorOperators.LSHR, 8).and(0xff).convert(VectorOperators.I2F, 0))
              .add(n1);
      FloatVector blue = ((FloatVector) p.and(0xff).convert(VectorOperators.I2F, 0)).add(n2);
      if (mean != null) {
        red = red.sub(FloatVector.fromArray(FLOATS, mean, meanR + x));
        green = green.sub(FloatVector.fromArray(FLOATS, mean, mg + x));
        blue = blue.sub(FloatVector.fromArray(FLOATS, mean, mb + x));
      }
      if (scale != 1f) {
        red = red.mul(scale);
        green = green.mul(scale);
        blue = blue.mul(scale);
      }
      red.intoArray(out, r + x);
      green.intoArray(out, g + x);
      blue.intoArray(out, b + x);
    }
    if (x < count) {
      CropRows.SCALAR.row(
          source, from + x, mean, meanR + x, meanPlane, noise, scale, out, r + x, g + x, b + x,
          count - x);
    }
  }

  @Override
  public void bytes(int[] source, int from, byte[] out, int r, int g, int b, int count) {
    if (BYTES.length() != INTS.length()) {
      CropRows.SCALAR.bytes(source, from, out, r, g, b, count);
      return;
    }
    int step = INTS.length();
    int bound = INTS.loopBound(count);
    int x = 0;
    for (; x < bound; x += step) {
      IntVector p = IntVector.fromArray(INTS, source, from + x);
      // The narrowing keeps each lane's low byte: the channel, without a mask.
      ((ByteVector)
              p.lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2B, BYTES, 0))
          .intoArray(out, r + x);
      ((ByteVector) p.lanewise(VectorOperators.LSHR, 8).convertShape(VectorOperators.I2B, BYTES, 0))
          .intoArray(out, g + x);
      ((ByteVector) p.convertShape(VectorOperators.I2B, BYTES, 0)).intoArray(out, b + x);
    }
    if (x < count) {
      CropRows.SCALAR.bytes(source, from + x, out, r + x, g + x, b + x, count - x);
    }
  }

  @Override
  public void reverse(int[] source, int last, int[] into, int count) {
    int step = INTS.length();
    int bound = INTS.loopBound(count);
    int x = 0;
    for (; x < bound; x += step) {
      // into[x .. x+step-1] = source[last-x .. last-x-step+1]
      IntVector.fromArray(INTS, source, last - x - step + 1).rearrange(REVERSED).intoArray(into, x);
    }
    for (; x < count; x++) {
      into[x] = source[last - x];
    }
  }
}

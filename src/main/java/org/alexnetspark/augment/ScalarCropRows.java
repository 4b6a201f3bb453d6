package org.alexnetspark.augment;

/** {@link CropRows} in plain Java. */
final class ScalarCropRows implements CropRows {

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
    float n0 = noise[0];
    float n1 = noise[1];
    float n2 = noise[2];
    if (mean == null) {
      for (int x = 0; x < count; x++) {
        int p = source[from + x];
        out[r + x] = (float) ((p >> 16) & 0xff) + n0;
        out[g + x] = (float) ((p >> 8) & 0xff) + n1;
        out[b + x] = (float) (p & 0xff) + n2;
      }
    } else {
      int mg = meanR + meanPlane;
      int mb = mg + meanPlane;
      for (int x = 0; x < count; x++) {
        int p = source[from + x];
        out[r + x] = ((float) ((p >> 16) & 0xff) + n0) - mean[meanR + x];
        out[g + x] = ((float) ((p >> 8) & 0xff) + n1) - mean[mg + x];
        out[b + x] = ((float) (p & 0xff) + n2) - mean[mb + x];
      }
    }
    if (scale != 1f) {
      for (int x = 0; x < count; x++) {
        out[r + x] *= scale;
        out[g + x] *= scale;
        out[b + x] *= scale;
      }
    }
  }

  @Override
  public void bytes(int[] source, int from, byte[] out, int r, int g, int b, int count) {
    for (int x = 0; x < count; x++) {
      int p = source[from + x];
      out[r + x] = (byte) (p >> 16);
      out[g + x] = (byte) (p >> 8);
      out[b + x] = (byte) p;
    }
  }

  @Override
  public void reverse(int[] source, int last, int[] into, int count) {
    for (int x = 0; x < count; x++) {
      into[x] = source[last - x];
    }
  }
}

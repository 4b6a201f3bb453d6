package org.alexnetspark.augment;

import java.util.Arrays;

/**
 * Crops of a minibatch as bytes, in the network's layout ({@code [crops, 3, side, side]}, RGB
 * planes of 0..255, already cropped and mirrored), with what their float conversion still needs:
 * each crop's window (where its mean image values come from) and colour noise. A quarter of the
 * float batch's bytes: what an executor hands a GPU worker, which converts them as one batch
 * ({@link Augmenter#toFloats(ByteCrops)}). Reused from batch to batch; not thread-safe.
 */
public final class ByteCrops {
  private final int side;
  private byte[] pixels = new byte[0];
  private CropWindow[] windows = new CropWindow[0];
  private float[] noise = new float[0];
  private int count;

  /**
   * @param side the crops' side (the network input)
   */
  public ByteCrops(int side) {
    this.side = side;
  }

  /** Forgets the crops, keeping the buffers for at least {@code capacity} crops. */
  public void clear(int capacity) {
    grow(capacity);
    count = 0;
  }

  private void grow(int capacity) {
    if (windows.length < capacity) {
      pixels = Arrays.copyOf(pixels, capacity * bytesPerCrop());
      windows = Arrays.copyOf(windows, capacity);
      noise = Arrays.copyOf(noise, 3 * capacity);
    }
  }

  /** Reserves the next crop with its window and noise; returns the offset of its bytes. */
  int add(CropWindow window, float[] rgbNoise) {
    if (count == windows.length) {
      grow(Math.max(1, 2 * count));
    }
    windows[count] = window;
    System.arraycopy(rgbNoise, 0, noise, 3 * count, 3);
    return count++ * bytesPerCrop();
  }

  public int side() {
    return side;
  }

  public int count() {
    return count;
  }

  int bytesPerCrop() {
    return 3 * side * side;
  }

  byte[] pixels() {
    return pixels;
  }

  CropWindow window(int crop) {
    return windows[crop];
  }

  /** The colour noise of every crop, three values (red, green, blue) per crop. */
  float[] noise() {
    return noise;
  }
}

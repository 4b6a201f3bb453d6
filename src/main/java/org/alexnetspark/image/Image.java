package org.alexnetspark.image;

/**
 * A decoded 8-bit colour image on the Java heap: {@code height} rows of {@code width} pixels, each
 * pixel three bytes in OpenCV's order blue, green, red. Buffers may be reused between images (see
 * {@link ImageCodec#decode(byte[], Image)}), so {@code pixels} can be longer than needed.
 */
public final class Image {
  /**
   * The most pixels an image can hold: three bytes each in one Java array. Decoders refuse larger
   * declared sizes before allocating anything.
   */
  public static final long MAX_PIXELS = (Integer.MAX_VALUE - 8) / 3;

  private byte[] pixels = new byte[0];
  private int width;
  private int height;

  public Image() {}

  /** An image over existing BGR pixels (not copied). */
  public Image(int width, int height, byte[] bgr) {
    if (bgr.length < bytes(width, height)) {
      throw new IllegalArgumentException(
          "need " + bytes(width, height) + " bytes, got " + bgr.length);
    }
    this.pixels = bgr;
    this.width = width;
    this.height = height;
  }

  /** Makes room for a {@code width x height} image, reusing the buffer when it is large enough. */
  void resize(int width, int height) {
    int needed = bytes(width, height);
    if (pixels.length < needed) {
      pixels = new byte[needed];
    }
    this.width = width;
    this.height = height;
  }

  /**
   * Bytes of a {@code width x height} BGR image.
   *
   * @throws IllegalArgumentException if a side is negative or the image is over {@link #MAX_PIXELS}
   */
  static int bytes(int width, int height) {
    return 3 * pixels(width, height);
  }

  /**
   * Pixels of a {@code width x height} image.
   *
   * @throws IllegalArgumentException if a side is negative or the image is over {@link #MAX_PIXELS}
   */
  static int pixels(int width, int height) {
    long pixels = (long) width * height;
    if (width < 0 || height < 0 || pixels > MAX_PIXELS) {
      throw new IllegalArgumentException(
          "an image of "
              + width
              + "x"
              + height
              + " pixels does not fit in memory (at most "
              + MAX_PIXELS
              + " pixels)");
    }
    return (int) pixels;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** Interleaved blue, green, red bytes, row after row. */
  public byte[] bgr() {
    return pixels;
  }

  /** Channel {@code c} (0 red, 1 green, 2 blue) of the pixel at column {@code x}, row {@code y}. */
  public int rgb(int x, int y, int c) {
    return pixels[3 * (y * width + x) + 2 - c] & 0xff;
  }
}

package org.alexnetspark.image;

import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.Serializable;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes the stored JPEGs of the shards on the hot path (training, statistics, benchmarks).
 *
 * <p>{@code turbojpeg} calls the system's libjpeg-turbo directly (its SIMD code; about three times
 * faster here than the JPEG codec inside the OpenCV build on Maven Central); {@code opencv} needs
 * nothing installed; {@code auto} takes TurboJPEG when the library can be loaded and OpenCV
 * otherwise. Arbitrary input files are decoded by {@link ImageCodec} in any case.
 */
public abstract class JpegDecoder implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(JpegDecoder.class);

  /** Which implementation ({@code data.decoder}). */
  public enum Kind {
    AUTO("auto"),
    TURBOJPEG("turbojpeg"),
    OPENCV("opencv");

    private final String configName;

    Kind(String configName) {
      this.configName = configName;
    }

    @Override
    public String toString() {
      return configName;
    }
  }

  /**
   * Decodes {@code jpeg} into {@code into}, 8-bit BGR, if it declares at most {@code maxPixels}
   * pixels. The size is read from the header first and checked in 64 bits, and the output buffer is
   * sized from the very dimensions the decoder reports and then decodes to, so no header, lying or
   * not, makes the decoder write past it.
   *
   * @param maxPixels the largest image to decode (at most {@link Image#MAX_PIXELS} is used)
   * @return false if the bytes are not a decodable JPEG, or declare an empty image or more pixels
   */
  public abstract boolean decode(byte[] jpeg, long maxPixels, Image into);

  /**
   * Decodes {@code jpeg} into {@code into}, one int {@code 0x..RRGGBB} per pixel (the top byte is
   * unspecified), under the same checks as {@link #decode(byte[], long, Image)}. Pixels as ints let
   * the augmentation read a pixel with one load and convert whole rows to floats in vector
   * instructions; the bytes are the same as those of {@link #decode(byte[], long, Image)}.
   *
   * @return false if the bytes are not a decodable JPEG, or declare an empty image or more pixels
   */
  public boolean decode(byte[] jpeg, long maxPixels, PackedImage into) {
    Image image = new Image();
    if (!decode(jpeg, maxPixels, image)) {
      return false;
    }
    into.resize(image.width(), image.height());
    byte[] bgr = image.bgr();
    int[] rgb = into.rgb();
    for (int i = 0, n = image.width() * image.height(); i < n; i++) {
      rgb[i] = (bgr[3 * i + 2] & 0xff) << 16 | (bgr[3 * i + 1] & 0xff) << 8 | (bgr[3 * i] & 0xff);
    }
    return true;
  }

  /**
   * A decoded 8-bit colour image on the Java heap with one int per pixel, {@code 0x..RRGGBB} (mask
   * the top byte off), row after row. Buffers are reused between images, so {@code rgb} can be
   * longer than needed.
   */
  public static final class PackedImage {
    private int[] pixels = new int[0];
    private int width;
    private int height;

    /**
     * Makes room for a {@code width x height} image, reusing the buffer when it is large enough.
     */
    void resize(int width, int height) {
      int needed = Image.pixels(width, height);
      if (pixels.length < needed) {
        pixels = new int[needed];
      }
      this.width = width;
      this.height = height;
    }

    public int width() {
      return width;
    }

    public int height() {
      return height;
    }

    /** One int per pixel, {@code 0x..RRGGBB}, row after row. */
    public int[] rgb() {
      return pixels;
    }
  }

  /** Decodes within {@link Image#MAX_PIXELS}: prefer a limit that fits the data. */
  public boolean decode(byte[] jpeg, Image into) {
    return decode(jpeg, Image.MAX_PIXELS, into);
  }

  /** The implementation's name, for logs and reports. */
  public abstract String name();

  /**
   * The decoder of the given kind.
   *
   * @throws IllegalStateException if {@code turbojpeg} is asked for and cannot be loaded
   */
  public static JpegDecoder of(Kind kind) {
    switch (kind) {
      case OPENCV:
        return new OpenCv();
      case TURBOJPEG:
        if (!TurboJpeg.available()) {
          throw new IllegalStateException(
              "data.decoder = turbojpeg but libturbojpeg cannot be "
                  + "loaded ("
                  + TurboJpeg.loadFailure()
                  + "); install it (Debian: libturbojpeg0) or "
                  + "use data.decoder = auto");
        }
        return new Turbo();
      default:
        if (TurboJpeg.available()) {
          return new Turbo();
        }
        LOG.warn(
            "libturbojpeg not found ({}); decoding with OpenCV, which is slower",
            TurboJpeg.loadFailure().getMessage());
        return new OpenCv();
    }
  }

  private static final class OpenCv extends JpegDecoder {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean decode(byte[] jpeg, long maxPixels, Image into) {
      return ImageCodec.decode(jpeg, 1, maxPixels, into);
    }

    @Override
    public String name() {
      return "opencv";
    }
  }

  private static final class Turbo extends JpegDecoder {
    private static final long serialVersionUID = 1L;

    /** One decompressor per thread: TurboJPEG handles are not thread-safe. */
    private static final ThreadLocal<Pointer> HANDLE =
        ThreadLocal.withInitial(TurboJpeg::tjInitDecompress);

    /**
     * Native output buffer per thread. Decoding into a Java array would make JNA copy the whole
     * array into native memory and back on every call; this way the pixels are copied out once.
     */
    private static final TurboJpeg.ThreadBuffer OUTPUT = new TurboJpeg.ThreadBuffer();

    /**
     * TurboJPEG's format whose four bytes per pixel read as the native-order int {@code
     * 0x..RRGGBB}.
     */
    private static final int PACKED_FORMAT =
        ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
            ? TurboJpeg.PIXEL_FORMAT_BGRX
            : TurboJpeg.PIXEL_FORMAT_XRGB;

    /**
     * Native copy of the JPEG per thread: passing the Java array would make JNA copy it in and back
     * on both calls (header, then pixels).
     */
    private static final TurboJpeg.ThreadBuffer INPUT = new TurboJpeg.ThreadBuffer();

    @Override
    public boolean decode(byte[] jpeg, long maxPixels, Image into) {
      int[] size = decodeNative(jpeg, maxPixels, TurboJpeg.PIXEL_FORMAT_BGR, 3);
      if (size == null) {
        return false;
      }
      into.resize(size[0], size[1]);
      OUTPUT.atLeast(0).read(0, into.bgr(), 0, 3 * size[0] * size[1]);
      return true;
    }

    @Override
    public boolean decode(byte[] jpeg, long maxPixels, PackedImage into) {
      int[] size = decodeNative(jpeg, maxPixels, PACKED_FORMAT, 4);
      if (size == null) {
        return false;
      }
      into.resize(size[0], size[1]);
      OUTPUT.atLeast(0).read(0, into.rgb(), 0, size[0] * size[1]);
      return true;
    }

    /**
     * Decodes into this thread's native buffer with {@code bytesPerPixel} bytes of {@code format}
     * per pixel; returns {width, height}, or null if the JPEG is refused or does not decode.
     */
    private static int[] decodeNative(byte[] jpeg, long maxPixels, int format, int bytesPerPixel) {
      if (jpeg.length == 0) {
        return null;
      }
      Pointer handle = HANDLE.get();
      Memory compressed = INPUT.holding(jpeg);
      NativeLong size = new NativeLong(jpeg.length);
      int[] width = new int[1];
      int[] height = new int[1];
      int[] subsampling = new int[1];
      int[] colorspace = new int[1];
      if (TurboJpeg.tjDecompressHeader3(
              handle, compressed, size, width, height, subsampling, colorspace)
          != 0) {
        failed(handle);
        return null;
      }
      long pixels = (long) width[0] * height[0];
      if (width[0] <= 0 || height[0] <= 0 || pixels > Math.min(maxPixels, Image.MAX_PIXELS)) {
        return null;
      }
      // Both sides are at most 65535 in a JPEG; the byte count is checked in 64 bits.
      long bytes = Math.multiplyExact((long) bytesPerPixel, pixels);
      Memory output = OUTPUT.atLeast(bytes);
      if (TurboJpeg.tjDecompress2(
              handle,
              compressed,
              size,
              output,
              width[0],
              bytesPerPixel * width[0],
              height[0],
              format,
              0)
          != 0) {
        failed(handle);
        return null;
      }
      return new int[] {width[0], height[0]};
    }

    /**
     * Replaces this thread's decompressor after a failure: a handle left by an error (e.g.
     * libjpeg's "Maximum supported image dimension is 65500 pixels" from a crafted header) fails
     * every later image, which would make one bad record cost all the records after it.
     */
    private static boolean failed(Pointer handle) {
      TurboJpeg.tjDestroy(handle);
      HANDLE.remove();
      return false;
    }

    @Override
    public String name() {
      return "turbojpeg";
    }
  }
}

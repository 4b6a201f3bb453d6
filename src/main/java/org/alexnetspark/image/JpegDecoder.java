package org.alexnetspark.image;

import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.Serializable;
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
   * Decodes {@code jpeg} into {@code into}, 8-bit BGR.
   *
   * @return false if the bytes are not a decodable JPEG
   */
  public abstract boolean decode(byte[] jpeg, Image into);

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
    public boolean decode(byte[] jpeg, Image into) {
      return ImageCodec.decode(jpeg, into);
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
    private static final ThreadLocal<Memory[]> OUTPUT =
        ThreadLocal.withInitial(() -> new Memory[1]);

    @Override
    public boolean decode(byte[] jpeg, Image into) {
      Pointer handle = HANDLE.get();
      NativeLong size = new NativeLong(jpeg.length);
      int[] width = new int[1];
      int[] height = new int[1];
      int[] subsampling = new int[1];
      int[] colorspace = new int[1];
      if (TurboJpeg.tjDecompressHeader3(handle, jpeg, size, width, height, subsampling, colorspace)
          != 0) {
        return false;
      }
      int bytes = 3 * width[0] * height[0];
      Memory[] output = OUTPUT.get();
      if (output[0] == null || output[0].size() < bytes) {
        output[0] = new Memory(bytes);
      }
      if (TurboJpeg.tjDecompress2(
              handle,
              jpeg,
              size,
              output[0],
              width[0],
              3 * width[0],
              height[0],
              TurboJpeg.PIXEL_FORMAT_BGR,
              0)
          != 0) {
        return false;
      }
      into.resize(width[0], height[0]);
      output[0].read(0, into.bgr(), 0, bytes);
      return true;
    }

    @Override
    public String name() {
      return "turbojpeg";
    }
  }
}

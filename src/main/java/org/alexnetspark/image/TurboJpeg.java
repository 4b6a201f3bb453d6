package org.alexnetspark.image;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * libjpeg-turbo's TurboJPEG API (the system library, e.g. Debian's libturbojpeg0), bound with JNA
 * direct mapping. Loaded on first use; {@link #available()} says whether that worked.
 */
final class TurboJpeg {
  /** TJPF_BGR: three bytes per pixel, blue first (OpenCV's order). */
  static final int PIXEL_FORMAT_BGR = 1;

  /** TJPF_BGRX: four bytes per pixel, blue, green, red, then one unused. */
  static final int PIXEL_FORMAT_BGRX = 3;

  /** TJPF_XRGB: four bytes per pixel, one unused, then red, green, blue. */
  static final int PIXEL_FORMAT_XRGB = 5;

  private static final Throwable LOAD_FAILURE = load();

  private TurboJpeg() {}

  private static Throwable load() {
    String[] names = {"turbojpeg", "libturbojpeg.so.0"};
    Throwable failure = null;
    for (String name : names) {
      try {
        Native.register(TurboJpeg.class, NativeLibrary.getInstance(name));
        return null;
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        failure = e;
      }
    }
    return failure;
  }

  static boolean available() {
    return LOAD_FAILURE == null;
  }

  /** Why the library could not be loaded, or null. */
  static Throwable loadFailure() {
    return LOAD_FAILURE;
  }

  static native Pointer tjInitDecompress();

  /**
   * Reads a JPEG's size, subsampling and colour space. The JPEG is passed in native memory: JNA
   * would copy a Java array on every call.
   */
  static native int tjDecompressHeader3(
      Pointer handle,
      Pointer jpeg,
      NativeLong size,
      int[] width,
      int[] height,
      int[] subsampling,
      int[] colorspace);

  /** Decodes a JPEG held in native memory into {@code destination}. */
  static native int tjDecompress2(
      Pointer handle,
      Pointer jpeg,
      NativeLong size,
      Pointer destination,
      int width,
      int pitch,
      int height,
      int pixelFormat,
      int flags);

  static native int tjDestroy(Pointer handle);

  /** The last error or warning of {@code handle}, in libjpeg's words. */
  static native String tjGetErrorStr2(Pointer handle);

  /** {@link #ERROR_WARNING} or {@link #ERROR_FATAL}, for the last error of {@code handle}. */
  static native int tjGetErrorCode(Pointer handle);

  /** TJERR_WARNING: the data was damaged but decoding went on (libjpeg's "Corrupt JPEG data"). */
  static final int ERROR_WARNING = 0;

  /** TJERR_FATAL. */
  static final int ERROR_FATAL = 1;

  /**
   * A native buffer per thread, reused from call to call and grown when a call needs more: passing
   * Java arrays would make JNA copy them into fresh native memory on every call, and a {@link
   * Memory} per image is freed only when the garbage collector finalises it.
   */
  static final class ThreadBuffer {
    private final ThreadLocal<Memory[]> slot = ThreadLocal.withInitial(() -> new Memory[1]);

    /** This thread's buffer, at least {@code bytes} long. */
    Memory atLeast(long bytes) {
      Memory[] buffer = slot.get();
      if (buffer[0] == null || buffer[0].size() < bytes) {
        buffer[0] = new Memory(bytes);
      }
      return buffer[0];
    }

    /** This thread's buffer holding a copy of {@code bytes} (which must not be empty). */
    Memory holding(byte[] bytes) {
      Memory buffer = atLeast(bytes.length);
      buffer.write(0, bytes, 0, bytes.length);
      return buffer;
    }
  }
}

package org.alexnetspark.image;

import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Finds JPEGs whose compressed data is damaged although they still decode: libjpeg then warns
 * ("Corrupt JPEG data: premature end of data segment", "bad Huffman code") and fills the rest of
 * the image with garbage, which OpenCV passes on silently. Decodes the whole entropy-coded stream
 * at 1/8 scale with libjpeg-turbo's TurboJPEG when it can be loaded, otherwise with the JDK's JPEG
 * reader; either reports libjpeg's warnings.
 */
public final class JpegIntegrity {
  private JpegIntegrity() {}

  /**
   * libjpeg's complaint about {@code jpeg}, or null if it decodes cleanly (or cannot be checked: a
   * JPEG variant neither decoder reads is left to the decoder that prepares it). Holds 1/64 of the
   * declared pixels (all of them for a progressive JPEG): check the declared size first ({@link
   * ImageHeader}).
   */
  public static String problem(byte[] jpeg) {
    return TurboJpeg.available() ? withTurboJpeg(jpeg) : withImageIo(jpeg);
  }

  /** This thread's copy of the JPEG, and its 1/8-scale pixels: reused, not allocated per image. */
  private static final TurboJpeg.ThreadBuffer INPUT = new TurboJpeg.ThreadBuffer();

  private static final TurboJpeg.ThreadBuffer PIXELS = new TurboJpeg.ThreadBuffer();

  static String withTurboJpeg(byte[] jpeg) {
    // A fresh decompressor for every check: a handle that went through a fatal error on an earlier
    // image was seen to miss the next image's warnings.
    Pointer handle = TurboJpeg.tjInitDecompress();
    try {
      if (jpeg.length == 0) {
        return null;
      }
      Memory compressed = INPUT.holding(jpeg);
      NativeLong size = new NativeLong(jpeg.length);
      int[] width = new int[1];
      int[] height = new int[1];
      if (TurboJpeg.tjDecompressHeader3(
              handle, compressed, size, width, height, new int[1], new int[1])
          != 0) {
        return null; // not decodable at all: the preparing decoder says why
      }
      int scaledWidth = (width[0] + 7) / 8;
      int scaledHeight = (height[0] + 7) / 8;
      Memory pixels = PIXELS.atLeast(3L * scaledWidth * scaledHeight);
      if (TurboJpeg.tjDecompress2(
                  handle,
                  compressed,
                  size,
                  pixels,
                  scaledWidth,
                  3 * scaledWidth,
                  scaledHeight,
                  TurboJpeg.PIXEL_FORMAT_BGR,
                  0)
              != 0
          && TurboJpeg.tjGetErrorCode(handle) == TurboJpeg.ERROR_WARNING) {
        return TurboJpeg.tjGetErrorStr2(handle);
      }
      // Fatal errors (an unsupported variant such as CMYK to BGR) are the preparing decoder's call.
      return null;
    } finally {
      TurboJpeg.tjDestroy(handle);
    }
  }

  static String withImageIo(byte[] jpeg) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
    if (!readers.hasNext()) {
      return null;
    }
    ImageReader reader = readers.next();
    List<String> warnings = new ArrayList<>();
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
      reader.setInput(in);
      reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
      // Every scan line is still decoded (and checked), but only every eighth row and column kept:
      // a full-size raster of a 26000 x 26000 photo would need 2 GB of heap.
      ImageReadParam keepOneIn64 = reader.getDefaultReadParam();
      keepOneIn64.setSourceSubsampling(8, 8, 0, 0);
      reader.read(0, keepOneIn64);
    } catch (IOException | RuntimeException e) {
      return null; // e.g. CMYK, which the JDK's reader does not support: OpenCV decides
    } finally {
      reader.dispose();
    }
    return warnings.isEmpty() ? null : String.join("; ", warnings);
  }
}

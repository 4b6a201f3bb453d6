package org.alexnetspark.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The width and height an image file declares, read from its header alone, before anything is
 * decoded or allocated: every decoding path checks them against a pixel limit first, so that a
 * header claiming 37838 x 37838 pixels is refused instead of being handed to a native decoder.
 *
 * <p>JPEG (the first start-of-frame marker, found the way libjpeg finds it), PNG (IHDR), WebP (the
 * RIFF container's VP8, VP8L or VP8X chunk), BMP and PNM are parsed here; GIF (the first frame's
 * image descriptor) and TIFF (the first image directory) through {@code javax.imageio}, whose
 * {@code getWidth}/{@code getHeight} read only the header. Never throws: unreadable headers give
 * null.
 */
public final class ImageHeader {
  private ImageHeader() {}

  /**
   * What a header declares.
   *
   * @param width declared width (may be 0 or absurd: the header is not trusted)
   * @param height declared height
   * @param progressive a progressive JPEG: libjpeg keeps the coefficients of the whole image in
   *     memory whatever the output scale, so its full declared size counts against a pixel limit
   * @param minimumBytes the fewest bytes a file of this size can have (0 where no bound is known):
   *     a Huffman-coded sequential JPEG spends at least one bit on the DC and one on the AC
   *     coefficients of every 8x8 block, so a header claiming 37838 x 37838 pixels over a few
   *     kilobytes of data is a lie found without decoding anything
   */
  public record Dimensions(long width, long height, boolean progressive, long minimumBytes) {

    /** A size with no known lower bound on the file's length. */
    public Dimensions(long width, long height, boolean progressive) {
      this(width, height, progressive, 0);
    }

    /** Declared pixels, in 64 bits (a header can declare 2^32 x 2^32: saturates). */
    public long pixels() {
      return saturatedProduct(width, height);
    }

    /**
     * Pixels a decoder holds at once when decoding a JPEG at {@code 1/reduction} of its size
     * directly from the DCT (give 1 for other formats, which are decoded whole): the scaled output,
     * or the whole image for a progressive JPEG, whose coefficients libjpeg keeps in memory.
     */
    public long pixelsHeld(int reduction) {
      if (progressive || reduction <= 1) {
        return pixels();
      }
      return saturatedProduct(
          (width + reduction - 1) / reduction, (height + reduction - 1) / reduction);
    }

    private static long saturatedProduct(long a, long b) {
      if (a < 0 || b < 0) {
        return Long.MAX_VALUE;
      }
      try {
        return Math.multiplyExact(a, b);
      } catch (ArithmeticException e) {
        return Long.MAX_VALUE;
      }
    }

    /** Whether both sides are at least one pixel. */
    public boolean nonEmpty() {
      return width > 0 && height > 0;
    }

    /** Whether a file of {@code length} bytes can hold an image of this size at all. */
    public boolean plausibleFor(long length) {
      return length >= minimumBytes;
    }

    @Override
    public String toString() {
      return width + "x" + height;
    }
  }

  /**
   * The declared size of {@code bytes}, or null if its format is unknown or its header unreadable.
   */
  public static Dimensions read(byte[] bytes) {
    try {
      return switch (ImageCodec.sniff(bytes)) {
        case JPEG -> jpeg(bytes);
        case PNG -> png(bytes);
        case WEBP -> webp(bytes);
        case BMP -> bmp(bytes);
        case PNM -> pnm(bytes);
        case GIF, TIFF -> withImageIo(bytes);
        case UNKNOWN -> null;
      };
    } catch (RuntimeException e) {
      return null; // a header cut short: index out of bounds
    }
  }

  /**
   * The first start-of-frame marker before the first start-of-scan, walking the marker segments by
   * their lengths as libjpeg does (fill bytes and stray bytes between segments skipped).
   */
  static Dimensions jpeg(byte[] b) {
    int i = 2; // after SOI
    while (i < b.length) {
      while (i < b.length && (b[i] & 0xff) != 0xFF) {
        i++;
      }
      while (i < b.length && (b[i] & 0xff) == 0xFF) {
        i++;
      }
      if (i >= b.length) {
        return null;
      }
      int marker = b[i++] & 0xff;
      if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
        continue; // stuffed zero, TEM, RSTn, SOI: no length follows
      }
      if (marker == 0xD9 || marker == 0xDA) {
        return null; // end of image or start of scan before any frame header
      }
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        // length (2), precision (1), height (2), width (2)
        long height = u16be(b, i + 3);
        long width = u16be(b, i + 5);
        boolean progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE;
        // Baseline and extended sequential, Huffman-coded: two bits per block of one component
        // at least (arithmetic coding and progressive end-of-band runs can go below that).
        boolean sequentialHuffman = marker == 0xC0 || marker == 0xC1;
        long blocks = ((width + 7) / 8) * ((height + 7) / 8);
        return new Dimensions(width, height, progressive, sequentialHuffman ? blocks / 4 : 0);
      }
      int length = u16be(b, i);
      if (length < 2) {
        return null;
      }
      i += length;
    }
    return null;
  }

  /** IHDR, which the PNG specification requires to be the first chunk. */
  static Dimensions png(byte[] b) {
    if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
      return null;
    }
    return new Dimensions(u32be(b, 16), u32be(b, 20), false);
  }

  /** The first chunk of a WebP file's RIFF container: lossy, lossless, or extended (canvas). */
  static Dimensions webp(byte[] b) {
    int data = 20;
    String chunk = new String(b, 12, 4, StandardCharsets.US_ASCII);
    switch (chunk) {
      case "VP8 " -> {
        // frame tag (3), start code 9d 01 2a, then 14-bit width and height with 2 scale bits each
        if ((b[data + 3] & 0xff) != 0x9d
            || (b[data + 4] & 0xff) != 0x01
            || (b[data + 5] & 0xff) != 0x2a) {
          return null;
        }
        return new Dimensions(u16le(b, data + 6) & 0x3fff, u16le(b, data + 8) & 0x3fff, false);
      }
      case "VP8L" -> {
        if ((b[data] & 0xff) != 0x2f) {
          return null;
        }
        long bits = u32le(b, data + 1);
        return new Dimensions((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1, false);
      }
      case "VP8X" -> {
        // flags (4), canvas width - 1 (24 bits), canvas height - 1 (24 bits)
        return new Dimensions(u24le(b, data + 4) + 1, u24le(b, data + 7) + 1, false);
      }
      default -> {
        return null;
      }
    }
  }

  /** The DIB header after the 14-byte file header; a negative height means top-down rows. */
  static Dimensions bmp(byte[] b) {
    long headerSize = u32le(b, 14);
    if (headerSize == 12) { // OS/2 BITMAPCOREHEADER: 16-bit sides
      return new Dimensions(u16le(b, 18), u16le(b, 20), false);
    }
    if (headerSize < 40) {
      return null;
    }
    long width = (int) u32le(b, 18);
    long height = (int) u32le(b, 22);
    return new Dimensions(width, Math.abs(height), false);
  }

  /** "P1".."P6", then width and height as decimal text, with # comments allowed between. */
  static Dimensions pnm(byte[] b) {
    int[] at = {2};
    long width = pnmNumber(b, at);
    long height = pnmNumber(b, at);
    return width < 0 || height < 0 ? null : new Dimensions(width, height, false);
  }

  private static long pnmNumber(byte[] b, int[] at) {
    int i = at[0];
    while (i < b.length) {
      if (b[i] == '#') {
        while (i < b.length && b[i] != '\n' && b[i] != '\r') {
          i++;
        }
      } else if (Character.isWhitespace(b[i])) {
        i++;
      } else {
        break;
      }
    }
    long value = 0;
    int digits = 0;
    while (i < b.length && b[i] >= '0' && b[i] <= '9' && digits < 12) {
      value = value * 10 + (b[i++] - '0');
      digits++;
    }
    at[0] = i;
    return digits == 0 ? -1 : value;
  }

  /** javax.imageio's readers read only the header for {@code getWidth(0)/getHeight(0)}. */
  static Dimensions withImageIo(byte[] bytes) {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return null;
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return new Dimensions(reader.getWidth(0), reader.getHeight(0), false);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static int u16be(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }

  static int u16le(byte[] b, int i) {
    return (b[i] & 0xff) | ((b[i + 1] & 0xff) << 8);
  }

  private static long u24le(byte[] b, int i) {
    return (b[i] & 0xff) | ((b[i + 1] & 0xff) << 8) | ((long) (b[i + 2] & 0xff) << 16);
  }

  static long u32be(byte[] b, int i) {
    return ((long) (b[i] & 0xff) << 24)
        | ((b[i + 1] & 0xff) << 16)
        | ((b[i + 2] & 0xff) << 8)
        | (b[i + 3] & 0xff);
  }

  static long u32le(byte[] b, int i) {
    return (b[i] & 0xff)
        | ((b[i + 1] & 0xff) << 8)
        | ((b[i + 2] & 0xff) << 16)
        | ((long) (b[i + 3] & 0xff) << 24);
  }
}

package org.alexnetspark.testing;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Image files whose headers lie: real small images (from {@link TestImages} and OpenCV's encoders)
 * with the width and height in their header bytes replaced, everything else left as written. Each
 * patcher finds the header fields by the file format's own layout, independently of the code under
 * test.
 */
public final class CraftedInputs {
  private CraftedInputs() {}

  /** Side of the claimed square that overflows {@code int} in {@code 3 * w * h} to 175,436. */
  public static final int WRAPS_TO_SMALL = 37838;

  /** Side of the claimed square that makes {@code 3 * w * h} negative as an {@code int}. */
  public static final int WRAPS_TO_NEGATIVE = 26755;

  /** A real JPEG of the given size (random pixels, so its scan data is long). */
  public static byte[] jpeg(int width, int height) {
    return TestImages.encode(
        TestImages.noise(width, height, BufferedImage.TYPE_3BYTE_BGR, width), "jpg");
  }

  /** A real PNG, GIF, BMP or TIFF (ImageIO's format names) of the given size. */
  public static byte[] imageIo(String format, int width, int height) {
    int type =
        format.equals("gif") ? BufferedImage.TYPE_BYTE_INDEXED : BufferedImage.TYPE_3BYTE_BGR;
    return TestImages.encode(TestImages.noise(width, height, type, height), format);
  }

  /** A real lossy (VP8) WebP of the given size, from OpenCV's encoder. */
  public static byte[] webp(int width, int height) {
    byte[] bgr = new byte[3 * width * height];
    for (int i = 0; i < bgr.length; i++) {
      bgr[i] = (byte) (i * 7);
    }
    try (PointerScope scope = new PointerScope()) {
      Mat mat = new Mat(height, width, CV_8UC3, new BytePointer(bgr));
      BytePointer out = new BytePointer();
      // Quality below 100: lossy (VP8); OpenCV writes lossless (VP8L) at 100, its default.
      if (!imencode(".webp", mat, out, new IntPointer(IMWRITE_WEBP_QUALITY, 90))) {
        throw new IllegalStateException("OpenCV cannot encode WebP");
      }
      byte[] bytes = new byte[(int) out.limit()];
      out.get(bytes);
      return bytes;
    }
  }

  /** {@code jpeg} with its first start-of-frame marker's height and width replaced. */
  public static byte[] jpegClaiming(byte[] jpeg, int width, int height) {
    byte[] b = jpeg.clone();
    int i = 2;
    while (true) {
      if ((b[i] & 0xff) != 0xFF) {
        throw new IllegalArgumentException("no marker at " + i);
      }
      int marker = b[i + 1] & 0xff;
      if (marker >= 0xC0 && marker <= 0xC3) {
        putU16BigEndian(b, i + 5, height);
        putU16BigEndian(b, i + 7, width);
        return b;
      }
      i += 2 + (((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff));
    }
  }

  /** {@code png} with IHDR's width and height replaced and its CRC made right again. */
  public static byte[] pngClaiming(byte[] png, long width, long height) {
    byte[] b = png.clone();
    ByteBuffer buffer = ByteBuffer.wrap(b).order(ByteOrder.BIG_ENDIAN);
    if (!new String(b, 12, 4, StandardCharsets.US_ASCII).equals("IHDR")) {
      throw new IllegalArgumentException("IHDR is not the first chunk");
    }
    buffer.putInt(16, (int) width);
    buffer.putInt(20, (int) height);
    CRC32 crc = new CRC32();
    crc.update(b, 12, 4 + 13); // chunk type and data
    buffer.putInt(12 + 4 + 13, (int) crc.getValue());
    return b;
  }

  /** {@code gif} with its logical screen and first image descriptor claiming another size. */
  public static byte[] gifClaiming(byte[] gif, int width, int height) {
    byte[] b = gif.clone();
    putU16LittleEndian(b, 6, width);
    putU16LittleEndian(b, 8, height);
    int i = 13;
    if ((b[10] & 0x80) != 0) {
      i += 3 * (1 << ((b[10] & 7) + 1)); // global colour table
    }
    while ((b[i] & 0xff) == 0x21) { // extension: label, then sub-blocks up to a zero length
      i += 2;
      while (b[i] != 0) {
        i += (b[i] & 0xff) + 1;
      }
      i++;
    }
    if ((b[i] & 0xff) != 0x2C) {
      throw new IllegalArgumentException("no image descriptor at " + i);
    }
    putU16LittleEndian(b, i + 5, width);
    putU16LittleEndian(b, i + 7, height);
    return b;
  }

  /** {@code tiff} with the first directory's ImageWidth and ImageLength tags replaced. */
  public static byte[] tiffClaiming(byte[] tiff, int width, int height) {
    byte[] b = tiff.clone();
    ByteBuffer buffer =
        ByteBuffer.wrap(b).order(b[0] == 'I' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    int directory = buffer.getInt(4);
    int entries = buffer.getShort(directory) & 0xffff;
    int patched = 0;
    for (int e = 0; e < entries; e++) {
      int entry = directory + 2 + 12 * e;
      int tag = buffer.getShort(entry) & 0xffff;
      int type = buffer.getShort(entry + 2) & 0xffff;
      if (tag == 256 || tag == 257) {
        int value = tag == 256 ? width : height;
        if (type == 3) {
          buffer.putShort(entry + 8, (short) value);
        } else {
          buffer.putInt(entry + 8, value);
        }
        patched++;
      }
    }
    if (patched != 2) {
      throw new IllegalArgumentException("ImageWidth and ImageLength not found");
    }
    return b;
  }

  /** {@code bmp} with its DIB header's width and height replaced. */
  public static byte[] bmpClaiming(byte[] bmp, int width, int height) {
    byte[] b = bmp.clone();
    ByteBuffer buffer = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putInt(18, width);
    buffer.putInt(22, height);
    return b;
  }

  /** A lossy {@code webp} whose VP8 frame header claims another size (14 bits: at most 16383). */
  public static byte[] webpClaiming(byte[] webp, int width, int height) {
    byte[] b = webp.clone();
    if (!new String(b, 12, 4, StandardCharsets.US_ASCII).equals("VP8 ")) {
      throw new IllegalArgumentException("not a lossy WebP");
    }
    putU16LittleEndian(b, 20 + 6, width & 0x3fff);
    putU16LittleEndian(b, 20 + 8, height & 0x3fff);
    return b;
  }

  /**
   * {@code webp} wrapped in the extended format, with a VP8X chunk declaring a canvas of another
   * size (24 bits each) in front of its unchanged image chunk.
   */
  public static byte[] webpExtendedClaiming(byte[] webp, int width, int height) {
    int chunks = webp.length - 12;
    ByteBuffer out = ByteBuffer.allocate(12 + 18 + chunks).order(ByteOrder.LITTLE_ENDIAN);
    out.put("RIFF".getBytes(StandardCharsets.US_ASCII));
    out.putInt(4 + 18 + chunks);
    out.put("WEBP".getBytes(StandardCharsets.US_ASCII));
    out.put("VP8X".getBytes(StandardCharsets.US_ASCII));
    out.putInt(10);
    out.putInt(0); // flags: a still image, no alpha, no metadata
    putU24(out, width - 1);
    putU24(out, height - 1);
    out.put(webp, 12, chunks);
    return out.array();
  }

  /** Fatal-error logs the JVM leaves in the working directory when it crashes. */
  public static List<Path> crashLogs() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("."))) {
      return files.filter(p -> p.getFileName().toString().matches("hs_err_pid\\d+\\.log")).toList();
    }
  }

  private static void putU24(ByteBuffer out, int value) {
    out.put((byte) value).put((byte) (value >> 8)).put((byte) (value >> 16));
  }

  private static void putU16BigEndian(byte[] b, int i, int value) {
    b[i] = (byte) (value >> 8);
    b[i + 1] = (byte) value;
  }

  private static void putU16LittleEndian(byte[] b, int i, int value) {
    b[i] = (byte) value;
    b[i + 1] = (byte) (value >> 8);
  }
}

package org.alexnetspark.testing;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;

/** Real image files of every kind the pipeline must accept or refuse, made in memory. */
public final class TestImages {
  private TestImages() {}

  /** Encodes {@code image} with ImageIO in {@code format} (png, bmp, gif, jpg). */
  public static byte[] encode(BufferedImage image, String format) {
    // The JDK's own writer: with several on the class path (jai-imageio, TwelveMonkeys) ImageIO's
    // choice among them changes from run to run, and so would the bytes (OpenCV reads the TIFFs
    // of some writers and not of others).
    ImageWriter writer = null;
    for (Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format);
        writers.hasNext(); ) {
      ImageWriter candidate = writers.next();
      if (writer == null || candidate.getClass().getName().startsWith("com.sun.imageio.")) {
        writer = candidate;
      }
    }
    if (writer == null) {
      throw new IllegalStateException("no ImageIO writer for " + format);
    }
    try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
        writer.setOutput(stream);
        writer.write(image);
      } finally {
        writer.dispose();
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Random pixels of the given ImageIO type, seeded. */
  public static BufferedImage noise(int width, int height, int type, long seed) {
    BufferedImage image = new BufferedImage(width, height, type);
    WritableRaster raster = image.getRaster();
    Random random = new Random(seed);
    int max = raster.getSampleModel().getSampleSize(0) == 16 ? 65535 : 255;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        for (int b = 0; b < raster.getNumBands(); b++) {
          raster.setSample(x, y, b, random.nextInt(max + 1));
        }
      }
    }
    return image;
  }

  /** A JPEG with four (CMYK) channels, as some ImageNet photos are. */
  public static byte[] cmykJpeg(int width, int height) {
    WritableRaster raster =
        Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        raster.setPixel(x, y, new int[] {x * 255 / width, y * 255 / height, 40, 10});
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ByteArrayOutputStream out = new ByteArrayOutputStream();
        var stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(null, new IIOImage(raster, null, null), writer.getDefaultWriteParam());
      stream.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
  }

  /** A JPEG whose left half is red and right half blue, {@code width x height}. */
  public static byte[] halvesJpeg(int width, int height) {
    byte[] bgr = new byte[3 * width * height];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int p = 3 * (y * width + x);
        bgr[p + (x < width / 2 ? 2 : 0)] = (byte) 255;
      }
    }
    return ImageCodec.encodeJpeg(new Image(width, height, bgr), 95);
  }

  /**
   * A JPEG with texture everywhere (so that its entropy-coded data is long), {@code width x
   * height}.
   */
  public static byte[] texturedJpeg(int width, int height) {
    byte[] bgr = new byte[3 * width * height];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int p = 3 * (y * width + x);
        bgr[p] = (byte) ((x ^ y) & 0xff);
        bgr[p + 1] = (byte) ((2 * y) & 0xff);
        bgr[p + 2] = (byte) ((3 * x + y) & 0xff);
      }
    }
    return ImageCodec.encodeJpeg(new Image(width, height, bgr), 90);
  }

  /**
   * A JPEG whose entropy-coded data is damaged in its middle: libjpeg warns "Corrupt JPEG data".
   */
  public static byte[] corruptedInTheMiddle(byte[] jpeg) {
    byte[] bytes = jpeg.clone();
    int scan = 0;
    while (!((bytes[scan] & 0xff) == 0xFF && (bytes[scan + 1] & 0xff) == 0xDA)) {
      scan++;
    }
    Random random = new Random(200);
    int middle = (scan + bytes.length) / 2;
    for (int i = middle; i < Math.min(middle + 400, bytes.length - 2); i++) {
      int value = random.nextInt(256);
      bytes[i] = (byte) (value == 0xFF ? 0xFE : value);
    }
    return bytes;
  }

  /**
   * {@code jpeg} with an EXIF segment saying "rotate 90 degrees clockwise to display" (orientation
   * 6), as cameras write for portrait photos.
   */
  public static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    byte[] exif = {
      (byte) 0xFF,
      (byte) 0xE1,
      0,
      34, // APP1, length 34
      'E',
      'x',
      'i',
      'f',
      0,
      0,
      'M',
      'M',
      0,
      42,
      0,
      0,
      0,
      8, // big-endian TIFF, IFD at 8
      0,
      1, // one entry
      0x01,
      0x12,
      0,
      3,
      0,
      0,
      0,
      1,
      0,
      (byte) orientation,
      0,
      0, // Orientation, SHORT, 1 value
      0,
      0,
      0,
      0
    }; // no next IFD
    byte[] out = new byte[jpeg.length + exif.length];
    System.arraycopy(jpeg, 0, out, 0, 2); // SOI
    System.arraycopy(exif, 0, out, 2, exif.length);
    System.arraycopy(jpeg, 2, out, 2 + exif.length, jpeg.length - 2);
    return out;
  }
}

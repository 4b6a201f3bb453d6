package org.alexnetspark.image;

import java.util.Locale;

/**
 * What an input file is, beyond its size, read from its header: the format, the colour model, the
 * bits per sample and the EXIF orientation. What decoding converts follows from it (CMYK to RGB, 16
 * bits to 8, the orientation applied), so that {@code prepare} can list every converted input.
 * Never throws: what a header does not say is left unknown.
 *
 * @param format the container format
 * @param colour the colour model: {@code "greyscale"}, {@code "YCbCr"}, {@code "RGB"}, {@code
 *     "CMYK"}, {@code "palette"}, {@code "greyscale+alpha"}, {@code "RGBA"}, or null if unknown
 * @param bitsPerSample bits per sample, 0 if unknown
 * @param orientation the EXIF orientation of a JPEG (1 to 8; 1 is upright), 1 if none
 */
public record ImageTraits(
    ImageCodec.Format format, String colour, int bitsPerSample, int orientation) {

  /** Whether decoding turns CMYK (or Adobe's YCCK) samples into RGB. */
  public boolean cmyk() {
    return "CMYK".equals(colour);
  }

  /** Whether decoding rotates or mirrors the image by its EXIF orientation. */
  public boolean rotated() {
    return orientation >= 2 && orientation <= 8;
  }

  /**
   * In words, e.g. {@code "PNG, RGB, 8 bits"} or {@code "JPEG, CMYK, 8 bits, EXIF orientation 6"}.
   */
  public String describe() {
    StringBuilder text = new StringBuilder(format.name());
    if (colour != null) {
      text.append(", ").append(colour);
    }
    if (bitsPerSample > 0) {
      text.append(String.format(Locale.ROOT, ", %d bits", bitsPerSample));
    }
    if (rotated()) {
      text.append(", EXIF orientation ").append(orientation);
    }
    return text.toString();
  }

  /** The traits of {@code bytes}. */
  public static ImageTraits read(byte[] bytes) {
    ImageCodec.Format format = ImageCodec.sniff(bytes);
    try {
      return switch (format) {
        case JPEG -> jpeg(bytes);
        case PNG -> png(bytes);
        default -> new ImageTraits(format, null, 0, 1);
      };
    } catch (RuntimeException e) {
      return new ImageTraits(format, null, 0, 1); // a header cut short
    }
  }

  /** The frame header's precision and component count, and the orientation of an Exif APP1. */
  static ImageTraits jpeg(byte[] b) {
    int orientation = 1;
    int i = 2; // after SOI
    while (i + 4 < b.length) {
      if ((b[i] & 0xff) != 0xFF) {
        i++;
        continue;
      }
      int marker = b[i + 1] & 0xff;
      if (marker == 0xFF
          || marker == 0x00
          || marker == 0x01
          || (marker >= 0xD0 && marker <= 0xD8)) {
        i += marker == 0xFF ? 1 : 2;
        continue;
      }
      if (marker == 0xD9 || marker == 0xDA) {
        break;
      }
      int length = ImageHeader.u16be(b, i + 2);
      int body = i + 4;
      if (marker == 0xE1 && length >= 8 && startsWith(b, body, "Exif\0\0")) {
        orientation = exifOrientation(b, body + 6, i + 2 + length);
      }
      if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
        int precision = b[body] & 0xff;
        int components = b[body + 5] & 0xff;
        String colour =
            switch (components) {
              case 1 -> "greyscale";
              case 3 -> "YCbCr";
              case 4 -> "CMYK";
              default -> components + " components";
            };
        return new ImageTraits(ImageCodec.Format.JPEG, colour, precision, orientation);
      }
      if (length < 2) {
        break;
      }
      i += 2 + length;
    }
    return new ImageTraits(ImageCodec.Format.JPEG, null, 0, orientation);
  }

  /** IHDR's bit depth and colour type. */
  static ImageTraits png(byte[] b) {
    int depth = b[24] & 0xff;
    String colour =
        switch (b[25] & 0xff) {
          case 0 -> "greyscale";
          case 2 -> "RGB";
          case 3 -> "palette";
          case 4 -> "greyscale+alpha";
          case 6 -> "RGBA";
          default -> null;
        };
    return new ImageTraits(ImageCodec.Format.PNG, colour, depth, 1);
  }

  /** Tag 0x0112 of the TIFF structure at {@code tiff}, 1 if absent or out of range. */
  private static int exifOrientation(byte[] b, int tiff, int end) {
    boolean little = b[tiff] == 'I' && b[tiff + 1] == 'I';
    long ifd = tiff + (little ? ImageHeader.u32le(b, tiff + 4) : ImageHeader.u32be(b, tiff + 4));
    if (ifd + 2 > end) {
      return 1;
    }
    int entries = little ? ImageHeader.u16le(b, (int) ifd) : ImageHeader.u16be(b, (int) ifd);
    for (int e = 0; e < entries; e++) {
      int at = (int) ifd + 2 + 12 * e;
      if (at + 12 > end) {
        break;
      }
      int tag = little ? ImageHeader.u16le(b, at) : ImageHeader.u16be(b, at);
      if (tag == 0x0112) {
        int value = little ? ImageHeader.u16le(b, at + 8) : ImageHeader.u16be(b, at + 8);
        return value >= 1 && value <= 8 ? value : 1;
      }
    }
    return 1;
  }

  private static boolean startsWith(byte[] b, int at, String prefix) {
    for (int k = 0; k < prefix.length(); k++) {
      if (at + k >= b.length || b[at + k] != prefix.charAt(k)) {
        return false;
      }
    }
    return true;
  }
}

package org.alexnetspark.prepare;

import org.alexnetspark.config.DataConfig;
import org.alexnetspark.data.Rejection.Reason;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.image.JpegIntegrity;

/**
 * Turns an input file's bytes into the stored image the paper's way, or says why it cannot: decode
 * (any common format, EXIF orientation applied, greyscale/CMYK/16-bit/palette converted to 8-bit
 * RGB, huge JPEGs decoded downscaled), resize the short side to {@code data.image-size} (enlarging
 * small images), crop the central square, encode as JPEG.
 */
public final class ImagePreparer {
  private final int size;
  private final int quality;
  private final double maxPixels;

  public ImagePreparer(DataConfig config) {
    this.size = config.imageSize();
    this.quality = config.jpegQuality();
    this.maxPixels = config.maxInputMegapixels() * 1e6;
  }

  /** The result for one input: the stored image (decoded or as JPEG), or why it was rejected. */
  public sealed interface Outcome permits Prepared, Decoded, Rejected {}

  /** The stored image, decoded: {@code size x size} RGB (what {@link #decode} gives). */
  public record Decoded(Image image) implements Outcome {}

  /** A stored image: JPEG bytes of a {@code size x size} RGB image. */
  public record Prepared(byte[] jpeg) implements Outcome {}

  /** A rejected input: the kind of problem and the reason in words. */
  public record Rejected(Reason kind, String reason) implements Outcome {}

  /** The stored image as JPEG bytes, or why the input was rejected. */
  public Outcome prepare(byte[] bytes) {
    Outcome decoded = decode(bytes);
    return decoded instanceof Decoded d
        ? new Prepared(ImageCodec.encodeJpeg(d.image(), quality))
        : decoded;
  }

  /**
   * The stored image (short side resized, central square), decoded, or why the input was rejected:
   * what {@link #prepare} encodes, and what prediction on image files starts from.
   */
  public Outcome decode(byte[] bytes) {
    if (bytes.length == 0) {
      return new Rejected(Reason.EMPTY_FILE, "empty file (0 bytes)");
    }
    ImageCodec.Format format = ImageCodec.sniff(bytes);
    if (format == ImageCodec.Format.UNKNOWN) {
      return new Rejected(
          Reason.NOT_AN_IMAGE, "not an image (unrecognised content, " + bytes.length + " bytes)");
    }
    if (format == ImageCodec.Format.JPEG) {
      if (!hasEndMarker(bytes)) {
        return new Rejected(Reason.TRUNCATED, "truncated JPEG (no end-of-image marker)");
      }
      String problem = JpegIntegrity.problem(bytes);
      if (problem != null) {
        return new Rejected(Reason.UNDECODABLE, "damaged JPEG data (" + problem + ")");
      }
    }
    int[] dims = ImageCodec.dimensions(bytes);
    int reduction = 1;
    if (dims != null) {
      if (format == ImageCodec.Format.JPEG) {
        // Decode huge photos at 1/2, 1/4 or 1/8 scale straight from the DCT, never below the
        // target.
        while (reduction < 8 && Math.min(dims[0], dims[1]) / (reduction * 2) >= size) {
          reduction *= 2;
        }
      }
      double pixels = (double) (dims[0] / reduction) * (dims[1] / reduction);
      if (pixels > maxPixels) {
        return new Rejected(
            Reason.TOO_LARGE,
            String.format(
                "too large: %dx%d pixels (limit %.0f megapixels, " + "data.max-input-megapixels)",
                dims[0], dims[1], maxPixels / 1e6));
      }
    }
    Image decoded = new Image();
    if (!ImageCodec.decode(bytes, reduction, decoded)) {
      return new Rejected(
          Reason.UNDECODABLE, "cannot decode " + format + " (corrupt or unsupported variant)");
    }
    if ((double) decoded.width() * decoded.height() > maxPixels) {
      return new Rejected(
          Reason.TOO_LARGE,
          String.format("too large: %dx%d pixels", decoded.width(), decoded.height()));
    }
    return new Decoded(ImageCodec.resizeAndCentreCrop(decoded, size));
  }

  /** A complete JPEG ends with FF D9, possibly followed by a little padding. */
  private static boolean hasEndMarker(byte[] bytes) {
    int from = Math.max(1, bytes.length - 4096);
    for (int i = bytes.length - 1; i >= from; i--) {
      if ((bytes[i] & 0xff) == 0xD9 && (bytes[i - 1] & 0xff) == 0xFF) {
        return true;
      }
    }
    return false;
  }
}

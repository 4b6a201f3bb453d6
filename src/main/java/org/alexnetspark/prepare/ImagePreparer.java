package org.alexnetspark.prepare;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.config.DataConfig;
import org.alexnetspark.data.Conversion;
import org.alexnetspark.data.Rejection.Reason;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.image.ImageHeader;
import org.alexnetspark.image.ImageTraits;
import org.alexnetspark.image.JpegIntegrity;

/**
 * Turns an input file's bytes into the stored image the paper's way, or says why it cannot: decode
 * (any common format, EXIF orientation applied, greyscale/CMYK/16-bit/palette converted to 8-bit
 * RGB, huge JPEGs decoded downscaled), resize the short side to {@code data.image-size} (enlarging
 * small images), crop the central square, encode as JPEG. What was converted beyond the resize
 * (another format, CMYK, more than 8 bits, EXIF orientation, decoding downscaled) comes with the
 * image, for the manifest.
 *
 * <p>No byte of an input can make it allocate more than {@code data.max-input-megapixels}: the size
 * declared in the file's header is checked before the JPEG integrity check and before decoding, and
 * the decoder itself refuses a header over the limit.
 */
public final class ImagePreparer {
  private final int size;
  private final int quality;
  private final long maxPixels;

  public ImagePreparer(DataConfig config) {
    this.size = config.imageSize();
    this.quality = config.jpegQuality();
    this.maxPixels = (long) Math.min(config.maxInputMegapixels() * 1e6, Image.MAX_PIXELS);
  }

  /** The result for one input: the stored image (decoded or as JPEG), or why it was rejected. */
  public sealed interface Outcome permits Prepared, Decoded, Rejected {}

  /**
   * What decoding converted besides the resize (see {@link Conversion}).
   *
   * @param was what the input was, in words
   * @param done what was done, in order
   */
  public record Converted(String was, List<Conversion.Step> done) implements Serializable {}

  /**
   * The stored image, decoded: {@code size x size} RGB (what {@link #decode} gives).
   *
   * @param converted what was converted, or null if nothing beyond the resize
   */
  public record Decoded(Image image, Converted converted) implements Outcome {}

  /**
   * A stored image: JPEG bytes of a {@code size x size} RGB image.
   *
   * @param converted what was converted, or null if nothing beyond the resize
   */
  public record Prepared(byte[] jpeg, Converted converted) implements Outcome {}

  /** A rejected input: the kind of problem and the reason in words. */
  public record Rejected(Reason kind, String reason) implements Outcome {}

  /** The stored image as JPEG bytes, or why the input was rejected. */
  public Outcome prepare(byte[] bytes) {
    Outcome decoded = decode(bytes);
    return decoded instanceof Decoded d
        ? new Prepared(ImageCodec.encodeJpeg(d.image(), quality), d.converted())
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
    // The declared size is checked before anything is decoded: neither the integrity check nor
    // the decoder may allocate for a header that claims 37838 x 37838 pixels.
    ImageHeader.Dimensions declared = ImageHeader.read(bytes);
    if (declared == null) {
      return new Rejected(
          Reason.UNDECODABLE,
          "cannot decode "
              + format
              + " (corrupt or unsupported variant: no image size in its header)");
    }
    if (!declared.nonEmpty()) {
      return new Rejected(
          Reason.UNDECODABLE,
          "cannot decode " + format + " (its header declares an empty image, " + declared + ")");
    }
    int reduction = 1;
    if (format == ImageCodec.Format.JPEG) {
      // Decode huge photos at 1/2, 1/4 or 1/8 scale straight from the DCT, never below the target.
      while (reduction < 8
          && Math.min(declared.width(), declared.height()) / (reduction * 2) >= size) {
        reduction *= 2;
      }
    }
    if (declared.pixelsHeld(reduction) > maxPixels) {
      return new Rejected(
          Reason.TOO_LARGE,
          String.format(
              "too large: %dx%d pixels, as its %s header declares (limit %.0f megapixels%s, "
                  + "data.max-input-megapixels)",
              declared.width(),
              declared.height(),
              format,
              maxPixels / 1e6,
              reduction > 1 ? " after decoding at 1/" + reduction : ""));
    }
    if (!declared.plausibleFor(bytes.length)) {
      return new Rejected(
          Reason.UNDECODABLE,
          String.format(
              "cannot decode %s (its header declares %s pixels, which take at least %d bytes; the"
                  + " file has %d)",
              format, declared, declared.minimumBytes(), bytes.length));
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
    Image decoded = new Image();
    if (!ImageCodec.decode(bytes, reduction, maxPixels, decoded)) {
      return new Rejected(
          Reason.UNDECODABLE,
          "cannot decode "
              + format
              + " (its header declares "
              + declared
              + "; corrupt or unsupported variant)");
    }
    if ((double) decoded.width() * decoded.height() > maxPixels) {
      return new Rejected(
          Reason.TOO_LARGE,
          String.format("too large: %dx%d pixels", decoded.width(), decoded.height()));
    }
    return new Decoded(
        ImageCodec.resizeAndCentreCrop(decoded, size), converted(bytes, format, reduction));
  }

  /** What decoding {@code bytes} converted, read from its header, or null for nothing. */
  private static Converted converted(byte[] bytes, ImageCodec.Format format, int reduction) {
    ImageTraits traits = ImageTraits.read(bytes);
    List<Conversion.Step> done = new ArrayList<>();
    if (format != ImageCodec.Format.JPEG) {
      done.add(Conversion.Step.OTHER_FORMAT_DECODED);
    }
    if (traits.cmyk()) {
      done.add(Conversion.Step.CMYK_TO_RGB);
    }
    if (traits.bitsPerSample() > 8) {
      done.add(Conversion.Step.TO_8_BITS);
    }
    if (traits.rotated()) {
      done.add(Conversion.Step.EXIF_ROTATED);
    }
    if (reduction > 1) {
      done.add(Conversion.Step.DOWNSCALED);
    }
    if (done.isEmpty()) {
      return null;
    }
    String was = traits.describe();
    return new Converted(reduction > 1 ? was + ", decoded at 1/" + reduction : was, done);
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

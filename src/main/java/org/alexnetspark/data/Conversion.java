package org.alexnetspark.data;

import java.io.Serializable;
import java.util.List;

/**
 * An input that was stored after a conversion beyond the paper's resizing: listed in the manifest
 * of every prepared dataset beside the rejected inputs, so that nothing is changed silently.
 * Replicating a greyscale channel into RGB and the resize to {@code data.image-size} are not
 * listed: every image goes through the one, and the other loses nothing.
 *
 * @param input where it is (a URI, or an archive member)
 * @param was what it was, e.g. {@code "PNG, RGB, 8 bits"} or {@code "JPEG, CMYK, 8 bits"}
 * @param done what was done to it, in order
 */
public record Conversion(String input, String was, List<Step> done) implements Serializable {

  public Conversion {
    done = List.copyOf(done);
  }

  /** What decoding can do to an input besides resizing it. */
  public enum Step {
    /** An image in another format than JPEG (PNG, GIF, BMP, TIFF, WebP, PNM) decoded. */
    OTHER_FORMAT_DECODED,
    /** CMYK (or Adobe YCCK) samples converted to RGB. */
    CMYK_TO_RGB,
    /** Samples of more than 8 bits reduced to 8. */
    TO_8_BITS,
    /** Rotated or mirrored upright by its EXIF orientation. */
    EXIF_ROTATED,
    /** A large JPEG decoded at 1/2, 1/4 or 1/8 of its size from the DCT, before the resize. */
    DOWNSCALED
  }
}

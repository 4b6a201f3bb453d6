package org.alexnetspark.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Decoding, resizing and encoding with OpenCV, whose JPEG codec is libjpeg-turbo.
 *
 * <p>Decoding always yields 8-bit, three-channel BGR: greyscale, 16-bit, palette and CMYK inputs
 * are converted, and the EXIF orientation of photos is applied. GIF, which OpenCV cannot read, is
 * decoded with {@code javax.imageio} (first frame). Native memory is released as soon as each call
 * returns. Instances are not needed: all methods are static and thread-safe.
 */
public final class ImageCodec {

  /** Container formats recognised from their first bytes. */
  public enum Format {
    JPEG,
    PNG,
    GIF,
    BMP,
    TIFF,
    WEBP,
    PNM,
    UNKNOWN
  }

  private ImageCodec() {}

  /** The format of {@code bytes}, from its signature; the file name is never trusted. */
  public static Format sniff(byte[] bytes) {
    if (startsWith(bytes, 0xFF, 0xD8, 0xFF)) {
      return Format.JPEG;
    }
    if (startsWith(bytes, 0x89, 'P', 'N', 'G')) {
      return Format.PNG;
    }
    if (startsWith(bytes, 'G', 'I', 'F', '8')) {
      return Format.GIF;
    }
    if (startsWith(bytes, 'B', 'M')) {
      return Format.BMP;
    }
    if (startsWith(bytes, 'I', 'I', 42, 0) || startsWith(bytes, 'M', 'M', 0, 42)) {
      return Format.TIFF;
    }
    if (startsWith(bytes, 'R', 'I', 'F', 'F')
        && bytes.length >= 12
        && bytes[8] == 'W'
        && bytes[9] == 'E'
        && bytes[10] == 'B'
        && bytes[11] == 'P') {
      return Format.WEBP;
    }
    if (bytes.length >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '6') {
      return Format.PNM;
    }
    return Format.UNKNOWN;
  }

  private static boolean startsWith(byte[] bytes, int... signature) {
    if (bytes.length < signature.length) {
      return false;
    }
    for (int i = 0; i < signature.length; i++) {
      if ((bytes[i] & 0xff) != signature[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Decodes {@code bytes} into {@code into} (its buffer is reused when large enough), if the size
   * its header declares is within {@code maxPixels}: nothing is decoded or allocated otherwise.
   *
   * @param reduction 1, 2, 4 or 8: JPEGs are decoded at that fraction of their size directly by the
   *     DCT (cheap downscaling of huge photos); other formats are decoded whole and then shrunk
   * @param maxPixels the most pixels the decoder may hold (see {@link
   *     ImageHeader.Dimensions#pixelsHeld}); at most {@link Image#MAX_PIXELS} is used in any case
   * @return false if the bytes cannot be decoded, their header cannot be read, or it declares an
   *     empty image, more than {@code maxPixels}, or more than the bytes can hold
   */
  public static boolean decode(byte[] bytes, int reduction, long maxPixels, Image into) {
    int flags = readFlags(reduction);
    Format format = sniff(bytes);
    ImageHeader.Dimensions declared = ImageHeader.read(bytes);
    long limit = Math.min(maxPixels, Image.MAX_PIXELS);
    if (declared == null
        || !declared.nonEmpty()
        || !declared.plausibleFor(bytes.length)
        || declared.pixelsHeld(format == Format.JPEG ? reduction : 1) > limit) {
      return false;
    }
    if (format == Format.GIF) {
      return decodeWithImageIo(bytes, into);
    }
    try (PointerScope scope = new PointerScope()) {
      Mat encoded = new Mat(1, bytes.length, CV_8UC1, new BytePointer(bytes));
      Mat decoded = imdecode(encoded, flags);
      if (decoded == null
          || decoded.empty()
          || decoded.type() != CV_8UC3
          || (long) decoded.cols() * decoded.rows() > limit) {
        return false;
      }
      copyOut(decoded, into);
      return true;
    } catch (RuntimeException e) {
      return false; // OpenCV's own checks (cv::Exception), e.g. a TIFF tile larger than its image
    }
  }

  /** Decodes at {@code 1/reduction}, within {@link Image#MAX_PIXELS}. */
  public static boolean decode(byte[] bytes, int reduction, Image into) {
    return decode(bytes, reduction, Image.MAX_PIXELS, into);
  }

  /** Decodes at full size, within {@link Image#MAX_PIXELS}. */
  public static boolean decode(byte[] bytes, Image into) {
    return decode(bytes, 1, Image.MAX_PIXELS, into);
  }

  private static int readFlags(int reduction) {
    return switch (reduction) {
      case 1 -> IMREAD_COLOR;
      case 2 -> IMREAD_REDUCED_COLOR_2;
      case 4 -> IMREAD_REDUCED_COLOR_4;
      case 8 -> IMREAD_REDUCED_COLOR_8;
      default -> throw new IllegalArgumentException("reduction must be 1, 2, 4 or 8: " + reduction);
    };
  }

  private static boolean decodeWithImageIo(byte[] bytes, Image into) {
    BufferedImage image;
    try {
      image = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      return false;
    }
    if (image == null) {
      return false;
    }
    into.resize(image.getWidth(), image.getHeight());
    byte[] bgr = into.bgr();
    int i = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int argb = image.getRGB(x, y);
        bgr[i++] = (byte) argb;
        bgr[i++] = (byte) (argb >> 8);
        bgr[i++] = (byte) (argb >> 16);
      }
    }
    return true;
  }

  /**
   * Resizes so that the short side is {@code size} (area averaging when shrinking, bicubic when
   * enlarging), then crops the central {@code size x size} square: the paper's preprocessing.
   */
  public static Image resizeAndCentreCrop(Image source, int size) {
    try (PointerScope scope = new PointerScope()) {
      Mat in = asMat(source);
      int w = source.width();
      int h = source.height();
      double scale = (double) size / Math.min(w, h);
      int newW = w <= h ? size : Math.max(size, (int) Math.round(w * scale));
      int newH = h < w ? size : Math.max(size, (int) Math.round(h * scale));
      Mat resized = new Mat();
      if (newW == w && newH == h) {
        resized = in;
      } else {
        resize(in, resized, new Size(newW, newH), 0, 0, scale < 1 ? INTER_AREA : INTER_CUBIC);
      }
      Mat cropped = new Mat(resized, new Rect((newW - size) / 2, (newH - size) / 2, size, size));
      Image out = new Image();
      copyOut(cropped, out);
      return out;
    }
  }

  /** Encodes as a baseline JPEG of the given quality (1-100). */
  public static byte[] encodeJpeg(Image image, int quality) {
    try (PointerScope scope = new PointerScope()) {
      BytePointer out = new BytePointer();
      if (!imencode(".jpg", asMat(image), out, new IntPointer(IMWRITE_JPEG_QUALITY, quality))) {
        throw new IllegalStateException("JPEG encoding failed");
      }
      byte[] bytes = new byte[(int) out.limit()];
      out.get(bytes);
      return bytes;
    }
  }

  /** Encodes a single-channel 8-bit image (e.g. a greyscale scan) as JPEG. */
  public static byte[] encodeGreyJpeg(byte[] grey, int width, int height, int quality) {
    try (PointerScope scope = new PointerScope()) {
      Mat mat = new Mat(height, width, CV_8UC1, new BytePointer(grey));
      BytePointer out = new BytePointer();
      if (!imencode(".jpg", mat, out, new IntPointer(IMWRITE_JPEG_QUALITY, quality))) {
        throw new IllegalStateException("JPEG encoding failed");
      }
      byte[] bytes = new byte[(int) out.limit()];
      out.get(bytes);
      return bytes;
    }
  }

  private static Mat asMat(Image image) {
    return new Mat(image.height(), image.width(), CV_8UC3, new BytePointer(image.bgr()));
  }

  private static void copyOut(Mat mat, Image into) {
    int bytes = Image.bytes(mat.cols(), mat.rows());
    into.resize(mat.cols(), mat.rows());
    Mat continuous = mat.isContinuous() ? mat : mat.clone();
    continuous.data().get(into.bgr(), 0, bytes);
  }
}

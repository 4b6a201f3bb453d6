package org.alexnetspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnetspark.testing.CraftedInputs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Headers that lie, through every decoder: none may allocate for, or write past, what a header
 * claims. A crash here ends the test JVM (and leaves an hs_err_pid*.log, which is checked for).
 */
class CraftedImagesTest {
  private static final int BIG = CraftedInputs.WRAPS_TO_SMALL;
  private static final int NEGATIVE = CraftedInputs.WRAPS_TO_NEGATIVE;

  /** The paper's stored images: what the shards hold. */
  private static final long STORED_PIXELS = 256L * 256;

  /** Real small files whose headers claim far more pixels than the data holds. */
  static Map<String, byte[]> oversized() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] jpeg = CraftedInputs.jpeg(64, 48);
    files.put("jpeg " + BIG, CraftedInputs.jpegClaiming(jpeg, BIG, BIG));
    files.put("jpeg " + NEGATIVE, CraftedInputs.jpegClaiming(jpeg, NEGATIVE, NEGATIVE));
    files.put("jpeg 65535", CraftedInputs.jpegClaiming(jpeg, 65535, 65535));
    byte[] png = CraftedInputs.imageIo("png", 64, 48);
    files.put("png " + BIG, CraftedInputs.pngClaiming(png, BIG, BIG));
    files.put("png " + NEGATIVE, CraftedInputs.pngClaiming(png, NEGATIVE, NEGATIVE));
    files.put("png 2^31-1", CraftedInputs.pngClaiming(png, Integer.MAX_VALUE, Integer.MAX_VALUE));
    files.put("png 2^32-1", CraftedInputs.pngClaiming(png, 0xFFFFFFFFL, 0xFFFFFFFFL));
    files.put(
        "gif " + BIG, CraftedInputs.gifClaiming(CraftedInputs.imageIo("gif", 64, 48), BIG, BIG));
    files.put(
        "tiff " + BIG, CraftedInputs.tiffClaiming(CraftedInputs.imageIo("tiff", 64, 48), BIG, BIG));
    byte[] bmp = CraftedInputs.imageIo("bmp", 64, 48);
    files.put("bmp " + BIG, CraftedInputs.bmpClaiming(bmp, BIG, BIG));
    files.put("bmp min-int height", CraftedInputs.bmpClaiming(bmp, 64, Integer.MIN_VALUE));
    byte[] webp = CraftedInputs.webp(64, 48);
    files.put("webp 16383", CraftedInputs.webpClaiming(webp, 16383, 16383));
    files.put("webp extended " + BIG, CraftedInputs.webpExtendedClaiming(webp, BIG, BIG));
    files.put("webp extended 2^24", CraftedInputs.webpExtendedClaiming(webp, 1 << 24, 1 << 24));
    return files;
  }

  private static List<JpegDecoder> jpegDecoders() {
    List<JpegDecoder> decoders = new ArrayList<>(List.of(JpegDecoder.of(JpegDecoder.Kind.OPENCV)));
    try {
      decoders.add(JpegDecoder.of(JpegDecoder.Kind.TURBOJPEG));
    } catch (IllegalStateException e) {
      System.err.println("libturbojpeg not installed: only the OpenCV decoder is tried");
    }
    return decoders;
  }

  @Test
  void oversizedHeadersAreRefusedBeforeAnythingIsDecoded() {
    Image image = new Image();
    for (Map.Entry<String, byte[]> file : oversized().entrySet()) {
      long started = System.nanoTime();
      assertFalse(
          ImageCodec.decode(file.getValue(), 1, 200_000_000L, image), file.getKey() + ", 200 MP");
      assertFalse(ImageCodec.decode(file.getValue(), 8, STORED_PIXELS, image), file.getKey());
      // Refused from the header: no decoder ran, so no time went into a 1.4-gigapixel image.
      assertTrue(System.nanoTime() - started < 2_000_000_000L, file.getKey() + " took seconds");
      assertEquals(0, image.width(), "nothing was decoded into the image");
    }
  }

  @Test
  void theJpegDecodersRefuseSizesThatWouldOverflowOrExceedTheirLimit() {
    byte[] jpeg = CraftedInputs.jpeg(64, 48);
    for (JpegDecoder decoder : jpegDecoders()) {
      for (int side : new int[] {BIG, NEGATIVE, 65535}) {
        byte[] crafted = CraftedInputs.jpegClaiming(jpeg, side, side);
        Image image = new Image();
        // Without a limit: 3 x w x h does not fit in an int (37838: wraps to 175,436 bytes;
        // 26755: negative); both exceed what an Image can hold.
        assertFalse(decoder.decode(crafted, image), decoder.name() + " " + side);
        assertFalse(decoder.decode(crafted, STORED_PIXELS, image), decoder.name() + " " + side);
        assertEquals(0, image.width());
      }
      // An honest JPEG still decodes, and one over the given limit does not.
      Image image = new Image();
      assertTrue(decoder.decode(jpeg, image), decoder.name());
      assertEquals(64, image.width());
      assertFalse(decoder.decode(jpeg, 64L * 48 - 1, new Image()), decoder.name());
      // Empty images are refused, not handed to the decoder.
      assertFalse(decoder.decode(CraftedInputs.jpegClaiming(jpeg, 0, 48), image), decoder.name());
    }
  }

  @Test
  void headersClaimingLessThanTheDataNeverGiveMoreThanTheyClaim() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("jpeg", CraftedInputs.jpegClaiming(CraftedInputs.jpeg(64, 64), 16, 16));
    files.put("png", CraftedInputs.pngClaiming(CraftedInputs.imageIo("png", 64, 64), 16, 16));
    files.put("gif", CraftedInputs.gifClaiming(CraftedInputs.imageIo("gif", 64, 64), 16, 16));
    files.put("tiff", CraftedInputs.tiffClaiming(CraftedInputs.imageIo("tiff", 64, 64), 16, 16));
    files.put("bmp", CraftedInputs.bmpClaiming(CraftedInputs.imageIo("bmp", 64, 64), 16, 16));
    files.put("webp", CraftedInputs.webpClaiming(CraftedInputs.webp(64, 64), 16, 16));
    files.put(
        "webp extended", CraftedInputs.webpExtendedClaiming(CraftedInputs.webp(64, 64), 16, 16));
    List<JpegDecoder> decoders = jpegDecoders();
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      Image image = new Image();
      if (ImageCodec.decode(file.getValue(), 1, 16 * 16, image)) {
        assertEquals(16, image.width(), file.getKey());
        assertEquals(16, image.height(), file.getKey());
      }
    }
    for (JpegDecoder decoder : decoders) {
      Image image = new Image();
      if (decoder.decode(files.get("jpeg"), 16 * 16, image)) {
        assertEquals(16, image.width(), decoder.name());
        assertEquals(16, image.height(), decoder.name());
      }
    }
  }

  @AfterAll
  static void theJvmDidNotCrash() throws IOException {
    assertEquals(List.of(), CraftedInputs.crashLogs());
  }
}

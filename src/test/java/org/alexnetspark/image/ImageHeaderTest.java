package org.alexnetspark.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alexnetspark.testing.CraftedInputs;
import org.alexnetspark.testing.TestImages;
import org.junit.jupiter.api.Test;

/** Sizes read from headers alone: real files of every format, lying headers, headers cut short. */
class ImageHeaderTest {

  /** Real 40x30 files of every format the pipeline reads, made by ImageIO, OpenCV or by hand. */
  static Map<String, byte[]> realFiles() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("jpeg", CraftedInputs.jpeg(40, 30));
    files.put("jpeg with EXIF", TestImages.withExifOrientation(CraftedInputs.jpeg(40, 30), 1));
    files.put("png", CraftedInputs.imageIo("png", 40, 30));
    files.put("gif", CraftedInputs.imageIo("gif", 40, 30));
    files.put("bmp", CraftedInputs.imageIo("bmp", 40, 30));
    files.put("tiff", CraftedInputs.imageIo("tiff", 40, 30));
    files.put("webp", CraftedInputs.webp(40, 30));
    files.put(
        "webp extended", CraftedInputs.webpExtendedClaiming(CraftedInputs.webp(40, 30), 40, 30));
    byte[] header = "P6\n# a comment\n40 30\n255\n".getBytes(StandardCharsets.US_ASCII);
    byte[] pnm = Arrays.copyOf(header, header.length + 3 * 40 * 30);
    files.put("pnm", pnm);
    return files;
  }

  @Test
  void everyFormatsHeaderGivesTheSizeItWasWrittenWithAndDecodingAgrees() {
    realFiles()
        .forEach(
            (format, bytes) -> {
              ImageHeader.Dimensions dims = ImageHeader.read(bytes);
              assertEquals("40x30", String.valueOf(dims), format);
              assertTrue(dims.plausibleFor(bytes.length), format);
              Image image = new Image();
              assertTrue(ImageCodec.decode(bytes, image), format + " decodes");
              assertEquals(40, image.width(), format);
              assertEquals(30, image.height(), format);
            });
  }

  @Test
  void lyingHeadersAreReadAsTheyLie() {
    int side = CraftedInputs.WRAPS_TO_SMALL;
    String claimed = side + "x" + side;
    byte[] jpeg = CraftedInputs.jpeg(40, 30);
    ImageHeader.Dimensions lie = ImageHeader.read(CraftedInputs.jpegClaiming(jpeg, side, side));
    assertEquals(claimed, lie.toString());
    // 4730 x 4730 blocks of 8x8 pixels, two bits each at least: far more than the file holds.
    assertEquals(4730L * 4730 / 4, lie.minimumBytes());
    assertFalse(lie.plausibleFor(jpeg.length));
    assertEquals(
        claimed,
        String.valueOf(
            ImageHeader.read(
                CraftedInputs.pngClaiming(CraftedInputs.imageIo("png", 40, 30), side, side))));
    assertEquals(
        claimed,
        String.valueOf(
            ImageHeader.read(
                CraftedInputs.gifClaiming(CraftedInputs.imageIo("gif", 40, 30), side, side))));
    assertEquals(
        claimed,
        String.valueOf(
            ImageHeader.read(
                CraftedInputs.tiffClaiming(CraftedInputs.imageIo("tiff", 40, 30), side, side))));
    assertEquals(
        claimed,
        String.valueOf(
            ImageHeader.read(
                CraftedInputs.bmpClaiming(CraftedInputs.imageIo("bmp", 40, 30), side, -side))));
    assertEquals(
        claimed,
        String.valueOf(
            ImageHeader.read(
                CraftedInputs.webpExtendedClaiming(CraftedInputs.webp(40, 30), side, side))));
    assertEquals(
        new ImageHeader.Dimensions(16383, 16383, false),
        ImageHeader.read(CraftedInputs.webpClaiming(CraftedInputs.webp(40, 30), 16383, 16383)));
    // PNG sides are 32-bit unsigned: read in 64 bits, their product saturates.
    ImageHeader.Dimensions huge =
        ImageHeader.read(
            CraftedInputs.pngClaiming(
                CraftedInputs.imageIo("png", 4, 4), 0xFFFFFFFFL, 0xFFFFFFFFL));
    assertEquals(0xFFFFFFFFL, huge.width());
    assertEquals(Long.MAX_VALUE, huge.pixels());
  }

  @Test
  void progressiveJpegsCountTheirWholeSizeWhateverTheReduction() {
    byte[] jpeg = CraftedInputs.jpeg(40, 30);
    ImageHeader.Dimensions baseline = ImageHeader.read(jpeg);
    assertEquals(5L * 4, baseline.pixelsHeld(8), "ceil(40/8) x ceil(30/8)");
    byte[] progressive = jpeg.clone();
    for (int i = 2; ; ) {
      if ((progressive[i + 1] & 0xff) == 0xC0) {
        progressive[i + 1] = (byte) 0xC2;
        break;
      }
      i += 2 + (((progressive[i + 2] & 0xff) << 8) | (progressive[i + 3] & 0xff));
    }
    ImageHeader.Dimensions dims = ImageHeader.read(progressive);
    assertTrue(dims.progressive());
    assertEquals(40L * 30, dims.pixelsHeld(8));
  }

  @Test
  void headersCutShortOrGarbledGiveNoSizeAndNeverThrow() {
    for (Map.Entry<String, byte[]> file : realFiles().entrySet()) {
      byte[] bytes = file.getValue();
      for (int length = 0; length < Math.min(bytes.length, 200); length++) {
        byte[] cut = Arrays.copyOf(bytes, length);
        ImageHeader.Dimensions dims = ImageHeader.read(cut); // must not throw
        if (dims != null) {
          assertEquals(40, dims.width(), file.getKey() + " cut at " + length);
        }
      }
      assertNull(ImageHeader.read(Arrays.copyOf(bytes, 4)), file.getKey());
    }
    byte[] noFrame = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xDA, 0, 2, (byte) 0xFF};
    assertNull(ImageHeader.read(noFrame), "a scan before any frame header");
    byte[] zeroLength = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 0, 0, 0};
    assertNull(ImageHeader.read(zeroLength), "a segment length below 2 would loop forever");
  }
}

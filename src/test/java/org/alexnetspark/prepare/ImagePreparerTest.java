package org.alexnetspark.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.DataConfig;
import org.alexnetspark.data.Conversion;
import org.alexnetspark.data.Rejection;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.testing.CraftedInputs;
import org.alexnetspark.testing.TestImages;
import org.junit.jupiter.api.Test;

class ImagePreparerTest {
  private static final int SIZE = 80;

  private static DataConfig data(String... overrides) {
    List<String> all = new ArrayList<>(List.of("data.image-size=" + SIZE, "model.variant=scaled"));
    all.addAll(List.of(overrides));
    return AlexNetConfig.load(List.of(), all).data();
  }

  private static Image prepared(byte[] input) {
    ImagePreparer.Outcome outcome = new ImagePreparer(data()).prepare(input);
    ImagePreparer.Prepared prepared =
        assertInstanceOf(ImagePreparer.Prepared.class, outcome, () -> "rejected: " + outcome);
    assertEquals(ImageCodec.Format.JPEG, ImageCodec.sniff(prepared.jpeg()));
    Image image = new Image();
    assertTrue(ImageCodec.decode(prepared.jpeg(), image));
    assertEquals(SIZE, image.width());
    assertEquals(SIZE, image.height());
    return image;
  }

  private static String rejected(byte[] input, DataConfig config) {
    ImagePreparer.Outcome outcome = new ImagePreparer(config).prepare(input);
    return assertInstanceOf(ImagePreparer.Rejected.class, outcome, () -> "accepted: " + outcome)
        .reason();
  }

  @Test
  void everyCommonFormatAndPixelTypeBecomesAnRgbJpegOfTheStoredSize() {
    prepared(TestImages.encode(TestImages.noise(50, 30, BufferedImage.TYPE_4BYTE_ABGR, 1), "png"));
    prepared(TestImages.encode(TestImages.noise(40, 45, BufferedImage.TYPE_USHORT_GRAY, 2), "png"));
    prepared(TestImages.encode(TestImages.noise(33, 31, BufferedImage.TYPE_3BYTE_BGR, 3), "bmp"));
    prepared(
        TestImages.encode(TestImages.noise(90, 70, BufferedImage.TYPE_BYTE_INDEXED, 4), "gif"));
    prepared(TestImages.cmykJpeg(120, 100));
  }

  @Test
  void greyscaleInputGivesEqualChannelsAndSmallImagesAreEnlarged() {
    Image image =
        prepared(
            TestImages.encode(TestImages.noise(28, 28, BufferedImage.TYPE_BYTE_GRAY, 5), "png"));
    for (int p = 0; p < SIZE * SIZE; p += 97) {
      int x = p % SIZE;
      int y = p / SIZE;
      assertEquals(image.rgb(x, y, 0), image.rgb(x, y, 1), 2);
      assertEquals(image.rgb(x, y, 1), image.rgb(x, y, 2), 2);
    }
  }

  @Test
  void exifOrientationIsApplied() {
    // Stored landscape, left half red, right half blue; orientation 6 means: turn 90 degrees
    // clockwise to display, so the left half becomes the top half.
    byte[] photo = TestImages.withExifOrientation(TestImages.halvesJpeg(160, 100), 6);
    Image decoded = new Image();
    assertTrue(ImageCodec.decode(photo, decoded));
    assertEquals(100, decoded.width());
    assertEquals(160, decoded.height());
    Image stored = prepared(photo);
    assertTrue(stored.rgb(SIZE / 2, 5, 0) > 200 && stored.rgb(SIZE / 2, 5, 2) < 60, "top is red");
    assertTrue(
        stored.rgb(SIZE / 2, SIZE - 5, 2) > 200 && stored.rgb(SIZE / 2, SIZE - 5, 0) < 60,
        "bottom is blue");
  }

  @Test
  void shortSideIsResizedThenTheCentreSquareKept() {
    // 240x80, left half red: after resizing to 240x80 -> 240x80 scaled to short side 80 (no change)
    // and cropping the central 80 columns (80..160), the left half of the crop is red.
    Image stored = prepared(TestImages.halvesJpeg(480, 160));
    assertTrue(stored.rgb(10, SIZE / 2, 0) > 200, "left of centre is red");
    assertTrue(stored.rgb(SIZE - 10, SIZE / 2, 2) > 200, "right of centre is blue");
  }

  /** What preparing {@code input} converted (null for nothing). */
  private static ImagePreparer.Converted converted(byte[] input) {
    ImagePreparer.Outcome outcome = new ImagePreparer(data()).prepare(input);
    return assertInstanceOf(ImagePreparer.Prepared.class, outcome, () -> "rejected: " + outcome)
        .converted();
  }

  @Test
  void whatDecodingConvertedComesWithTheImage() {
    assertNull(converted(TestImages.texturedJpeg(120, 90)), "a plain RGB JPEG");
    assertNull(
        converted(
            TestImages.encode(TestImages.noise(120, 90, BufferedImage.TYPE_BYTE_GRAY, 1), "jpg")),
        "greyscale is replicated into RGB, which loses nothing");

    ImagePreparer.Converted cmyk = converted(TestImages.cmykJpeg(64, 48));
    assertEquals(List.of(Conversion.Step.CMYK_TO_RGB), cmyk.done());
    assertEquals("JPEG, CMYK, 8 bits", cmyk.was());

    byte[] png =
        TestImages.encode(TestImages.noise(120, 90, BufferedImage.TYPE_3BYTE_BGR, 2), "png");
    ImagePreparer.Converted decoded = converted(png);
    assertEquals(List.of(Conversion.Step.OTHER_FORMAT_DECODED), decoded.done());
    assertEquals("PNG, RGB, 8 bits", decoded.was());

    ImagePreparer.Converted rotated =
        converted(TestImages.withExifOrientation(TestImages.halvesJpeg(120, 90), 6));
    assertEquals(List.of(Conversion.Step.EXIF_ROTATED), rotated.done());
    assertEquals("JPEG, YCbCr, 8 bits, EXIF orientation 6", rotated.was());

    byte[] big = ImageCodec.encodeJpeg(new Image(4000, 3000, new byte[3 * 4000 * 3000]), 80);
    ImagePreparer.Converted downscaled = converted(big);
    assertEquals(List.of(Conversion.Step.DOWNSCALED), downscaled.done());
    // 3000 / 8 = 375 is still at least 80: decoded at 1/8 straight from the DCT.
    assertEquals("JPEG, YCbCr, 8 bits, decoded at 1/8", downscaled.was());
  }

  @Test
  void hugeJpegsAreDecodedDownscaledHugeOthersRefused() {
    byte[] bigJpeg = ImageCodec.encodeJpeg(new Image(4000, 3000, new byte[3 * 4000 * 3000]), 80);
    // 12 megapixels, over a 1-megapixel limit, but decoded at 1/8 (500x375) straight from the DCT.
    ImagePreparer strict = new ImagePreparer(data("data.max-input-megapixels=1"));
    assertInstanceOf(ImagePreparer.Prepared.class, strict.prepare(bigJpeg));
    byte[] bigPng =
        TestImages.encode(new BufferedImage(2000, 1000, BufferedImage.TYPE_3BYTE_BGR), "png");
    String reason = rejected(bigPng, data("data.max-input-megapixels=1"));
    assertTrue(reason.startsWith("too large: 2000x1000 pixels"), reason);
  }

  @Test
  void brokenInputsAreRejectedWithReasons() {
    byte[] good = TestImages.halvesJpeg(64, 64);
    DataConfig config = data();
    assertEquals("empty file (0 bytes)", rejected(new byte[0], config));
    assertEquals(
        "truncated JPEG (no end-of-image marker)",
        rejected(Arrays.copyOf(good, good.length / 2), config));
    assertTrue(
        rejected("just text".getBytes(StandardCharsets.UTF_8), config)
            .startsWith("not an image (unrecognised content"));
    byte[] garbled = good.clone();
    new Random(1).nextBytes(garbled);
    garbled[0] = (byte) 0xFF;
    garbled[1] = (byte) 0xD8;
    garbled[2] = (byte) 0xFF;
    garbled[garbled.length - 2] = (byte) 0xFF;
    garbled[garbled.length - 1] = (byte) 0xD9;
    String garbledReason = rejected(garbled, config);
    assertTrue(
        garbledReason.startsWith("cannot decode JPEG (corrupt or unsupported variant"),
        garbledReason);
    byte[] pngHeaderOnly =
        Arrays.copyOf(
            TestImages.encode(TestImages.noise(20, 20, BufferedImage.TYPE_3BYTE_BGR, 1), "png"),
            40);
    assertEquals(
        "cannot decode PNG (its header declares 20x20; corrupt or unsupported variant)",
        rejected(pngHeaderOnly, config));
  }

  @Test
  void lyingHeadersAreRefusedFromTheHeaderNamingTheDeclaredSize() {
    int big = CraftedInputs.WRAPS_TO_SMALL;
    Map<String, byte[]> crafted = new LinkedHashMap<>();
    crafted.put("PNG", CraftedInputs.pngClaiming(CraftedInputs.imageIo("png", 64, 48), big, big));
    crafted.put("GIF", CraftedInputs.gifClaiming(CraftedInputs.imageIo("gif", 64, 48), big, big));
    crafted.put(
        "TIFF", CraftedInputs.tiffClaiming(CraftedInputs.imageIo("tiff", 64, 48), big, big));
    crafted.put("BMP", CraftedInputs.bmpClaiming(CraftedInputs.imageIo("bmp", 64, 48), big, big));
    crafted.put("WEBP", CraftedInputs.webpExtendedClaiming(CraftedInputs.webp(64, 48), big, big));
    // Even at 1/8 scale a 37838-pixel JPEG is 22 megapixels, over a 1-megapixel limit.
    crafted.put("JPEG", CraftedInputs.jpegClaiming(CraftedInputs.jpeg(64, 48), big, big));
    ImagePreparer strict = new ImagePreparer(data("data.max-input-megapixels=1"));
    for (Map.Entry<String, byte[]> input : crafted.entrySet()) {
      ImagePreparer.Rejected rejected =
          assertInstanceOf(ImagePreparer.Rejected.class, strict.prepare(input.getValue()));
      assertEquals(Rejection.Reason.TOO_LARGE, rejected.kind(), input.getKey());
      assertTrue(
          rejected
              .reason()
              .startsWith(
                  "too large: 37838x37838 pixels, as its " + input.getKey() + " header declares"),
          rejected.reason());
    }
    // The paper's 200-megapixel limit refuses the WebP at the lossy format's maximum (16383^2);
    // JPEGs at 1/8 scale pass it, and their integrity check (1/64 of the pixels) finds the data
    // too short for the size claimed.
    ImagePreparer paper = new ImagePreparer(data());
    byte[] webp = CraftedInputs.webpClaiming(CraftedInputs.webp(64, 48), 16383, 16383);
    assertEquals(
        Rejection.Reason.TOO_LARGE,
        assertInstanceOf(ImagePreparer.Rejected.class, paper.prepare(webp)).kind());
    for (int side : new int[] {big, CraftedInputs.WRAPS_TO_NEGATIVE, 65535}) {
      byte[] jpeg = CraftedInputs.jpegClaiming(CraftedInputs.jpeg(64, 48), side, side);
      ImagePreparer.Rejected rejected =
          assertInstanceOf(ImagePreparer.Rejected.class, paper.prepare(jpeg), "" + side);
      assertEquals(Rejection.Reason.UNDECODABLE, rejected.kind(), rejected.reason());
    }
  }

  @Test
  void headersClaimingLessThanTheDataGiveAStoredImageOrARejection() {
    List<byte[]> inputs =
        List.of(
            CraftedInputs.jpegClaiming(CraftedInputs.jpeg(64, 64), 16, 16),
            CraftedInputs.pngClaiming(CraftedInputs.imageIo("png", 64, 64), 16, 16),
            CraftedInputs.gifClaiming(CraftedInputs.imageIo("gif", 64, 64), 16, 16),
            CraftedInputs.tiffClaiming(CraftedInputs.imageIo("tiff", 64, 64), 16, 16),
            CraftedInputs.bmpClaiming(CraftedInputs.imageIo("bmp", 64, 64), 16, 16),
            CraftedInputs.webpClaiming(CraftedInputs.webp(64, 64), 16, 16));
    for (byte[] input : inputs) {
      ImagePreparer.Outcome outcome = new ImagePreparer(data()).prepare(input);
      if (outcome instanceof ImagePreparer.Prepared prepared) {
        Image image = new Image();
        assertTrue(ImageCodec.decode(prepared.jpeg(), image));
        assertEquals(SIZE, image.width());
      } else {
        assertInstanceOf(ImagePreparer.Rejected.class, outcome);
      }
    }
  }
}

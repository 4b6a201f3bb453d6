package org.alexnetspark.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.image.JpegDecoder.PackedImage;
import org.alexnetspark.prepare.IdxImageTree;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packed path (one int per pixel, what training uses) against the byte path it replaced, which
 * stays here as the reference: the same decoded pixels, and bit for bit the same network inputs for
 * the same crops, mirrors and colour noise.
 */
class PackedAugmentationTest {
  private static final int STORED = 256;
  private static final double[][] EIGENVECTORS = {
    {0.6884511246796327, 0.3266925060476188, 0.6475392307958463},
    {-0.20253751417183627, 0.9438882424731898, -0.2608707363311685},
    {-0.6964291810948491, 0.048445765689063114, 0.7159884101760013}
  };
  private static final double[] EIGENVALUES = {0.306, 0.132, 0.043};

  /** Stored colour JPEGs made from real photos: three Fashion-MNIST photos as red, green, blue. */
  private static List<byte[]> stored;

  @BeforeAll
  static void prepareStoredImages() throws IOException {
    List<byte[]> grey =
        IdxImageTree.firstImagesAsJpeg(
            new Configuration(),
            Path.of(IdxImageTree.FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz").toUri(),
            18);
    stored = new ArrayList<>();
    for (int i = 0; i + 2 < grey.size(); i += 3) {
      Image[] channels = new Image[3];
      for (int c = 0; c < 3; c++) {
        channels[c] = new Image();
        assertTrue(ImageCodec.decode(grey.get(i + c), channels[c]), "photo " + (i + c));
      }
      int w = channels[0].width();
      int h = channels[0].height();
      byte[] bgr = new byte[3 * w * h];
      for (int p = 0; p < w * h; p++) {
        bgr[3 * p + 2] = channels[0].bgr()[3 * p];
        bgr[3 * p + 1] = channels[1].bgr()[3 * p];
        bgr[3 * p] = channels[2].bgr()[3 * p];
      }
      Image colour = ImageCodec.resizeAndCentreCrop(new Image(w, h, bgr), STORED);
      stored.add(ImageCodec.encodeJpeg(colour, 95));
    }
  }

  /** A mean image whose every value differs, with fractions, so a wrong index shows. */
  private static float[] meanImage() {
    float[] mean = new float[3 * STORED * STORED];
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < mean.length; i++) {
      mean[i] = (float) (60 + 120 * random.nextDouble());
    }
    return mean;
  }

  @Test
  void packedDecodeHasTheSamePixelsAsTheByteDecode() {
    for (JpegDecoder.Kind kind :
        new JpegDecoder.Kind[] {JpegDecoder.Kind.AUTO, JpegDecoder.Kind.OPENCV}) {
      JpegDecoder decoder = JpegDecoder.of(kind);
      for (int i = 0; i < stored.size(); i++) {
        Image bytes = new Image();
        PackedImage packed = new PackedImage();
        assertTrue(decoder.decode(stored.get(i), bytes));
        assertTrue(decoder.decode(stored.get(i), Image.MAX_PIXELS, packed));
        assertEquals(STORED, packed.width());
        assertEquals(STORED, packed.height());
        boolean coloured = false;
        for (int y = 0; y < STORED; y++) {
          for (int x = 0; x < STORED; x++) {
            int p = packed.rgb()[y * STORED + x];
            int[] rgb = {(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff};
            for (int c = 0; c < 3; c++) {
              assertEquals(
                  bytes.rgb(x, y, c),
                  rgb[c],
                  decoder.name() + ", image " + i + ", channel " + c + " at " + x + "," + y);
            }
            coloured |= rgb[0] != rgb[1] || rgb[1] != rgb[2];
          }
        }
        assertTrue(coloured, "image " + i + " has colour, so a swapped channel would show");
      }
    }
  }

  @Test
  void trainingInputsAreBitForBitThoseOfTheBytePath() {
    for (float scale : new float[] {1f, 1f / 58}) {
      for (float[] mean : new float[][] {meanImage(), null}) {
        Augmenter augmenter =
            new Augmenter(
                STORED, 227, 0.5, new PcaLighting(EIGENVECTORS, EIGENVALUES, 0.1), mean, scale);
        int mirrored = 0;
        int plain = 0;
        for (int i = 0; i < stored.size(); i++) {
          for (int epoch = 0; epoch < 6; epoch++) {
            String key = "photo-" + i;
            float[] expected = new float[augmenter.floatsPerImage(Preset.TRAIN)];
            float[] actual = new float[expected.length];
            augmenter.apply(
                Preset.TRAIN, decodeBytes(i), Augmenter.random(3, epoch, key), expected, 0);
            augmenter.apply(
                Preset.TRAIN, decodePacked(i), Augmenter.random(3, epoch, key), actual, 0);
            assertArrayEquals(
                expected,
                actual,
                "image "
                    + i
                    + ", epoch "
                    + epoch
                    + ", scale "
                    + scale
                    + ", mean "
                    + (mean != null));
            if (augmenter.trainWindow(Augmenter.random(3, epoch, key)).mirror()) {
              mirrored++;
            } else {
              plain++;
            }
          }
        }
        assertTrue(mirrored > 0 && plain > 0, mirrored + " mirrored, " + plain + " not");
      }
    }
  }

  @Test
  void evaluationCropsAreBitForBitThoseOfTheBytePath() {
    Augmenter augmenter =
        new Augmenter(
            STORED, 224, 0.5, new PcaLighting(EIGENVECTORS, EIGENVALUES, 0.1), meanImage());
    for (Preset preset : new Preset[] {Preset.CENTRE, Preset.TEN_CROP}) {
      for (int i = 0; i < stored.size(); i++) {
        float[] expected = new float[augmenter.floatsPerImage(preset)];
        float[] actual = new float[expected.length];
        augmenter.apply(preset, decodeBytes(i), null, expected, 0);
        augmenter.apply(preset, decodePacked(i), null, actual, 0);
        assertArrayEquals(expected, actual, preset + ", image " + i);
      }
    }
  }

  private static Image decodeBytes(int i) {
    Image image = new Image();
    assertTrue(JpegDecoder.of(JpegDecoder.Kind.AUTO).decode(stored.get(i), image));
    return image;
  }

  private static PackedImage decodePacked(int i) {
    PackedImage image = new PackedImage();
    assertTrue(
        JpegDecoder.of(JpegDecoder.Kind.AUTO).decode(stored.get(i), Image.MAX_PIXELS, image));
    return image;
  }
}

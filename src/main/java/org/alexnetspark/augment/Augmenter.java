package org.alexnetspark.augment;

import java.io.Serializable;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.alexnetspark.config.AugmentConfig;
import org.alexnetspark.image.Image;

/**
 * Turns decoded stored images into network inputs, written straight into an NCHW float batch:
 * channel planes red, green, blue of {@code crop x crop} values, mean subtracted (0..255 scale).
 *
 * <p>Every transform reads each output pixel once from its source pixel, so cropping, mirroring,
 * mean subtraction and colour noise cost one pass over the crop. The mean image is indexed at the
 * source pixel, i.e. subtracted before cropping and mirroring, as the paper describes.
 */
public final class Augmenter implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final float[] NO_OFFSET = new float[3];

  private final int stored;
  private final int crop;
  private final double mirrorProbability;
  private final PcaLighting lighting;
  /** Values subtracted per source pixel: RGB planes of stored x stored, or null. */
  private final float[] mean;
  /** {@link #mean} mirrored left to right, made lazily (not serialised). */
  private transient volatile float[] mirrored;
  /** Per-thread scratch rows, one per channel. */
  private static final ThreadLocal<float[][]> ROWS =
      ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});

  /**
   * @param storedSize side of the stored images
   * @param cropSize side of the network input
   * @param meanToSubtract RGB planes of {@code storedSize^2} values (0..255), or null for none
   */
  public Augmenter(int storedSize, int cropSize, double mirrorProbability, PcaLighting lighting,
      float[] meanToSubtract) {
    if (cropSize > storedSize) {
      throw new IllegalArgumentException("crop " + cropSize + " is larger than the stored images ("
          + storedSize + ")");
    }
    if (meanToSubtract != null && meanToSubtract.length != 3 * storedSize * storedSize) {
      throw new IllegalArgumentException("the mean image has " + meanToSubtract.length
          + " values, expected 3 x " + storedSize + " x " + storedSize);
    }
    this.stored = storedSize;
    this.crop = cropSize;
    this.mirrorProbability = mirrorProbability;
    this.lighting = lighting;
    this.mean = meanToSubtract;
  }

  /**
   * The augmentation configured by {@code config} for a training set with the given statistics.
   *
   * @param meanImage the training set's mean image (RGB planes, 0..255)
   * @param meanRgb the training set's channel means (0..255)
   */
  public static Augmenter of(AugmentConfig config, int storedSize, int cropSize,
      double[][] eigenvectors, double[] eigenvalues, float[] meanImage, double[] meanRgb) {
    float[] subtract = switch (config.mean()) {
      case IMAGE -> meanImage;
      case CHANNEL -> channelPlanes(meanRgb, storedSize);
      case NONE -> null;
    };
    return new Augmenter(storedSize, cropSize, config.mirrorProbability(),
        new PcaLighting(eigenvectors, eigenvalues, config.pcaNoiseStd()), subtract);
  }

  private static float[] channelPlanes(double[] meanRgb, int size) {
    float[] planes = new float[3 * size * size];
    for (int c = 0; c < 3; c++) {
      java.util.Arrays.fill(planes, c * size * size, (c + 1) * size * size, (float) meanRgb[c]);
    }
    return planes;
  }

  /**
   * The random stream of one image in one epoch: the same for the same (seed, epoch, key) whatever
   * executor or partition the image lands in, different for every epoch.
   */
  public static SplittableRandom random(long seed, int epoch, String key) {
    long h = seed * 0x9E3779B97F4A7C15L + epoch;
    for (int i = 0; i < key.length(); i++) {
      h = (h ^ key.charAt(i)) * 0x100000001B3L;
    }
    return new SplittableRandom(h);
  }

  public int cropSize() {
    return crop;
  }

  /** Floats written per image by {@code preset}. */
  public int floatsPerImage(Preset preset) {
    return preset.cropsPerImage() * 3 * crop * crop;
  }

  /**
   * Writes {@code preset}'s crops of {@code image} into {@code out} from {@code offset}.
   *
   * @param random used by {@link Preset#TRAIN} only (crop position, mirror, colour noise)
   */
  public void apply(Preset preset, Image image, RandomGenerator random, float[] out, int offset) {
    checkSize(image);
    switch (preset) {
      case TRAIN -> {
        CropWindow window = trainWindow(random);
        float[] noise = lighting.enabled() ? lighting.offset(lighting.coefficients(random)) : NO_OFFSET;
        write(image, window, noise, out, offset);
      }
      case CENTRE -> write(image, centreWindow(), NO_OFFSET, out, offset);
      case TEN_CROP -> {
        CropWindow[] windows = tenCropWindows();
        for (int i = 0; i < windows.length; i++) {
          write(image, windows[i], NO_OFFSET, out, offset + i * 3 * crop * crop);
        }
      }
    }
  }

  /** A uniformly random crop position, mirrored with the configured probability. */
  public CropWindow trainWindow(RandomGenerator random) {
    int x = random.nextInt(stored - crop + 1);
    int y = random.nextInt(stored - crop + 1);
    return new CropWindow(x, y, random.nextDouble() < mirrorProbability);
  }

  public CropWindow centreWindow() {
    int corner = (stored - crop) / 2;
    return new CropWindow(corner, corner, false);
  }

  /** Top-left, top-right, bottom-left, bottom-right, centre; then the same five mirrored. */
  public CropWindow[] tenCropWindows() {
    int far = stored - crop;
    int centre = far / 2;
    int[][] corners = {{0, 0}, {far, 0}, {0, far}, {far, far}, {centre, centre}};
    CropWindow[] windows = new CropWindow[10];
    for (int i = 0; i < 5; i++) {
      windows[i] = new CropWindow(corners[i][0], corners[i][1], false);
      windows[i + 5] = new CropWindow(corners[i][0], corners[i][1], true);
    }
    return windows;
  }

  /**
   * Writes one crop: {@code out[offset + c*crop*crop + y*crop + x] = pixel(c) - mean(c) + noise(c)}
   * at source column {@code window.x + (mirror ? crop-1-x : x)} and row {@code window.y + y}.
   *
   * <p>Two passes per row: a scalar one that separates the row's interleaved BGR bytes into three
   * small float rows (mirroring on the way), then a straight-line one that adds the noise and
   * subtracts the mean, which the JIT turns into SIMD code. Mirrored crops read the mean from a
   * mirrored copy of the mean image, so that the second pass always runs forwards.
   */
  public void write(Image image, CropWindow window, float[] rgbOffset, float[] out, int offset) {
    byte[] bgr = image.bgr();
    int plane = crop * crop;
    float[][] rows = ROWS.get();
    if (rows[0].length < crop) {
      rows = new float[][] {new float[crop], new float[crop], new float[crop]};
      ROWS.set(rows);
    }
    float[] red = rows[0];
    float[] green = rows[1];
    float[] blue = rows[2];
    boolean mirror = window.mirror();
    float[] m = mirror ? mirroredMean() : mean;
    // Column of the mean (in m) for output column 0; the mean is read forwards from there.
    int meanColumn = mirror ? stored - window.x() - crop : window.x();
    for (int y = 0; y < crop; y++) {
      int row = window.y() + y;
      int pixel = 3 * (row * stored + window.x());
      if (mirror) {
        for (int x = crop - 1; x >= 0; x--, pixel += 3) {
          blue[x] = bgr[pixel] & 0xff;
          green[x] = bgr[pixel + 1] & 0xff;
          red[x] = bgr[pixel + 2] & 0xff;
        }
      } else {
        for (int x = 0; x < crop; x++, pixel += 3) {
          blue[x] = bgr[pixel] & 0xff;
          green[x] = bgr[pixel + 1] & 0xff;
          red[x] = bgr[pixel + 2] & 0xff;
        }
      }
      int at = offset + y * crop;
      int meanAt = row * stored + meanColumn;
      finishRow(red, rgbOffset[0], m, meanAt, out, at);
      finishRow(green, rgbOffset[1], m, stored * stored + meanAt, out, at + plane);
      finishRow(blue, rgbOffset[2], m, 2 * stored * stored + meanAt, out, at + 2 * plane);
    }
  }

  private void finishRow(float[] values, float add, float[] m, int meanAt, float[] out, int at) {
    if (m == null) {
      for (int x = 0; x < crop; x++) {
        out[at + x] = values[x] + add;
      }
    } else {
      for (int x = 0; x < crop; x++) {
        out[at + x] = values[x] + add - m[meanAt + x];
      }
    }
  }

  /** The mean image mirrored left to right, made once on first use. */
  private float[] mirroredMean() {
    if (mean == null) {
      return null;
    }
    float[] flipped = mirrored;
    if (flipped == null) {
      flipped = new float[mean.length];
      for (int row = 0; row < 3 * stored; row++) {
        for (int x = 0; x < stored; x++) {
          flipped[row * stored + x] = mean[row * stored + stored - 1 - x];
        }
      }
      mirrored = flipped;
    }
    return flipped;
  }

  private void checkSize(Image image) {
    if (image.width() != stored || image.height() != stored) {
      throw new IllegalArgumentException("expected a stored " + stored + "x" + stored
          + " image, got " + image.width() + "x" + image.height());
    }
  }
}

package org.alexnetspark.augment;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.alexnetspark.config.AugmentConfig;
import org.alexnetspark.config.Seeds;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.JpegDecoder.PackedImage;
import org.alexnetspark.simd.VectorApi;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

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
  private final float scale;
  private final AugmentConfig.FloatConversion conversion;

  /** Values subtracted per source pixel: RGB planes of stored x stored, or null. */
  private final float[] mean;

  /** The mean image mirrored left to right, made on first use of a mirrored crop. */
  private transient volatile float[] mirroredMean;

  /**
   * Per thread, the mean image and its mirror as ND4J arrays {@code [3, stored, stored]}, for
   * {@link #toFloats(ByteCrops)}: on GPU backends each worker thread keeps them on its own device.
   */
  private transient volatile ThreadLocal<INDArray[]> meanArrays;

  /** The row loops of packed crops: vectorised where the JVM has the Vector API. */
  private static final CropRows ROWS = CropRows.best();

  /** Per-thread row of a mirrored crop, source pixels in output order. */
  private static final ThreadLocal<int[][]> ROW = ThreadLocal.withInitial(() -> new int[1][0]);

  /** Per-thread byte-to-float tables, one per channel. */
  private static final ThreadLocal<float[][]> TABLES =
      ThreadLocal.withInitial(() -> new float[3][256]);

  /**
   * @param storedSize side of the stored images
   * @param cropSize side of the network input
   * @param meanToSubtract RGB planes of {@code storedSize^2} values (0..255), or null for none
   */
  public Augmenter(
      int storedSize,
      int cropSize,
      double mirrorProbability,
      PcaLighting lighting,
      float[] meanToSubtract) {
    this(storedSize, cropSize, mirrorProbability, lighting, meanToSubtract, 1f);
  }

  /**
   * @param scale multiplier applied to every value after mean subtraction
   */
  public Augmenter(
      int storedSize,
      int cropSize,
      double mirrorProbability,
      PcaLighting lighting,
      float[] meanToSubtract,
      float scale) {
    this(
        storedSize,
        cropSize,
        mirrorProbability,
        lighting,
        meanToSubtract,
        scale,
        AugmentConfig.FloatConversion.AUTO);
  }

  /**
   * @param scale multiplier applied to every value after mean subtraction
   * @param conversion where the crops become floats ({@link #convertsOnBackend()})
   */
  public Augmenter(
      int storedSize,
      int cropSize,
      double mirrorProbability,
      PcaLighting lighting,
      float[] meanToSubtract,
      float scale,
      AugmentConfig.FloatConversion conversion) {
    if (cropSize > storedSize) {
      throw new IllegalArgumentException(
          "crop " + cropSize + " is larger than the stored images (" + storedSize + ")");
    }
    if (meanToSubtract != null && meanToSubtract.length != 3 * storedSize * storedSize) {
      throw new IllegalArgumentException(
          "the mean image has "
              + meanToSubtract.length
              + " values, expected 3 x "
              + storedSize
              + " x "
              + storedSize);
    }
    this.stored = storedSize;
    this.crop = cropSize;
    this.mirrorProbability = mirrorProbability;
    this.lighting = lighting;
    this.mean = meanToSubtract;
    this.scale = scale;
    this.conversion = conversion;
  }

  /**
   * The augmentation configured by {@code config} for a training set with the given statistics.
   *
   * @param meanImage the training set's mean image (RGB planes, 0..255)
   * @param meanRgb the training set's channel means (0..255)
   */
  public static Augmenter of(
      AugmentConfig config,
      int storedSize,
      int cropSize,
      double[][] eigenvectors,
      double[] eigenvalues,
      float[] meanImage,
      double[] meanRgb) {
    float[] subtract =
        switch (config.mean()) {
          case IMAGE -> meanImage;
          case CHANNEL -> channelPlanes(meanRgb, storedSize);
          case NONE -> null;
        };
    return new Augmenter(
        storedSize,
        cropSize,
        config.mirrorProbability(),
        new PcaLighting(eigenvectors, eigenvalues, config.pcaNoiseStd()),
        subtract,
        (float) config.scale(),
        config.floatConversion());
  }

  private static float[] channelPlanes(double[] meanRgb, int size) {
    float[] planes = new float[3 * size * size];
    for (int c = 0; c < 3; c++) {
      Arrays.fill(planes, c * size * size, (c + 1) * size * size, (float) meanRgb[c]);
    }
    return planes;
  }

  /**
   * The random stream of one image in one epoch: the same for the same (seed, epoch, key) whatever
   * executor or partition the image lands in, different for every epoch.
   */
  public static SplittableRandom random(long seed, int epoch, String key) {
    return new SplittableRandom(Seeds.derive(seed, epoch, key));
  }

  /** Whether crops are written with the Vector API here (the JVM has jdk.incubator.vector). */
  public static boolean vectorised() {
    return VectorApi.available();
  }

  /**
   * Whether minibatches are handed over as byte crops and converted by ND4J's backend ({@link
   * #toFloats(ByteCrops)}) rather than written as floats by the augmentation loop: {@code
   * augment.float-conversion}, with {@code auto} resolved by this JVM's backend.
   */
  public boolean convertsOnBackend() {
    return switch (conversion) {
      case CPU -> false;
      case BACKEND -> true;
      case AUTO -> !Nd4j.getEnvironment().isCPU();
    };
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
    forEachCrop(
        preset,
        random,
        (window, noise, i) -> write(image, window, noise, out, offset + i * 3 * crop * crop));
  }

  /**
   * Writes {@code preset}'s crops of {@code image} into {@code out} from {@code offset}: the very
   * values {@link #apply(Preset, Image, RandomGenerator, float[], int)} writes for the same pixels
   * and random stream, computed from one int per pixel.
   *
   * @param random used by {@link Preset#TRAIN} only (crop position, mirror, colour noise)
   */
  public void apply(
      Preset preset, PackedImage image, RandomGenerator random, float[] out, int offset) {
    checkSize(image.width(), image.height());
    forEachCrop(
        preset,
        random,
        (window, noise, i) -> write(image, window, noise, out, offset + i * 3 * crop * crop));
  }

  /**
   * Appends {@code preset}'s crops of {@code image} to {@code into} as bytes: the crops {@link
   * #apply(Preset, PackedImage, RandomGenerator, float[], int)} writes, from the same random
   * stream, before their conversion to floats. {@link #toFloats(ByteCrops)} makes the very same
   * floats.
   *
   * @param random used by {@link Preset#TRAIN} only (crop position, mirror, colour noise)
   */
  public void apply(Preset preset, PackedImage image, RandomGenerator random, ByteCrops into) {
    checkSize(image.width(), image.height());
    if (into.side() != crop) {
      throw new IllegalArgumentException(
          "crops of side " + into.side() + " cannot hold this augmentation's " + crop);
    }
    forEachCrop(preset, random, (window, noise, i) -> write(image, window, noise, into, ROWS));
  }

  /** Where {@link #forEachCrop} hands each crop of an image: its window, colour noise and index. */
  @FunctionalInterface
  private interface CropSink {
    void write(CropWindow window, float[] rgbNoise, int index);
  }

  /**
   * The crops of {@code preset} in order: for {@link Preset#TRAIN} the window, then the colour
   * noise, drawn from {@code random} in that order.
   */
  private void forEachCrop(Preset preset, RandomGenerator random, CropSink sink) {
    switch (preset) {
      case TRAIN -> {
        CropWindow window = trainWindow(random);
        float[] noise =
            lighting.enabled() ? lighting.offset(lighting.coefficients(random)) : NO_OFFSET;
        sink.write(window, noise, 0);
      }
      case CENTRE -> sink.write(centreWindow(), NO_OFFSET, 0);
      case TEN_CROP -> {
        CropWindow[] windows = tenCropWindows();
        for (int i = 0; i < windows.length; i++) {
          sink.write(windows[i], NO_OFFSET, i);
        }
      }
    }
  }

  /**
   * The crops as the network's float input {@code [crops, 3, crop, crop]}, made by ND4J's backend
   * in a few whole-batch operations: on a GPU backend, on the GPU. The values are those {@link
   * #apply(Preset, PackedImage, RandomGenerator, float[], int)} writes, bit for bit: {@code ((pixel
   * + noise) - mean) * scale}, each step rounded to float in the same order.
   */
  public INDArray toFloats(ByteCrops crops) {
    int n = crops.count();
    if (n == 0) {
      return Nd4j.create(DataType.FLOAT, 0, 3, crop, crop);
    }
    int bytes = n * crops.bytesPerCrop();
    byte[] pixels =
        crops.pixels().length == bytes ? crops.pixels() : Arrays.copyOf(crops.pixels(), bytes);
    INDArray floats;
    try (INDArray raw = Nd4j.create(pixels, new long[] {n, 3, crop, crop}, DataType.UINT8)) {
      floats = raw.castTo(DataType.FLOAT);
    }
    float[] noise = Arrays.copyOf(crops.noise(), 3 * n);
    if (!allZero(noise)) {
      try (INDArray perCrop = Nd4j.create(noise, new long[] {n, 3}, 'c')) {
        Nd4j.getExecutioner().exec(new BroadcastAddOp(floats, perCrop, floats, 0, 1));
      }
    }
    if (mean != null) {
      INDArray[] means = meanArrays();
      for (int i = 0; i < n; i++) {
        CropWindow window = crops.window(i);
        // The mirrored mean, read forwards, holds a mirrored crop's values in output order.
        int x = window.mirror() ? stored - crop - window.x() : window.x();
        INDArray source = means[window.mirror() ? 1 : 0];
        floats
            .get(NDArrayIndex.point(i))
            .subi(
                source.get(
                    NDArrayIndex.all(),
                    NDArrayIndex.interval(window.y(), window.y() + crop),
                    NDArrayIndex.interval(x, x + crop)));
      }
    }
    if (scale != 1f) {
      floats.muli(scale);
    }
    return floats;
  }

  private static boolean allZero(float[] values) {
    for (float v : values) {
      if (v != 0f) {
        return false;
      }
    }
    return true;
  }

  private INDArray[] meanArrays() {
    ThreadLocal<INDArray[]> arrays = meanArrays;
    if (arrays == null) {
      synchronized (this) {
        arrays = meanArrays;
        if (arrays == null) {
          long[] shape = {3, stored, stored};
          arrays =
              ThreadLocal.withInitial(
                  () ->
                      new INDArray[] {
                        Nd4j.create(mean, shape, 'c'), Nd4j.create(mirroredMean(), shape, 'c')
                      });
          meanArrays = arrays;
        }
      }
    }
    return arrays.get();
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
   * Writes one crop: {@code out[offset + c*crop*crop + y*crop + x] = (pixel(c) - mean(c) +
   * noise(c)) * scale} at source column {@code window.x + (mirror ? crop-1-x : x)} and row {@code
   * window.y + y}.
   *
   * <p>Byte values become floats through three 256-entry tables per call (one per channel, with the
   * colour noise folded in) rather than by converting each value: on the JVM the scalar
   * int-to-float conversion was the slowest step of this loop, about three times the rest.
   */
  public void write(Image image, CropWindow window, float[] rgbOffset, float[] out, int offset) {
    byte[] bgr = image.bgr();
    float[][] tables = TABLES.get();
    float[] red = tables[0];
    float[] green = tables[1];
    float[] blue = tables[2];
    for (int v = 0; v < 256; v++) {
      red[v] = v + rgbOffset[0];
      green[v] = v + rgbOffset[1];
      blue[v] = v + rgbOffset[2];
    }
    float[] m = mean;
    float k = scale;
    boolean scaled = k != 1f;
    int plane = crop * crop;
    int storedPlane = stored * stored;
    int step = window.mirror() ? -1 : 1;
    for (int y = 0; y < crop; y++) {
      // Source pixel of output column 0; the source runs right (step 1) or, mirrored, left.
      int source = (window.y() + y) * stored + window.x() + (window.mirror() ? crop - 1 : 0);
      int r = offset + y * crop;
      int g = r + plane;
      int b = g + plane;
      if (m == null) {
        for (int x = 0; x < crop; x++, source += step) {
          int pixel = 3 * source;
          out[r + x] = red[bgr[pixel + 2] & 0xff];
          out[g + x] = green[bgr[pixel + 1] & 0xff];
          out[b + x] = blue[bgr[pixel] & 0xff];
        }
      } else {
        for (int x = 0; x < crop; x++, source += step) {
          int pixel = 3 * source;
          out[r + x] = red[bgr[pixel + 2] & 0xff] - m[source];
          out[g + x] = green[bgr[pixel + 1] & 0xff] - m[storedPlane + source];
          out[b + x] = blue[bgr[pixel] & 0xff] - m[2 * storedPlane + source];
        }
      }
      if (scaled) {
        for (int x = 0; x < crop; x++) {
          out[r + x] *= k;
          out[g + x] *= k;
          out[b + x] *= k;
        }
      }
    }
  }

  /**
   * Writes one crop of a packed image, the same values as {@link #write(Image, CropWindow, float[],
   * float[], int)}: {@code (pixel(c) + noise(c)) - mean(c)} in float, then times the scale.
   *
   * <p>Each output row is one pass over consecutive ints ({@link CropRows}: vector instructions
   * where the JVM has the Vector API). A mirrored row is first copied into output order, and then
   * reads the mean image mirrored, so it runs forwards too.
   */
  public void write(
      PackedImage image, CropWindow window, float[] rgbOffset, float[] out, int offset) {
    write(image, window, rgbOffset, out, offset, ROWS);
  }

  /** {@link #write(PackedImage, CropWindow, float[], float[], int)} with the given row loops. */
  void write(
      PackedImage image,
      CropWindow window,
      float[] rgbOffset,
      float[] out,
      int offset,
      CropRows rows) {
    int[] pixels = image.rgb();
    boolean mirror = window.mirror();
    float[] m = mirror ? mirroredMean() : mean;
    int plane = crop * crop;
    int storedPlane = stored * stored;
    int[] row = mirror ? mirrorRow() : null;
    for (int y = 0; y < crop; y++) {
      int rowStart = (window.y() + y) * stored;
      int[] source = pixels;
      int from = rowStart + window.x();
      int meanFrom = from;
      if (mirror) {
        rows.reverse(pixels, from + crop - 1, row, crop);
        source = row;
        from = 0;
        meanFrom = rowStart + stored - crop - window.x();
      }
      int r = offset + y * crop;
      rows.row(
          source,
          from,
          m,
          meanFrom,
          storedPlane,
          rgbOffset,
          scale,
          out,
          r,
          r + plane,
          r + 2 * plane,
          crop);
    }
  }

  /** Appends one crop of a packed image to {@code into} as bytes, with the given row loops. */
  void write(
      PackedImage image, CropWindow window, float[] rgbOffset, ByteCrops into, CropRows rows) {
    int offset = into.add(window, rgbOffset);
    byte[] out = into.pixels();
    int[] pixels = image.rgb();
    int plane = crop * crop;
    int[] row = window.mirror() ? mirrorRow() : null;
    for (int y = 0; y < crop; y++) {
      int[] source = pixels;
      int from = (window.y() + y) * stored + window.x();
      if (row != null) {
        rows.reverse(pixels, from + crop - 1, row, crop);
        source = row;
        from = 0;
      }
      int r = offset + y * crop;
      rows.bytes(source, from, out, r, r + plane, r + 2 * plane, crop);
    }
  }

  private int[] mirrorRow() {
    int[][] holder = ROW.get();
    if (holder[0].length < crop) {
      holder[0] = new int[crop];
    }
    return holder[0];
  }

  /** The mean image with every row reversed, or null when nothing is subtracted. */
  private float[] mirroredMean() {
    float[] mirrored = mirroredMean;
    if (mirrored == null && mean != null) {
      mirrored = new float[mean.length];
      for (int row = 0; row < 3 * stored; row++) {
        int start = row * stored;
        for (int x = 0; x < stored; x++) {
          mirrored[start + x] = mean[start + stored - 1 - x];
        }
      }
      mirroredMean = mirrored;
    }
    return mirrored;
  }

  private void checkSize(Image image) {
    checkSize(image.width(), image.height());
  }

  private void checkSize(int width, int height) {
    if (width != stored || height != stored) {
      throw new IllegalArgumentException(
          "expected a stored " + stored + "x" + stored + " image, got " + width + "x" + height);
    }
  }
}

package org.alexnetspark.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.ByteCrops;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.image.ImageHeader;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.image.JpegDecoder.PackedImage;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns stored images into one {@link Batch}: decode, augment with {@code preset}, one-hot labels.
 * Records that cannot be decoded, whose JPEG header declares another size than the dataset's stored
 * images, or whose label lies outside the label map, are skipped, logged and counted. The crops are
 * written as floats, or, when the augmenter {@linkplain Augmenter#convertsOnBackend() converts on
 * the backend}, as bytes that ND4J's backend turns into the same floats. Not thread-safe (buffers
 * are reused).
 */
public final class BatchAssembler {
  private static final Logger LOG = LoggerFactory.getLogger(BatchAssembler.class);

  private final JpegDecoder decoder;
  private final Augmenter augmenter;
  private final Preset preset;
  private final int classes;
  private final long seed;
  private final int epoch;
  private final PackedImage decoded = new PackedImage();

  /** The crops as bytes when the backend converts them, else null (floats written here). */
  private final ByteCrops byteCrops;

  private float[] features = new float[0];
  private float[] labels = new float[0];
  private long skipped;

  /**
   * @param seed the augmentation seed ({@link Preset#TRAIN} only)
   * @param epoch the pass, for fresh augmentation every epoch ({@link Preset#TRAIN} only)
   */
  public BatchAssembler(
      JpegDecoder decoder, Augmenter augmenter, Preset preset, int classes, long seed, int epoch) {
    this.decoder = decoder;
    this.augmenter = augmenter;
    this.preset = preset;
    this.classes = classes;
    this.seed = seed;
    this.epoch = epoch;
    byteCrops = augmenter.convertsOnBackend() ? new ByteCrops(augmenter.cropSize()) : null;
  }

  /**
   * The minibatch of {@code images}; {@code where} names their source in warnings.
   *
   * @param storedSize the side of the dataset's stored images: a record whose JPEG header declares
   *     another size is skipped before anything is decoded
   */
  public Batch assemble(List<StoredImage> images, int storedSize, String where) {
    int crops = preset.cropsPerImage();
    int perImage = augmenter.floatsPerImage(preset);
    if (labels.length < images.size() * crops * classes) {
      labels = new float[images.size() * crops * classes];
    }
    if (byteCrops != null) {
      byteCrops.clear(images.size() * crops);
    } else if (features.length < images.size() * perImage) {
      features = new float[images.size() * perImage];
    }
    Arrays.fill(labels, 0f);
    List<String> keys = new ArrayList<>(images.size());
    int[] indices = new int[images.size()];
    int n = 0;
    int skippedHere = 0;
    for (StoredImage image : images) {
      if (image.label() < 0 || image.label() >= classes) {
        skipped++;
        skippedHere++;
        LOG.warn(
            "skipping record {} of {}: its label {} is outside the label map (0..{})",
            image.key(),
            where,
            image.label(),
            classes - 1);
        continue;
      }
      ImageHeader.Dimensions declared = ImageHeader.read(image.jpeg());
      if (declared == null || declared.width() != storedSize || declared.height() != storedSize) {
        skipped++;
        skippedHere++;
        LOG.warn(
            "skipping record {} of {}: its JPEG header declares {}, the dataset's images are {}x{}"
                + " (not decoded; the shard was changed after prepare)",
            image.key(),
            where,
            declared == null ? "no image size" : declared + " pixels",
            storedSize,
            storedSize);
        continue;
      }
      if (!decoder.decode(image.jpeg(), (long) storedSize * storedSize, decoded)
          || decoded.width() != storedSize
          || decoded.height() != storedSize) {
        skipped++;
        skippedHere++;
        LOG.warn("skipping record {} of {}: cannot decode its JPEG", image.key(), where);
        continue;
      }
      if (byteCrops != null) {
        augmenter.apply(preset, decoded, Augmenter.random(seed, epoch, image.key()), byteCrops);
      } else {
        augmenter.apply(
            preset, decoded, Augmenter.random(seed, epoch, image.key()), features, n * perImage);
      }
      for (int c = 0; c < crops; c++) {
        labels[(n * crops + c) * classes + image.label()] = 1f;
      }
      keys.add(image.key());
      indices[n] = image.label();
      n++;
    }
    int side = augmenter.cropSize();
    // ND4J copies the arrays into native memory; only a batch shorter than the buffers needs
    // trimming.
    INDArray featureArray;
    if (byteCrops != null) {
      featureArray = augmenter.toFloats(byteCrops);
    } else {
      float[] featureData =
          features.length == n * perImage ? features : Arrays.copyOf(features, n * perImage);
      featureArray = Nd4j.create(featureData, new long[] {(long) n * crops, 3, side, side}, 'c');
    }
    float[] labelData =
        labels.length == n * crops * classes ? labels : Arrays.copyOf(labels, n * crops * classes);
    return new Batch(
        featureArray,
        Nd4j.create(labelData, new long[] {(long) n * crops, classes}, 'c'),
        keys,
        Arrays.copyOf(indices, n),
        crops,
        skippedHere);
  }

  /** Records skipped so far (undecodable, of another size, or with a label out of range). */
  public long skipped() {
    return skipped;
  }
}

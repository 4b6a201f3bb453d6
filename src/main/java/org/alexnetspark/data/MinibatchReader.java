package org.alexnetspark.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.Seeds;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.io.HadoopConf;
import org.apache.hadoop.fs.Path;

/**
 * The one reading path from shards to network inputs, used on executors by training, evaluation,
 * prediction and feature extraction: turns a {@link Minibatch} into a {@link Batch} by reading its
 * row group from the shard (any Hadoop FileSystem), taking its slice, then decoding and augmenting
 * each image. Nothing augmented is ever written anywhere.
 *
 * <p>With {@link Preset#TRAIN} each row group is shuffled with (seed, epoch, row group) before it
 * is sliced, so an epoch's minibatches mix the row group's records afresh, and every image gets its
 * own random stream per epoch ({@link Augmenter#random}); what an image becomes does not depend on
 * which executor reads it. Other presets read in stored order, without randomness.
 *
 * <p>The last row group read is kept, so consecutive minibatches of one row group read it once. One
 * instance serves one thread at a time.
 */
public final class MinibatchReader implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Where the augmentation comes from on an executor (e.g. a Spark broadcast's value). */
  @FunctionalInterface
  public interface AugmenterSource extends Supplier<Augmenter>, Serializable {}

  /**
   * @param decoder the JPEG decoder to use
   * @param classes width of the one-hot labels
   * @param preset the transform
   * @param seed the augmentation seed
   * @param epoch the pass, for fresh order and augmentation every epoch
   */
  public record Options(JpegDecoder.Kind decoder, int classes, Preset preset, long seed, int epoch)
      implements Serializable {}

  private final AugmenterSource augmenter;
  private final HadoopConf hadoop;
  private final Options options;
  private transient BatchAssembler assembler;
  private transient String cachedKey;
  private transient List<StoredImage> cached;

  public MinibatchReader(AugmenterSource augmenter, HadoopConf hadoop, Options options) {
    this.augmenter = augmenter;
    this.hadoop = hadoop;
    this.options = options;
  }

  public Options options() {
    return options;
  }

  /** Reads, decodes and augments one minibatch. */
  public Batch read(Minibatch batch) throws IOException {
    if (assembler == null) {
      assembler =
          new BatchAssembler(
              JpegDecoder.of(options.decoder()),
              augmenter.get(),
              options.preset(),
              options.classes(),
              options.seed(),
              options.epoch());
    }
    List<StoredImage> group = rowGroup(batch);
    List<StoredImage> slice = group.subList(batch.from(group.size()), batch.to(group.size()));
    return assembler.assemble(slice, batch.shard());
  }

  /** Records skipped so far because they could not be decoded. */
  public long skipped() {
    return assembler == null ? 0 : assembler.skipped();
  }

  private List<StoredImage> rowGroup(Minibatch batch) throws IOException {
    String key = batch.rowGroupKey();
    if (!key.equals(cachedKey)) {
      try (ShardReader reader = ShardReader.open(hadoop.get(), new Path(batch.shardUri()))) {
        List<StoredImage> group = new ArrayList<>(reader.readRowGroup(batch.rowGroup()));
        if (options.preset() == Preset.TRAIN) {
          Collections.shuffle(
              group, new Random(Seeds.derive(options.seed(), options.epoch(), key)));
        }
        cached = group;
        cachedKey = key;
      }
    }
    return cached;
  }
}

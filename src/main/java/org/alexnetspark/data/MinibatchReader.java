package org.alexnetspark.data;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
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
 * <p>No byte of a shard is trusted: the first time a reader meets a shard it checks it against the
 * dataset's manifest (length and SHA-256, {@link ShardVerification}), and every stored image's JPEG
 * header must declare the manifest's image size before it is decoded; a record that does not is
 * skipped and counted like an undecodable one ({@link #skipped}), and the task goes on.
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
  private transient int cachedSize;

  /** Manifests of the dataset folders read so far, and the shards verified against them. */
  private transient Map<URI, Manifest> manifests;

  private transient Set<String> verified;

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
    return assembler.assemble(slice, cachedSize, batch.shard());
  }

  /**
   * Records skipped so far because they could not be decoded, their JPEG header declares another
   * size than the dataset's, or their label is outside the label map.
   */
  public long skipped() {
    return assembler == null ? 0 : assembler.skipped();
  }

  private List<StoredImage> rowGroup(Minibatch batch) throws IOException {
    String key = batch.rowGroupKey();
    if (!key.equals(cachedKey)) {
      Path path = new Path(batch.shardUri());
      int storedSize = verify(batch.shardUri());
      List<StoredImage> group;
      try (ShardReader reader = ShardReader.open(hadoop.get(), path)) {
        group = new ArrayList<>(reader.readRowGroup(batch.rowGroup()));
      } catch (IOException | RuntimeException e) {
        throw new IOException(
            "cannot read row group "
                + batch.rowGroup()
                + " of shard "
                + batch.shardUri()
                + " ("
                + e
                + "); restore the shard, or prepare the dataset again into a new folder",
            e);
      }
      if (options.preset() == Preset.TRAIN) {
        Collections.shuffle(group, new Random(Seeds.derive(options.seed(), options.epoch(), key)));
      }
      cached = group;
      cachedKey = key;
      cachedSize = storedSize;
    }
    return cached;
  }

  /**
   * Checks a shard against its dataset's manifest the first time this reader meets it ({@link
   * ShardVerification}); returns the side of the dataset's stored images.
   */
  private int verify(URI shard) throws IOException {
    if (manifests == null) {
      manifests = new HashMap<>();
      verified = new HashSet<>();
    }
    URI folder = new Path(shard).getParent().toUri();
    Manifest manifest = manifests.get(folder);
    if (manifest == null) {
      manifest = ShardVerification.manifestOf(hadoop.get(), shard);
      manifests.put(folder, manifest);
    }
    if (verified.add(shard.toString())) {
      try {
        ShardVerification.verify(hadoop.get(), shard, manifest);
      } catch (IOException | RuntimeException e) {
        verified.remove(shard.toString());
        throw e;
      }
    }
    return manifest.imageSize();
  }
}

package org.alexnetspark.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.image.JpegDecoder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One pass over some shards as minibatches, for an executor: shards are read lazily from any Hadoop
 * FileSystem, one row group at a time (the dataset is never held in memory, and augmented tensors are
 * never written anywhere); each JPEG is decoded and augmented into the batch as it is needed.
 *
 * <p>With {@link Preset#TRAIN} the order is shuffled every epoch, seeded by (seed, epoch): the order
 * of the shards, the order of each shard's row groups, and the records within each row group. Each
 * image gets its own random stream per epoch ({@link Augmenter#random}), so its crop, mirror and
 * colour noise are fresh every epoch and do not depend on which executor reads it. Evaluation
 * presets read in stored order.
 *
 * <p>Features are {@code [n * crops, 3, crop, crop]}, labels one-hot {@code [n * crops, classes]};
 * with {@link Preset#TEN_CROP} the ten crops of an image are consecutive. The last batch may be
 * smaller. Records that cannot be decoded are skipped, logged and counted.
 */
public final class ShardStream implements Iterator<DataSet>, Closeable {
  /**
   * @param batchSize images per batch (before multiplying by crops)
   * @param classes width of the one-hot labels
   * @param preset which transform
   * @param seed the augmentation seed
   * @param epoch the pass number, for a fresh order and fresh augmentation each epoch
   */
  public record Options(int batchSize, int classes, Preset preset, long seed, int epoch) {}

  private final Configuration conf;
  private final BatchAssembler assembler;
  private final Options options;
  private final Deque<String> shards;
  private final Random order;
  private final Deque<StoredImage> pending = new ArrayDeque<>();
  private ShardReader reader;
  private String readerShard;
  private Deque<Integer> rowGroups;
  private long records;

  public ShardStream(Configuration conf, List<String> shardUris, JpegDecoder decoder,
      Augmenter augmenter, Options options) {
    this.conf = conf;
    this.assembler = new BatchAssembler(decoder, augmenter, options.preset(), options.classes(),
        options.seed(), options.epoch());
    this.options = options;
    this.order = new Random(options.seed() * 31 + options.epoch());
    List<String> ordered = new ArrayList<>(shardUris);
    if (options.preset() == Preset.TRAIN) {
      Collections.shuffle(ordered, order);
    }
    this.shards = new ArrayDeque<>(ordered);
  }

  @Override
  public boolean hasNext() {
    try {
      return fill();
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + readerShard, e);
    }
  }

  @Override
  public DataSet next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    List<StoredImage> batch = new ArrayList<>(options.batchSize());
    while (batch.size() < options.batchSize() && hasNext()) {
      batch.add(pending.poll());
    }
    DataSet data = assembler.assemble(batch, readerShard);
    records += assembler.keys().size();
    return data;
  }

  /** Keys of the images in the batch last returned by {@link #next()}, in order. */
  public List<String> batchKeys() {
    return assembler.keys();
  }

  /** Images delivered so far. */
  public long records() {
    return records;
  }

  /** Records skipped because they could not be decoded. */
  public long skipped() {
    return assembler.skipped();
  }

  /** Makes sure a record is pending, opening row groups and shards as needed. */
  private boolean fill() throws IOException {
    while (pending.isEmpty()) {
      if (reader != null && !rowGroups.isEmpty()) {
        List<StoredImage> group = reader.readRowGroup(rowGroups.poll());
        if (options.preset() == Preset.TRAIN) {
          Collections.shuffle(group, order);
        }
        pending.addAll(group);
        continue;
      }
      if (reader != null) {
        reader.close();
        reader = null;
      }
      if (shards.isEmpty()) {
        return false;
      }
      readerShard = shards.poll();
      reader = ShardReader.open(conf, new Path(URI.create(readerShard)));
      List<Integer> groups = new ArrayList<>();
      for (int i = 0; i < reader.rowGroups(); i++) {
        groups.add(i);
      }
      if (options.preset() == Preset.TRAIN) {
        Collections.shuffle(groups, order);
      }
      rowGroups = new ArrayDeque<>(groups);
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }
}

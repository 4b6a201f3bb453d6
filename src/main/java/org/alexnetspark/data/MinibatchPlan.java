package org.alexnetspark.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.alexnetspark.config.Seeds;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The minibatches of one pass over a dataset. Every row group of every shard is cut into slices of
 * about {@code batchSize} records ({@link Minibatch}), so every record is in exactly one minibatch
 * per pass. Training takes them in a fresh order every epoch ({@link #epoch}); evaluation,
 * prediction and feature extraction in stored order ({@link #inOrder}). Built on the driver from
 * the shards' footers alone.
 */
public final class MinibatchPlan {
  /** One row group of a shard. */
  private record RowGroup(String shard, int index, long records) {}

  private final List<RowGroup> rowGroups;
  private final Map<String, Long> recordsByRowGroup = new HashMap<>();
  private final int batchSize;

  private MinibatchPlan(List<RowGroup> rowGroups, int batchSize) {
    this.rowGroups = List.copyOf(rowGroups);
    this.batchSize = batchSize;
    for (RowGroup group : rowGroups) {
      recordsByRowGroup.put(Minibatch.rowGroupKey(group.shard(), group.index()), group.records());
    }
  }

  /**
   * Reads the row groups of every shard of {@code dataset} (their footers only), checking each
   * shard against the manifest on the way.
   *
   * @throws IOException naming the shard if one is missing, of another size than the manifest says,
   *     unreadable as Parquet, or holding another number of records
   */
  public static MinibatchPlan of(Configuration conf, Manifest manifest, URI dataset, int batchSize)
      throws IOException {
    List<RowGroup> rowGroups = new ArrayList<>();
    List<URI> uris = manifest.shardUris(dataset);
    for (int i = 0; i < uris.size(); i++) {
      Manifest.Shard expected = manifest.shards().get(i);
      Path path = new Path(uris.get(i));
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        throw new FileNotFoundException(
            "shard "
                + expected.file()
                + " of "
                + dataset
                + " is "
                + "missing; restore it, or prepare the dataset again into a new folder");
      }
      long length = fs.getFileStatus(path).getLen();
      if (expected.bytes() > 0 && length != expected.bytes()) {
        throw new IOException(
            "shard "
                + expected.file()
                + " of "
                + dataset
                + " has "
                + length
                + " bytes, its manifest says "
                + expected.bytes()
                + "; restore it, or prepare the "
                + "dataset again into a new folder");
      }
      long records = 0;
      try (ShardReader reader = ShardReader.open(conf, path)) {
        for (int g = 0; g < reader.rowGroups(); g++) {
          rowGroups.add(new RowGroup(uris.get(i).toString(), g, reader.records(g)));
          records += reader.records(g);
        }
      } catch (IOException | RuntimeException e) {
        throw new IOException(
            "shard "
                + expected.file()
                + " of "
                + dataset
                + " cannot be read as "
                + "Parquet ("
                + e.getMessage()
                + "); restore it, or prepare the dataset again into a "
                + "new folder",
            e);
      }
      if (expected.records() > 0 && records != expected.records()) {
        throw new IOException(
            "shard "
                + expected.file()
                + " of "
                + dataset
                + " holds "
                + records
                + " records, its manifest says "
                + expected.records());
      }
    }
    return new MinibatchPlan(rowGroups, batchSize);
  }

  /**
   * Minibatches of training epoch {@code epoch}, in an order that depends on (seed, epoch) only.
   */
  public List<Minibatch> epoch(long seed, int epoch) {
    List<Minibatch> batches = inOrder();
    Collections.shuffle(batches, new Random(Seeds.derive(seed, "epoch", epoch)));
    return batches;
  }

  /** Minibatches in stored order: shard by shard, row group by row group. */
  public List<Minibatch> inOrder() {
    List<Minibatch> batches = new ArrayList<>();
    for (RowGroup group : rowGroups) {
      int count = (int) Math.max(1, (group.records() + batchSize - 1) / batchSize);
      for (int b = 0; b < count; b++) {
        batches.add(new Minibatch(group.shard(), group.index(), b, count));
      }
    }
    return batches;
  }

  /** Images in the given minibatches of this plan. */
  public long images(List<Minibatch> batches) {
    long images = 0;
    for (Minibatch batch : batches) {
      Long size = recordsByRowGroup.get(batch.rowGroupKey());
      if (size == null) {
        throw new IllegalArgumentException(batch.descriptor() + " is not part of this plan");
      }
      images += batch.to(size.intValue()) - batch.from(size.intValue());
    }
    return images;
  }

  /** Images in the dataset. */
  public long records() {
    return rowGroups.stream().mapToLong(RowGroup::records).sum();
  }
}

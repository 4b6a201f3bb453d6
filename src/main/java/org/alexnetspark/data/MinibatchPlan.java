package org.alexnetspark.data;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The minibatches of one pass over a dataset, as small strings that Spark distributes to workers
 * instead of data: {@code <shard URI>#<row group>/<batch>/<batches in the row group>}. A worker's
 * {@link ShardBatchLoader} turns one into a minibatch by reading that row group, shuffling it for
 * the epoch and taking its share. Every record is in exactly one minibatch per epoch; the order of
 * the minibatches is shuffled every epoch.
 */
public final class MinibatchPlan {
  /** One row group of a shard. */
  record RowGroup(String shard, int index, long records) {}

  private final List<RowGroup> rowGroups;
  private final java.util.Map<String, Long> recordsByRowGroup = new java.util.HashMap<>();
  private final int batchSize;

  private MinibatchPlan(List<RowGroup> rowGroups, int batchSize) {
    this.rowGroups = List.copyOf(rowGroups);
    this.batchSize = batchSize;
    for (RowGroup group : rowGroups) {
      recordsByRowGroup.put(group.shard() + "#" + group.index(), group.records());
    }
  }

  /** Reads the row groups of every shard (their footers only) on the driver. */
  public static MinibatchPlan of(Configuration conf, Manifest manifest, URI dataset, int batchSize)
      throws IOException {
    List<RowGroup> rowGroups = new ArrayList<>();
    for (URI shard : manifest.shardUris(dataset)) {
      try (ShardReader reader = ShardReader.open(conf, new Path(shard))) {
        for (int g = 0; g < reader.rowGroups(); g++) {
          rowGroups.add(new RowGroup(shard.toString(), g, reader.records(g)));
        }
      }
    }
    return new MinibatchPlan(rowGroups, batchSize);
  }

  /** Minibatches of one epoch, shuffled with (seed, epoch). */
  public List<String> epoch(long seed, int epoch) {
    List<String> batches = new ArrayList<>();
    for (RowGroup group : rowGroups) {
      int count = batchesIn(group);
      for (int b = 0; b < count; b++) {
        batches.add(group.shard() + "#" + group.index() + "/" + b + "/" + count);
      }
    }
    Collections.shuffle(batches, new Random(seed * 1_000_003L + epoch));
    return batches;
  }

  /** Images in the given minibatches of this plan. */
  public long images(List<String> descriptors) {
    long images = 0;
    for (String descriptor : descriptors) {
      Batch batch = Batch.parse(descriptor);
      int size = (int) (long) recordsByRowGroup.get(batch.shard() + "#" + batch.rowGroup());
      images += batch.to(size) - batch.from(size);
    }
    return images;
  }

  /** Images in the dataset. */
  public long records() {
    return rowGroups.stream().mapToLong(RowGroup::records).sum();
  }

  private int batchesIn(RowGroup group) {
    return (int) Math.max(1, (group.records() + batchSize - 1) / batchSize);
  }

  /** A parsed minibatch descriptor. */
  record Batch(String shard, int rowGroup, int index, int count) {
    static Batch parse(String descriptor) {
      int hash = descriptor.lastIndexOf('#');
      String[] parts = descriptor.substring(hash + 1).split("/");
      if (hash < 0 || parts.length != 3) {
        throw new IllegalArgumentException("not a minibatch descriptor: " + descriptor);
      }
      return new Batch(descriptor.substring(0, hash), Integer.parseInt(parts[0]),
          Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
    }

    /** This batch's slice [from, to) of {@code size} records, sizes differing by at most one. */
    int from(int size) {
      return (int) ((long) index * size / count);
    }

    int to(int size) {
      return (int) ((long) (index + 1) * size / count);
    }
  }
}

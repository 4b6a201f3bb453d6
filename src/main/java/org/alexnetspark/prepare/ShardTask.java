package org.alexnetspark.prepare;

import java.io.Serializable;
import java.util.List;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardSummary;

/**
 * The inputs of one shard, as sent to an executor.
 *
 * @param index the shard's index
 * @param count the number of shards
 * @param inputs the inputs assigned to it
 */
record ShardTask(int index, int count, List<InputImage> inputs) implements Serializable {

  /** A finished shard, as sent back to the driver. */
  record Result(Manifest.Shard shard, ShardSummary summary) implements Serializable {}
}

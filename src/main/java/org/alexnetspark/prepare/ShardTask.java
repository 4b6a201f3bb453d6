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
 * @param range for inputs in an archive: the byte range of the archive holding them, else null
 */
record ShardTask(int index, int count, List<InputImage> inputs, ArchiveRange range)
    implements Serializable {

  ShardTask(int index, int count, List<InputImage> inputs) {
    this(index, count, inputs, null);
  }

  /**
   * Consecutive members of one tar inside an archive file: a tar stream from {@code start}.
   *
   * @param archive the archive file
   * @param start where the first member's headers start
   * @param end where the last member's padded data ends
   */
  record ArchiveRange(String archive, long start, long end) implements Serializable {}

  /** A finished shard, as sent back to the driver. */
  record Result(Manifest.Shard shard, ShardSummary summary) implements Serializable {}
}

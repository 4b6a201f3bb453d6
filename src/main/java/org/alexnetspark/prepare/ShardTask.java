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
 * @param ranges for inputs in an archive: where each input is in the archive file, in the order of
 *     {@code inputs}; else null
 */
record ShardTask(int index, int count, List<InputImage> inputs, List<ArchiveRange> ranges)
    implements Serializable {

  ShardTask(int index, int count, List<InputImage> inputs) {
    this(index, count, inputs, null);
  }

  /**
   * One member of a tar inside an archive file: its headers and data, a tar stream of one entry.
   *
   * @param archive the archive file
   * @param start where the member's headers start
   * @param end where its padded data ends
   */
  record ArchiveRange(String archive, long start, long end) implements Serializable {}

  /** A finished shard, as sent back to the driver. */
  record Result(Manifest.Shard shard, ShardSummary summary) implements Serializable {}
}

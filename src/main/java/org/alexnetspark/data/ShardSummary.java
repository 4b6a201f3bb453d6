package org.alexnetspark.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What went into one shard, stored in its Parquet footer so that an interrupted prepare can rebuild
 * the manifest from finished shards without redoing them.
 *
 * @param shard the shard's index
 * @param inputs inputs assigned to it
 * @param records images written
 * @param classCounts images written per wnid
 * @param rejections inputs assigned to it that were rejected
 * @param conversions inputs written after a conversion (none in shards of older versions)
 */
public record ShardSummary(
    int shard,
    long inputs,
    long records,
    Map<String, Long> classCounts,
    List<Rejection> rejections,
    List<Conversion> conversions)
    implements Serializable {

  @JsonCreator
  public ShardSummary {
    conversions = conversions == null ? List.of() : conversions;
  }

  /** A summary without conversions. */
  public ShardSummary(
      int shard,
      long inputs,
      long records,
      Map<String, Long> classCounts,
      List<Rejection> rejections) {
    this(shard, inputs, records, classCounts, rejections, List.of());
  }
}

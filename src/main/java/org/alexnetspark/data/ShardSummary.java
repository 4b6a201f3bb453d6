package org.alexnetspark.data;

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
 */
public record ShardSummary(
    int shard, long inputs, long records, Map<String, Long> classCounts, List<Rejection> rejections)
    implements Serializable {}

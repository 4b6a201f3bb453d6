package org.alexnetspark.prepare;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.alexnetspark.data.LabelMap;
import org.alexnetspark.data.Rejection;

/**
 * What {@code prepare} will do, fixed on the driver before any Spark job: the usable inputs in
 * their shuffled order, the label map, what was rejected while listing, and the assignment of
 * inputs to shards ({@code recordsPerShard} consecutive inputs each).
 *
 * @param listing the input folder as listed
 * @param labels the label map of the dataset
 * @param usable inputs to prepare, shuffled with {@code data.seed} so that every shard mixes
 *     classes
 * @param rejections inputs rejected while listing and planning
 * @param recordsPerShard inputs assigned to each shard
 * @param shards number of shards
 * @param inputsDigest SHA-256 over {@code basis}
 * @param basis what determines the shards' content, by name: settings, inputs with their classes,
 *     classes, label map, labels file
 * @param archiveTasks for an archive input: one task per {@code recordsPerShard} consecutive images
 *     of {@code usable}, each with its byte range in the archive; null for a folder input
 */
public record PreparePlan(
    InputListing listing,
    LabelMap labels,
    List<InputImage> usable,
    List<Rejection> rejections,
    int recordsPerShard,
    int shards,
    String inputsDigest,
    SortedMap<String, String> basis,
    List<ShardTask> archiveTasks) {

  /** One task per shard. */
  List<ShardTask> tasks() {
    if (archiveTasks != null) {
      return archiveTasks;
    }
    List<ShardTask> tasks = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      int from = i * recordsPerShard;
      int to = Math.min(from + recordsPerShard, usable.size());
      tasks.add(new ShardTask(i, shards, new ArrayList<>(usable.subList(from, to))));
    }
    return tasks;
  }
}

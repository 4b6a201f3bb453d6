package org.alexnetspark.features;

import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import org.alexnetspark.spark.SparkJobs;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The {@code k} rows of a features table nearest to each query vector (Euclidean distance), on
 * Spark: the queries are broadcast, each partition keeps its {@code k} nearest per query in a
 * bounded heap, and the driver merges those few candidates. The table itself never travels to the
 * driver. Ties are broken by key, so the answer does not depend on the partitioning.
 */
public final class NeighborSearch {
  /** Nearer first; equal distances by key. */
  static final Comparator<Neighbor> NEARER_FIRST =
      Comparator.comparingDouble(Neighbor::distance).thenComparing(Neighbor::key);

  private NeighborSearch() {}

  /**
   * For each of {@code queries}, its {@code k} nearest rows of the table at {@code features},
   * nearest first (fewer if the table is smaller).
   *
   * @throws IllegalArgumentException if the table's vectors are not as long as the queries
   */
  public static List<List<Neighbor>> nearest(
      JavaSparkContext spark, URI features, float[][] queries, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    Dataset<Row> table = SparkJobs.session(spark).read().parquet(features.toString());
    List<Row> first =
        table.select(functions.size(functions.col(FeatureJob.FEATURES))).takeAsList(1);
    if (!first.isEmpty() && queries.length > 0 && first.get(0).getInt(0) != queries[0].length) {
      throw new IllegalArgumentException(
          "the vectors of "
              + features
              + " have "
              + first.get(0).getInt(0)
              + " values, the query images' "
              + queries[0].length
              + ": compute the features with the same model");
    }
    Broadcast<float[][]> broadcast = spark.broadcast(queries);
    try {
      List<Candidates> partitions =
          table
              .select(
                  functions.col(FeatureJob.KEY),
                  functions.col(FeatureJob.LABEL),
                  functions.col(FeatureJob.WNID),
                  functions.col(FeatureJob.SHARD),
                  functions.col(FeatureJob.ROW_GROUP).as("rowGroup"),
                  functions.col(FeatureJob.FEATURES))
              .as(Encoders.bean(FeatureRow.class))
              .javaRDD()
              .mapPartitions(new PartitionNearest(broadcast, k))
              .collect();
      List<List<Neighbor>> merged = new ArrayList<>();
      for (int q = 0; q < queries.length; q++) {
        List<Neighbor> all = new ArrayList<>();
        for (Candidates candidates : partitions) {
          all.addAll(candidates.perQuery().get(q));
        }
        all.sort(NEARER_FIRST);
        merged.add(List.copyOf(all.subList(0, Math.min(k, all.size()))));
      }
      return merged;
    } finally {
      broadcast.destroy();
    }
  }

  /** One partition's {@code k} nearest rows per query, squared distances turned into distances. */
  record Candidates(List<List<Neighbor>> perQuery) implements Serializable {}

  /** On the executors: a bounded max-heap per query over the partition's rows. */
  static final class PartitionNearest implements FlatMapFunction<Iterator<FeatureRow>, Candidates> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<float[][]> queries;
    private final int k;

    PartitionNearest(Broadcast<float[][]> queries, int k) {
      this.queries = queries;
      this.k = k;
    }

    @Override
    public Iterator<Candidates> call(Iterator<FeatureRow> rows) {
      float[][] q = queries.value();
      List<PriorityQueue<Neighbor>> heaps = new ArrayList<>();
      for (int i = 0; i < q.length; i++) {
        heaps.add(new PriorityQueue<>(k + 1, NEARER_FIRST.reversed()));
      }
      while (rows.hasNext()) {
        FeatureRow row = rows.next();
        float[] vector = row.getFeatures();
        for (int i = 0; i < q.length; i++) {
          if (vector.length != q[i].length) {
            throw new IllegalArgumentException(
                "the vector of "
                    + row.getKey()
                    + " has "
                    + vector.length
                    + " values, the query's "
                    + q[i].length);
          }
          double distance = FeatureVectors.squaredDistance(q[i], vector);
          PriorityQueue<Neighbor> heap = heaps.get(i);
          if (heap.size() < k || distance <= heap.peek().distance()) {
            heap.add(
                new Neighbor(
                    row.getKey(),
                    row.getLabel(),
                    row.getWnid(),
                    row.getShard(),
                    row.getRowGroup(),
                    distance));
            if (heap.size() > k) {
              heap.poll();
            }
          }
        }
      }
      List<List<Neighbor>> perQuery = new ArrayList<>();
      for (PriorityQueue<Neighbor> heap : heaps) {
        perQuery.add(
            heap.stream()
                .map(
                    n ->
                        new Neighbor(
                            n.key(),
                            n.label(),
                            n.wnid(),
                            n.shard(),
                            n.rowGroup(),
                            Math.sqrt(n.distance())))
                .toList());
      }
      return List.of(new Candidates(perQuery)).iterator();
    }
  }
}

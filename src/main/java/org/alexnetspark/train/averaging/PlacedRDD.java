package org.alexnetspark.train.averaging;

import java.util.List;
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.collection.Seq;
import scala.reflect.ClassTag;

/**
 * Its parent's partitions unchanged (a one-to-one dependency, computed in the same task), each
 * asking to run where {@link SlicePlacement#location} says: an executor, not only a host.
 *
 * <p>Spark's own reduce locality is per host: {@code ShuffledRDD.getPreferredLocations} asks {@code
 * MapOutputTrackerMaster.getPreferredLocationsForShuffle}, which takes the block managers holding
 * at least 20% of a reducer's map output ({@code getLocationsWithLargestOutputs}) and keeps only
 * their hosts. With several executors on a host (YARN, Kubernetes nodes, the loopback cluster) a
 * group's reducer could then run on another executor of the host than the one that fitted its
 * slices. The DAG scheduler takes an RDD's own preferences first ({@code
 * DAGScheduler.getPreferredLocs}) and reads {@code executor_<host>_<id>} as that executor's
 * process-local location.
 */
final class PlacedRDD<T> extends RDD<T> {
  private static final long serialVersionUID = 1L;

  private final ClassTag<T> tag;
  private final List<String> locations;

  /** {@code parent}'s partition i asks for {@code locations[i]} (null: its parent's choice). */
  PlacedRDD(RDD<T> parent, List<String> locations, ClassTag<T> tag) {
    super(parent, tag);
    if (locations.size() != parent.getNumPartitions()) {
      throw new IllegalArgumentException(
          locations.size() + " locations for " + parent.getNumPartitions() + " partitions");
    }
    this.tag = tag;
    this.locations = List.copyOf(locations.stream().map(l -> l == null ? "" : l).toList());
  }

  @Override
  public Iterator<T> compute(Partition split, TaskContext context) {
    return firstParent(tag).iterator(split, context);
  }

  @Override
  public Partition[] getPartitions() {
    return firstParent(tag).partitions();
  }

  @Override
  public Seq<String> getPreferredLocations(Partition split) {
    String location = locations.get(split.index());
    return JavaConverters.asScalaBufferConverter(
            location.isEmpty() ? List.<String>of() : List.of(location))
        .asScala()
        .toSeq();
  }
}

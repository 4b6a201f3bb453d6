package org.alexnetspark.train.averaging;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.collection.JavaConverters;

/**
 * Which executor each slice of a tree round is meant for, decided on the driver before the round:
 * the slices are split into contiguous groups, one per live executor (sizes differing by at most
 * one, as many groups as executors or slices, whichever is fewer), and a slice's group is its key
 * in the shuffle that adds each group up.
 *
 * <p>The key is a function of the slice's index only, never of where its task happened to run, so a
 * task re-run elsewhere (after a failure or with a lost executor's outputs) writes the same key as
 * its first attempt and Spark's shuffle still hands it to its reducer exactly once. Where the tasks
 * run is only asked for ({@link #location}: Spark's {@code executor_<host>_<id>} task location,
 * process-local for the scheduler): a task that runs elsewhere costs bytes on the network, never
 * correctness.
 *
 * <p>Executors of equal size are assumed (Spark starts an application's executors alike): with
 * {@code workers = executors x tasks per executor} every executor gets its tasks' worth of slices.
 */
final class SlicePlacement implements Serializable {
  private static final long serialVersionUID = 1L;

  /** An executor a group is meant for: Spark's executor id and its host. */
  record Executor(String id, String host) implements Serializable {}

  private final int[] groupOfSlice;
  private final List<Executor> executorOfGroup;

  private SlicePlacement(int[] groupOfSlice, List<Executor> executorOfGroup) {
    this.groupOfSlice = groupOfSlice;
    this.executorOfGroup = executorOfGroup;
  }

  /**
   * {@code slices} slices over {@code executors} (in that order); no executors (local mode, or none
   * registered yet): one group, placed nowhere in particular.
   */
  static SlicePlacement of(int slices, List<Executor> executors) {
    if (slices < 1) {
      throw new IllegalArgumentException("a round has at least one slice, not " + slices);
    }
    int groups = Math.max(1, Math.min(slices, executors.size()));
    int[] groupOfSlice = new int[slices];
    for (int g = 0; g < groups; g++) {
      for (int s = (int) ((long) g * slices / groups);
          s < (int) ((long) (g + 1) * slices / groups);
          s++) {
        groupOfSlice[s] = g;
      }
    }
    List<Executor> executorOfGroup = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      executorOfGroup.add(executors.isEmpty() ? null : executors.get(g));
    }
    return new SlicePlacement(groupOfSlice, executorOfGroup);
  }

  /**
   * The executors of {@code spark} that can run tasks now, by executor id (numbers in numeric
   * order); none in local mode, where every task runs in the driver's JVM.
   */
  static List<Executor> liveExecutors(SparkContext spark) {
    if (spark.isLocal()) {
      return List.of();
    }
    List<Executor> executors = new ArrayList<>();
    for (ExecutorSummary executor :
        JavaConverters.seqAsJavaListConverter(spark.statusStore().executorList(true)).asJava()) {
      if (!"driver".equals(executor.id())) {
        String hostPort = executor.hostPort();
        int colon = hostPort.lastIndexOf(':');
        executors.add(
            new Executor(executor.id(), colon < 0 ? hostPort : hostPort.substring(0, colon)));
      }
    }
    executors.sort(
        Comparator.comparingInt((Executor e) -> e.id().length()).thenComparing(Executor::id));
    return executors;
  }

  int groups() {
    return executorOfGroup.size();
  }

  /** The group (the shuffle key) of slice {@code slice}. */
  int groupOf(int slice) {
    return groupOfSlice[slice];
  }

  /** Where group {@code group}'s slices and sum are asked to run, or null for anywhere. */
  String location(int group) {
    Executor executor = executorOfGroup.get(group);
    return executor == null ? null : "executor_" + executor.host() + "_" + executor.id();
  }

  /** The executor of each group, for the job's description. */
  List<String> executorIds() {
    return executorOfGroup.stream().map(e -> e == null ? "any" : e.id()).toList();
  }
}

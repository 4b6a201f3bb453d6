package org.alexnetspark.train.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.alexnetspark.train.averaging.SlicePlacement.Executor;
import org.junit.jupiter.api.Test;

/** {@link SlicePlacement}: slices of a round grouped by executor, by hand. */
class SlicePlacementTest {
  private static final List<Executor> THREE =
      List.of(
          new Executor("1", "10.0.0.1"), new Executor("2", "10.0.0.1"), new Executor("7", "h7"));

  private static List<Integer> groups(SlicePlacement placement, int slices) {
    return IntStream.range(0, slices).mapToObj(placement::groupOf).toList();
  }

  @Test
  void slicesAreSplitIntoContiguousGroupsOnePerExecutor() {
    SlicePlacement six = SlicePlacement.of(6, THREE);
    assertEquals(3, six.groups());
    assertEquals(List.of(0, 0, 1, 1, 2, 2), groups(six, 6));
    assertEquals("executor_10.0.0.1_1", six.location(0));
    assertEquals("executor_10.0.0.1_2", six.location(1));
    assertEquals("executor_h7_7", six.location(2));
    assertEquals(List.of("1", "2", "7"), six.executorIds());

    // Sizes differ by at most one.
    assertEquals(List.of(0, 0, 1, 1, 1), groups(SlicePlacement.of(5, THREE.subList(0, 2)), 5));
    assertEquals(List.of(0, 1, 1, 2, 2), groups(SlicePlacement.of(5, THREE), 5));
  }

  @Test
  void fewerSlicesThanExecutorsLeaveTheLastExecutorsOut() {
    SlicePlacement two = SlicePlacement.of(2, THREE);
    assertEquals(2, two.groups());
    assertEquals(List.of(0, 1), groups(two, 2));
    assertEquals(List.of("1", "2"), two.executorIds());
  }

  @Test
  void withoutExecutorsEverySliceIsInOneGroupPlacedAnywhere() {
    SlicePlacement local = SlicePlacement.of(4, List.of());
    assertEquals(1, local.groups());
    assertEquals(List.of(0, 0, 0, 0), groups(local, 4));
    assertNull(local.location(0));
    assertEquals(List.of("any"), local.executorIds());
    assertThrows(IllegalArgumentException.class, () -> SlicePlacement.of(0, THREE));
  }

  @Test
  void manyExecutorsKeepTheirGroupsBalanced() {
    List<Executor> sixteen = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      sixteen.add(new Executor(Integer.toString(i), "node-" + i));
    }
    SlicePlacement placement = SlicePlacement.of(32, sixteen);
    for (int g = 0; g < 16; g++) {
      assertEquals(g, placement.groupOf(2 * g));
      assertEquals(g, placement.groupOf(2 * g + 1));
      assertEquals("executor_node-" + g + "_" + g, placement.location(g));
    }
  }
}

package org.alexnetspark.spark;

import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A Spark application for {@link GpuAssignmentIT}: two tasks that run at the same time on one
 * executor, each pinning itself with {@link GpuAssignment#pin()} and reporting what it got.
 */
public final class GpuProbe {
  private GpuProbe() {}

  public static void main(String[] args) throws Exception {
    try (JavaSparkContext spark = new JavaSparkContext()) {
      List<String> reports =
          spark
              .parallelize(List.of(0, 1), 2)
              .map(
                  task -> {
                    String address = GpuAssignment.pin();
                    long start = System.currentTimeMillis();
                    Thread.sleep(3000);
                    return "TASK "
                        + task
                        + " gpu="
                        + address
                        + " start="
                        + start
                        + " end="
                        + System.currentTimeMillis()
                        + " executor="
                        + SparkEnv.get().executorId();
                  })
              .collect();
      reports.forEach(System.out::println);
    }
  }
}

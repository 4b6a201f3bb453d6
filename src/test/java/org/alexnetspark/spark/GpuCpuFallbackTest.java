package org.alexnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.alexnetspark.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GpuCpuFallbackTest {
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  @Test
  void theCpuBuildSaysItHoldsNoCudaBackend() {
    assertTrue(
        GpuAssignment.cudaBackendFailure().startsWith("the application jar holds no CUDA backend"),
        GpuAssignment.cudaBackendFailure());
  }

  @Test
  void theMessageNamesWhereWhichAddressWhatFailedAndTheWayOut() {
    String message =
        GpuAssignment.cpuFallbackMessage(
            "executor 3 on host gpu-7",
            "1",
            "the CUDA backend does not load: UnsatisfiedLinkError: libcudart.so.11.0");
    assertTrue(message.startsWith("executor 3 on host gpu-7 was given GPU address 1"), message);
    assertTrue(message.contains("libcudart.so.11.0"), message);
    assertTrue(message.contains("gpu.allow-cpu-fallback = true"), message);
  }

  @Test
  void aTaskWithoutAGpuRunsOnTheCpuEitherWay() {
    JavaSparkContext spark = SPARK.context();
    List<String> devices =
        spark.parallelize(List.of(1, 2), 2).map(i -> GpuAssignment.describeDevice(false)).collect();
    assertEquals(List.of("cpu", "cpu"), devices);
  }
}

package org.alexnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** GPU addresses from Spark become CUDA device ordinals, or a clear error naming the address. */
class GpuDeviceOrdinalTest {

  @Test
  void ordinalsWithinTheVisibleDevicesAreAccepted() {
    assertEquals(0, GpuAssignment.deviceOrdinal("0", 2));
    assertEquals(1, GpuAssignment.deviceOrdinal(" 1 ", 2));
  }

  @Test
  void aGpuUuidIsRefusedByNameWithWhatToConfigure() {
    String uuid = "GPU-8f3ac2d1-5b7e-4c11-9a0e-2f6d8c4b1e77";
    IllegalStateException error =
        assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceOrdinal(uuid, 2));
    assertTrue(error.getMessage().contains("'" + uuid + "'"), error.getMessage());
    assertTrue(
        error.getMessage().contains("spark.executor.resource.gpu.discoveryScript"),
        error.getMessage());
    assertTrue(error.getMessage().contains("conf/gpu-discovery.sh"), error.getMessage());
  }

  @Test
  void aMigIdentifierIsRefusedByName() {
    String mig = "MIG-GPU-8f3ac2d1/1/0";
    IllegalStateException error =
        assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceOrdinal(mig, 1));
    assertTrue(error.getMessage().contains("'" + mig + "'"), error.getMessage());
  }

  @Test
  void aPhysicalIndexBeyondTheVisibleDevicesIsRefusedWithTheRenumberingExplained() {
    // CUDA_VISIBLE_DEVICES=2,3: the process sees two devices, 0 and 1; "3" is nvidia-smi's index.
    IllegalStateException error =
        assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceOrdinal("3", 2));
    assertTrue(error.getMessage().contains("'3'"), error.getMessage());
    assertTrue(error.getMessage().contains("numbered 0 to 1"), error.getMessage());
    assertTrue(error.getMessage().contains("CUDA_VISIBLE_DEVICES"), error.getMessage());
  }

  @Test
  void noVisibleDeviceIsReportedAsSuch() {
    IllegalStateException error =
        assertThrows(IllegalStateException.class, () -> GpuAssignment.deviceOrdinal("0", 0));
    assertTrue(error.getMessage().contains("sees no CUDA device"), error.getMessage());
  }

  @Test
  void aGpuTheCudaNativesLackCodeForIsRefusedNamingItsCapability() {
    GpuAssignment.checkComputeCapability(3, 7, "GPU 0"); // Kepler K80: the oldest supported
    GpuAssignment.checkComputeCapability(8, 6, "GPU 0"); // Ampere A10/RTX 30: the newest
    GpuAssignment.checkComputeCapability(7, 0, "GPU 1"); // Volta V100
    for (int[] unsupported : new int[][] {{9, 0}, {8, 9}, {3, 5}, {10, 0}}) {
      GpuAssignment.UnsupportedGpuException e =
          Assertions.assertThrows(
              GpuAssignment.UnsupportedGpuException.class,
              () -> GpuAssignment.checkComputeCapability(unsupported[0], unsupported[1], "GPU 1"));
      Assertions.assertTrue(
          e.getMessage()
                  .contains("GPU 1 has compute capability " + unsupported[0] + "." + unsupported[1])
              && e.getMessage().contains("3.7 to 8.6"),
          e.getMessage());
    }
  }
}

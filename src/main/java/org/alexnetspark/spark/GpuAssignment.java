package org.alexnetspark.spark;

import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the current thread's ND4J work to the GPU Spark gave the running task.
 *
 * <p>Executors ask for GPUs as a resource ({@code spark.executor.resource.gpu.amount=2},
 * {@code spark.task.resource.gpu.amount=1}, a discovery script); Spark then hands each task its own
 * GPU address. Workers call {@link #pin()} before they create their replica (and on the threads
 * that prepare their minibatches), so the two replicas of an executor never share a GPU. On the
 * CPU backend nothing is bound, but the address is still read and returned.
 */
public final class GpuAssignment {
  private static final Logger LOG = LoggerFactory.getLogger(GpuAssignment.class);
  /** Spark's name of the resource. */
  public static final String RESOURCE = "gpu";

  private GpuAssignment() {}

  /**
   * Pins this thread to the task's GPU.
   *
   * @return the GPU address Spark assigned to the task, or null if it assigned none (no GPU
   *     scheduling, or not inside a task)
   */
  public static String pin() {
    TaskContext task = TaskContext.get();
    if (task == null) {
      return null;
    }
    Map<String, ResourceInformation> resources = task.resourcesJMap();
    ResourceInformation gpus = resources.get(RESOURCE);
    if (gpus == null || gpus.addresses().length == 0) {
      return null;
    }
    String address = gpus.addresses()[0];
    if (!Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu")) {
      int device = Integer.parseInt(address.trim());
      Nd4j.getAffinityManager().unsafeSetDevice(device);
      LOG.info("task {} pinned to GPU {}", task.taskAttemptId(), device);
    }
    return address;
  }
}

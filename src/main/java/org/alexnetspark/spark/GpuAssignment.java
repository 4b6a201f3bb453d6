package org.alexnetspark.spark;

import java.lang.reflect.InvocationTargetException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the current thread's ND4J work to the GPU Spark gave the running task.
 *
 * <p>Executors ask for GPUs as a resource ({@code spark.executor.resource.gpu.amount=2}, {@code
 * spark.task.resource.gpu.amount=1}, a discovery script); Spark then hands each task its own GPU
 * address. Workers call {@link #pin()} before they create their replica (and on the threads that
 * prepare their minibatches), so the two replicas of an executor never share a GPU. On the CPU
 * backend nothing is bound, but the address is still read and returned.
 *
 * <p>An address must be a CUDA device ordinal: the index of the device among those visible to the
 * executor process, counting from 0 (with {@code CUDA_VISIBLE_DEVICES=2,3} the process sees devices
 * 0 and 1). The project's discovery script, {@code conf/gpu-discovery.sh}, reports ordinals;
 * scripts that report physical indices, GPU UUIDs or MIG identifiers are refused with an error
 * naming the address.
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
      int device = deviceOrdinal(address, Nd4j.getAffinityManager().getNumberOfDevices());
      Nd4j.getAffinityManager().unsafeSetDevice(device);
      LOG.info("task {} pinned to GPU {}", task.taskAttemptId(), device);
    }
    return address;
  }

  /**
   * Oldest compute capability (major * 10 + minor) the bundled CUDA 11.6 natives carry code for.
   */
  static final int OLDEST_CAPABILITY = 37;

  /**
   * Newest compute capability they carry code for (Ampere, 8.6); Hopper (9.0) and later are not.
   */
  static final int NEWEST_CAPABILITY = 86;

  /**
   * What the task's device is, for the pre-flight check of every executor before training: "cpu" on
   * the CPU backend, else the pinned GPU's ordinal and compute capability, checked.
   *
   * @param allowCpuFallback whether a task given a GPU address may run on ND4J's CPU backend (when
   *     the CUDA backend is missing or does not load); if not, such a task stops the job
   * @throws UnsupportedGpuException if the GPU's compute capability is one the CUDA natives lack
   * @throws CpuFallbackException if Spark gave the task a GPU, ND4J runs on its CPU backend and
   *     {@code allowCpuFallback} is false
   */
  public static String describeDevice(boolean allowCpuFallback) {
    String address = pin();
    if (Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu")) {
      if (address == null) {
        return "cpu";
      }
      String why = cudaBackendFailure();
      if (!allowCpuFallback) {
        throw new CpuFallbackException(cpuFallbackMessage(where(), address, why));
      }
      LOG.warn(
          "GPU address {} assigned, but training on ND4J's CPU backend ({}), as"
              + " gpu.allow-cpu-fallback = true allows",
          address,
          why);
      return "cpu (GPU address " + address + " assigned, unused: gpu.allow-cpu-fallback = true)";
    }
    NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
    int device = ops.getDevice();
    int major = ops.getDeviceMajor(device);
    int minor = ops.getDeviceMinor(device);
    checkComputeCapability(major, minor, "GPU " + device);
    return "GPU " + device + " (compute capability " + major + "." + minor + ")";
  }

  /** ND4J's CUDA backend class, present in the CUDA build of the application jar only. */
  static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";

  /**
   * Why ND4J is not running on its CUDA backend in this JVM: the backend is not in the application
   * jar (a CPU build), or it is and fails to load (the library it could not load, as the JVM says).
   */
  static String cudaBackendFailure() {
    Class<?> backend;
    try {
      backend = Class.forName(CUDA_BACKEND);
    } catch (ClassNotFoundException | LinkageError e) {
      return "the application jar holds no CUDA backend (it is a CPU build,"
          + " alexnet-spark-*-cluster-cpu.jar: org.nd4j:nd4j-cuda-11.6 is not in it; build the"
          + " cluster jar with -Dcuda, alexnet-spark-*-cluster-cuda.jar)";
    }
    try {
      Object instance = backend.getDeclaredConstructor().newInstance();
      backend.getMethod("canRun").invoke(instance);
      return "the CUDA backend loads in this task, but ND4J chose "
          + Nd4j.getBackend().getClass().getName()
          + " when it started";
    } catch (InvocationTargetException e) {
      return "the CUDA backend does not load: " + deepest(e.getCause());
    } catch (ReflectiveOperationException | LinkageError e) {
      return "the CUDA backend does not load: " + deepest(e);
    }
  }

  private static String deepest(Throwable e) {
    Throwable last = e;
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      last = cause;
    }
    return last.getClass().getSimpleName() + ": " + last.getMessage();
  }

  /** "executor 3 on host gpu-node-7", as far as Spark tells this JVM. */
  private static String where() {
    SparkEnv env = SparkEnv.get();
    String executor = env == null ? "driver" : env.executorId();
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "an unknown host";
    }
    return "executor " + executor + " on host " + host;
  }

  static String cpuFallbackMessage(String where, String address, String why) {
    return where
        + " was given GPU address "
        + address
        + ", but ND4J runs on its CPU backend there: "
        + why
        + ". Training would run on the CPU, many times slower, while holding the GPU. Check that"
        + " the executor has an NVIDIA driver (branch 450.80.02 or later) and a CUDA 11 runtime"
        + " with cuDNN 8 (the image of docker/Dockerfile.gpu has CUDA 11.8 and cuDNN 8, on which"
        + " ND4J's CUDA 11.6 natives run), and that the application jar is the CUDA build"
        + " (alexnet-spark-*-cluster-cuda.jar); to train on the CPU anyway (tests, CPU clusters"
        + " that schedule GPU addresses), set gpu.allow-cpu-fallback = true.";
  }

  /**
   * The refusal of a worker's device ({@link CpuFallbackException}, {@link
   * UnsupportedGpuException}) in the causes of a failure: on the driver it arrives inside Spark's
   * "Job aborted due to stage failure" exception, and is what the user needs to read.
   *
   * @return the refusal, or empty if the failure has none among its causes
   */
  public static Optional<DeviceRefusedException> refusalIn(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable cause = failure; cause != null && seen.add(cause); cause = cause.getCause()) {
      if (cause instanceof DeviceRefusedException refusal) {
        return Optional.of(refusal);
      }
    }
    return Optional.empty();
  }

  /** A worker's device that training must not run on; the message says which and why. */
  public abstract static class DeviceRefusedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    DeviceRefusedException(String message) {
      super(message);
    }
  }

  /** Spark gave a task a GPU, and ND4J cannot use it. */
  public static final class CpuFallbackException extends DeviceRefusedException {
    private static final long serialVersionUID = 1L;

    CpuFallbackException(String message) {
      super(message);
    }
  }

  /**
   * Refuses a GPU whose compute capability the bundled CUDA 11.6 natives carry no code for, before
   * a kernel launch fails deep inside training.
   *
   * @throws UnsupportedGpuException naming the device, its capability and what is supported
   */
  static void checkComputeCapability(int major, int minor, String device) {
    int capability = major * 10 + minor;
    if (capability < OLDEST_CAPABILITY || capability > NEWEST_CAPABILITY) {
      throw new UnsupportedGpuException(
          device
              + " has compute capability "
              + major
              + "."
              + minor
              + ", but ND4J's CUDA 11.6 natives (DL4J 1.0.0-M2.1, the last release) carry code for "
              + "compute capabilities 3.7 to 8.6 only (Kepler to Ampere; no Hopper or newer). Run on "
              + "such GPUs, or on the CPU backend (a build without -Dcuda).");
    }
  }

  /** A GPU the CUDA natives of this build cannot run on. */
  public static final class UnsupportedGpuException extends DeviceRefusedException {
    private static final long serialVersionUID = 1L;

    UnsupportedGpuException(String message) {
      super(message);
    }
  }

  /**
   * The CUDA device ordinal a Spark GPU address stands for.
   *
   * @param address the address Spark assigned to the task, as the discovery script reported it
   * @param visibleDevices how many devices ND4J sees in this process
   * @throws IllegalStateException if the address is not an ordinal below {@code visibleDevices},
   *     naming the address and what to configure
   */
  static int deviceOrdinal(String address, int visibleDevices) {
    String trimmed = address == null ? "" : address.trim();
    int device;
    try {
      device = Integer.parseInt(trimmed);
    } catch (NumberFormatException e) {
      throw new IllegalStateException(
          "Spark assigned this task the GPU address '"
              + address
              + "', which is not a CUDA device ordinal (0, 1, ... among the GPUs visible to the executor); "
              + "ND4J pins a task to a device by its ordinal, so GPU UUIDs and MIG identifiers cannot be "
              + "used. Set spark.executor.resource.gpu.discoveryScript to a script that prints ordinals, "
              + "such as conf/gpu-discovery.sh of this project (it counts the GPUs of "
              + "CUDA_VISIBLE_DEVICES or nvidia-smi and prints 0..n-1).",
          e);
    }
    if (visibleDevices <= 0) {
      throw new IllegalStateException(
          "Spark assigned this task the GPU address '"
              + address
              + "', but ND4J sees no CUDA device in this executor: check that the container was given "
              + "its GPUs (YARN yarn.io/gpu isolation, the Kubernetes device plugin) and that "
              + "CUDA_VISIBLE_DEVICES does not hide them.");
    }
    if (device < 0 || device >= visibleDevices) {
      throw new IllegalStateException(
          "Spark assigned this task the GPU address '"
              + address
              + "', but this executor sees "
              + visibleDevices
              + " CUDA device(s), numbered 0 to "
              + (visibleDevices - 1)
              + ". The discovery script probably reports physical GPU indices "
              + "(as nvidia-smi prints them) while CUDA_VISIBLE_DEVICES or the container limits the "
              + "process to fewer GPUs, which CUDA renumbers from 0. Set "
              + "spark.executor.resource.gpu.discoveryScript to a script that prints ordinals, such as "
              + "conf/gpu-discovery.sh of this project.");
    }
    return device;
  }
}

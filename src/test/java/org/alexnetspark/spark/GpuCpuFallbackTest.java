package org.alexnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnetspark.cli.AlexNetCommand;
import org.alexnetspark.testing.LocalSpark;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

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
    assertTrue(message.contains("alexnet-spark-*-cluster-cuda.jar"), message);
  }

  @Test
  void theMessageNamesTheCudaOfTheGpuImageAndOfTheNatives() throws Exception {
    String message = GpuAssignment.cpuFallbackMessage("executor 3 on host gpu-7", "1", "why");
    Matcher image =
        Pattern.compile("ARG CUDA_IMAGE=nvidia/cuda:(\\d+)\\.(\\d+)\\.\\d+-cudnn(\\d+)-")
            .matcher(Files.readString(Path.of("docker/Dockerfile.gpu")));
    assertTrue(image.find(), "docker/Dockerfile.gpu names its CUDA image");
    String cuda = "CUDA " + image.group(1) + "." + image.group(2);
    assertTrue(
        message.contains("has " + cuda + " and cuDNN " + image.group(3)),
        "the message names the GPU image's " + cuda + ": " + message);
    Matcher natives =
        Pattern.compile("<nd4j.backend>nd4j-cuda-(\\d+\\.\\d+)</nd4j.backend>")
            .matcher(Files.readString(Path.of("pom.xml")));
    assertTrue(natives.find(), "pom.xml's cuda profile");
    assertTrue(
        message.contains("ND4J's CUDA " + natives.group(1) + " natives run"),
        "the message names the natives' CUDA " + natives.group(1) + ": " + message);
    assertTrue(message.contains("CUDA " + image.group(1) + " runtime"), message);
  }

  @Test
  void aRefusalOnAnExecutorReachesTheUserAsItsOwnMessageNotAsSparksStageFailure() throws Exception {
    String message =
        GpuAssignment.cpuFallbackMessage(
            "executor driver on host localhost",
            "0",
            "the CUDA backend does not load: UnsatisfiedLinkError: no jnicudnn in java.library.path");
    // A task that refuses its device, as describeDevice does on a worker: Spark aborts the job and
    // the driver gets its own exception, which wraps the task's.
    Exception failure =
        assertThrows(
            Exception.class,
            () ->
                SPARK
                    .context()
                    .parallelize(List.of(1), 1)
                    .map(
                        i -> {
                          throw new GpuAssignment.CpuFallbackException(message);
                        })
                    .collect());
    assertTrue(
        failure.getMessage().startsWith("Job aborted due to stage failure"), failure.getMessage());
    assertFalse(failure instanceof GpuAssignment.DeviceRefusedException, failure.toString());
    assertEquals(
        message,
        GpuAssignment.refusalIn(failure).map(Throwable::getMessage).orElse(null),
        "the task's refusal is among the causes");
    assertEquals(
        Optional.empty(),
        GpuAssignment.refusalIn(new IllegalStateException("lost executor", new RuntimeException())),
        "a failure of another kind");

    // The command line prints it first and alone, and fails with exit code 1.
    CommandLine line = AlexNetCommand.commandLine();
    CommandLine train = line.getSubcommands().get("train");
    StringWriter err = new StringWriter();
    train.setErr(new PrintWriter(err, true));
    int code = train.getExecutionExceptionHandler().handleExecutionException(failure, train, null);
    assertEquals(1, code);
    assertEquals("train: " + message + System.lineSeparator(), err.toString());
  }

  @Test
  void aTaskWithoutAGpuRunsOnTheCpuEitherWay() {
    JavaSparkContext spark = SPARK.context();
    List<String> devices =
        spark.parallelize(List.of(1, 2), 2).map(i -> GpuAssignment.describeDevice(false)).collect();
    assertEquals(List.of("cpu", "cpu"), devices);
  }
}

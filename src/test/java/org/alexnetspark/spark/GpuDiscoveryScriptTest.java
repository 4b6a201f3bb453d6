package org.alexnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.resource.ResourceDiscoveryScriptPlugin;
import org.apache.spark.resource.ResourceID;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * conf/gpu-discovery.sh reports the GPUs a process can use as CUDA ordinals 0..n-1, the addresses
 * {@link GpuAssignment} pins tasks to: with CUDA_VISIBLE_DEVICES set (physical GPUs 2 and 3 become
 * devices 0 and 1) and, without it, from nvidia-smi (replaced here by a fake one on PATH).
 */
class GpuDiscoveryScriptTest {
  private static final Path SCRIPT = Paths.get("conf", "gpu-discovery.sh").toAbsolutePath();
  private static final Pattern ADDRESSES =
      Pattern.compile("^\\{\"name\": \"gpu\", \"addresses\": \\[(.*)]}$");

  @Test
  void visibleDevicesAreNumberedFromZeroWhateverTheirPhysicalIndices(@TempDir Path dir)
      throws Exception {
    assertEquals(List.of("0", "1"), addresses(run(dir, "2,3", null)));
    assertEquals(List.of("0", "1"), addresses(run(dir, " 6 , 7 ", null)));
    assertEquals(List.of("0"), addresses(run(dir, "5", null)));
  }

  @Test
  void uuidsAndMigIdentifiersBecomeOrdinalsToo(@TempDir Path dir) throws Exception {
    assertEquals(
        List.of("0", "1"),
        addresses(
            run(
                dir,
                "GPU-8f3ac2d1-5b7e-4c11-9a0e-2f6d8c4b1e77,MIG-2f1e0c9a-7d6b-5a4c-3b2a-1f0e9d8c7b6a",
                null)));
  }

  @Test
  void aNegativeEntryHidesTheRestAsItDoesFromCuda(@TempDir Path dir) throws Exception {
    assertEquals(List.of("0", "1"), addresses(run(dir, "0,1,-1,2", null)));
  }

  @Test
  void noVisibleDeviceIsAnErrorThatSaysWhy(@TempDir Path dir) throws Exception {
    Result result = run(dir, "", null);
    assertNotEquals(0, result.exit());
    assertTrue(result.stderr().contains("CUDA_VISIBLE_DEVICES"), result.stderr());
  }

  @Test
  void withoutCudaVisibleDevicesTheGpusNvidiaSmiListsAreCounted(@TempDir Path dir)
      throws Exception {
    // A container given physical GPUs 2 and 3: nvidia-smi may print their node-wide indices.
    fakeNvidiaSmi(dir, "2\n3\n", 0);
    assertEquals(List.of("0", "1"), addresses(run(dir, null, null)));
    fakeNvidiaSmi(dir, "0\n1\n2\n3\n", 0);
    assertEquals(List.of("0", "1", "2", "3"), addresses(run(dir, null, null)));
  }

  @Test
  void theNvidiaSmiCommandCanBeNamed(@TempDir Path dir) throws Exception {
    Path other = Files.createDirectories(dir.resolve("elsewhere"));
    Path smi = Files.writeString(other.resolve("smi"), "#!/bin/sh\nprintf '0\\n1\\n'\n");
    assertTrue(smi.toFile().setExecutable(true));
    assertEquals(List.of("0", "1"), addresses(run(dir, null, smi.toString())));
  }

  @Test
  void aMissingOrFailingNvidiaSmiIsAnErrorThatSaysWhy(@TempDir Path dir) throws Exception {
    Result missing = run(dir, null, null);
    assertNotEquals(0, missing.exit());
    assertTrue(missing.stderr().contains("'nvidia-smi' not found"), missing.stderr());
    assertEquals("", missing.stdout());

    fakeNvidiaSmi(dir, "No devices were found\n", 6);
    Result failing = run(dir, null, null);
    assertNotEquals(0, failing.exit());
    assertTrue(failing.stderr().contains("No devices were found"), failing.stderr());

    fakeNvidiaSmi(dir, "", 0);
    Result none = run(dir, null, null);
    assertNotEquals(0, none.exit());
    assertTrue(none.stderr().contains("lists no GPU"), none.stderr());
  }

  @Test
  void sparkReadsTheAddressesAndGpuAssignmentAcceptsThem(@TempDir Path dir) throws Exception {
    // Spark runs the discovery script with the executor's environment: a wrapper gives it one.
    Path wrapper =
        Files.writeString(
            dir.resolve("discover.sh"),
            "#!/bin/sh\nCUDA_VISIBLE_DEVICES=2,3 exec '" + SCRIPT + "'\n");
    assertTrue(wrapper.toFile().setExecutable(true));
    ResourceRequest request =
        new ResourceRequest(
            new ResourceID("spark.executor", "gpu"),
            2,
            Optional.of(wrapper.toString()),
            Optional.empty());
    Optional<ResourceInformation> found =
        new ResourceDiscoveryScriptPlugin().discoverResource(request, new SparkConf(false));
    assertTrue(found.isPresent());
    assertEquals("gpu", found.get().name());
    List<String> addresses = Arrays.asList(found.get().addresses());
    assertEquals(List.of("0", "1"), addresses);
    for (String address : addresses) {
      assertDoesNotThrow(() -> GpuAssignment.deviceOrdinal(address, addresses.size()));
    }
  }

  private record Result(int exit, String stdout, String stderr) {}

  /** Runs the script with CUDA_VISIBLE_DEVICES (null: unset), NVIDIA_SMI, and dir/bin on PATH. */
  private static Result run(Path dir, String visibleDevices, String nvidiaSmi) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    ProcessBuilder builder = new ProcessBuilder(SCRIPT.toString());
    Map<String, String> env = builder.environment();
    env.remove("CUDA_VISIBLE_DEVICES");
    env.remove("NVIDIA_SMI");
    env.put("PATH", bin + ":/usr/bin:/bin");
    if (visibleDevices != null) {
      env.put("CUDA_VISIBLE_DEVICES", visibleDevices);
    }
    if (nvidiaSmi != null) {
      env.put("NVIDIA_SMI", nvidiaSmi);
    }
    Path out = dir.resolve("out");
    Path err = dir.resolve("err");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the script finished");
    return new Result(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8).strip(),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static void fakeNvidiaSmi(Path dir, String output, int exit) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path smi = bin.resolve("nvidia-smi");
    Path listing = Files.writeString(dir.resolve("nvidia-smi.out"), output);
    Files.writeString(
        smi,
        "#!/bin/sh\n"
            + "[ \"$1\" = --query-gpu=index ] && [ \"$2\" = --format=csv,noheader ] || exit 9\n"
            + "cat '"
            + listing
            + "'\nexit "
            + exit
            + "\n");
    assertTrue(smi.toFile().setExecutable(true));
  }

  private static List<String> addresses(Result result) {
    assertEquals(0, result.exit(), result.stderr());
    Matcher matcher = ADDRESSES.matcher(result.stdout());
    assertTrue(matcher.matches(), "Spark's resource JSON: " + result.stdout());
    String list = matcher.group(1).strip();
    return list.isEmpty()
        ? List.of()
        : Arrays.stream(list.split(",")).map(s -> s.strip().replace("\"", "")).toList();
  }
}

package org.alexnetspark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.ModelConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.model.AlexNet;

/**
 * The PyTorch reference: {@code alexnet_torch_bench.py} (shipped in the jar, from {@code
 * src/main/python}) run with a system Python whose {@code import torch} works, on the same network
 * geometry, batch, threads and SGD settings as this project's measurement.
 */
public final class TorchReference {
  /** Debian's interpreter, where python3-torch installs. */
  public static final String DEFAULT_PYTHON = "/usr/bin/python3";

  private static final String SCRIPT = "alexnet_torch_bench.py";

  /**
   * One measurement of the reference, or why there is none.
   *
   * @param fit training images/s
   * @param inference inference images/s
   * @param description torch version, BLAS library and threads, or why it was not measured
   * @param measured false when torch was absent or refused to run
   */
  public record Result(double fit, double inference, String description, boolean measured) {
    static Result absent(String why) {
      return new Result(Double.NaN, Double.NaN, why, false);
    }
  }

  private final String python;

  /** {@link #unavailable}'s answer once asked: importing torch takes seconds. */
  private String whyUnavailable;

  private boolean checked;

  public TorchReference(String python) {
    this.python = python;
  }

  /** Why the reference cannot run here, or null when {@code import torch} works. */
  public String unavailable() throws InterruptedException {
    if (!checked) {
      whyUnavailable = checkImport();
      checked = true;
    }
    return whyUnavailable;
  }

  private String checkImport() throws InterruptedException {
    try {
      Process process =
          new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return python + " -c 'import torch' did not finish in 120 s";
      }
      return process.exitValue() == 0
          ? null
          : "torch is not importable by "
              + python
              + " (Debian: apt-get install python3-torch): "
              + lastLine(output);
    } catch (IOException e) {
      return python + " cannot be run: " + e.getMessage();
    }
  }

  /**
   * Fit and inference rates of {@code config}'s network in PyTorch, after {@code warmup}
   * minibatches.
   */
  public Result measure(AlexNetConfig config, int batch, int threads, int warmup, int iterations)
      throws IOException, InterruptedException {
    String why = unavailable();
    if (why != null) {
      return Result.absent(why);
    }
    ModelConfig model = config.model();
    Path script = Files.createTempFile("alexnet-torch-bench", ".py");
    try {
      try (InputStream in = TorchReference.class.getResourceAsStream(SCRIPT)) {
        if (in == null) {
          throw new IOException(
              SCRIPT + " is missing from the classpath (packaged from src/main/python)");
        }
        Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
      }
      List<String> command =
          new ArrayList<>(
              List.of(
                  python,
                  script.toString(),
                  "--input-size",
                  Integer.toString(model.networkInputSize()),
                  "--widths",
                  AlexNet.convWidthList(model.widthMultiplier()),
                  "--fc-width",
                  Integer.toString(model.fcWidth()),
                  "--classes",
                  Integer.toString(model.classes()),
                  "--lrn",
                  String.format(
                      Locale.ROOT,
                      "%s,%d,%s,%s",
                      model.lrn().k(),
                      model.lrn().n(),
                      model.lrn().alpha(),
                      model.lrn().beta()),
                  "--dropout",
                  Double.toString(model.dropout()),
                  "--learning-rate",
                  Double.toString(config.optimizer().learningRate()),
                  "--momentum",
                  Double.toString(config.optimizer().momentum()),
                  "--weight-decay",
                  Double.toString(config.optimizer().weightDecay()),
                  "--batch",
                  Integer.toString(batch),
                  "--threads",
                  Integer.toString(threads),
                  "--warmup",
                  Integer.toString(warmup),
                  "--iterations",
                  Integer.toString(iterations)));
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
      builder.redirectError(ProcessBuilder.Redirect.INHERIT);
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor();
      JsonNode result = Json.mapper().readTree(lastLine(output));
      if (result == null || result.has("error")) {
        return Result.absent(
            result == null ? "no output from " + SCRIPT : result.get("error").asText());
      }
      if (process.exitValue() != 0) {
        throw new IOException(SCRIPT + " failed (exit " + process.exitValue() + "): " + output);
      }
      return new Result(
          result.get("fit_images_per_second").asDouble(),
          result.get("inference_images_per_second").asDouble(),
          String.format(
              Locale.ROOT,
              "PyTorch %s, %d threads, BLAS %s (checked: OpenBLAS); "
                  + "each side measured %d minibatches after %d unmeasured ones",
              result.get("torch").asText(),
              result.get("threads").asInt(),
              result.get("blas").asText(),
              iterations,
              Math.max(1, warmup)),
          true);
    } finally {
      Files.deleteIfExists(script);
    }
  }

  private static String lastLine(String output) {
    List<String> lines = output.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }
}

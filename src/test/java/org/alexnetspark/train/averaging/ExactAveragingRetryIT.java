package org.alexnetspark.train.averaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Exact under task retries, in a Spark of its own (a child JVM on local[2,3], where a task may be
 * attempted three times): in every round partition 0's first attempt fails after fitting a
 * minibatch; every minibatch must still count exactly once and the average equal the sequential
 * one.
 */
class ExactAveragingRetryIT {
  @ParameterizedTest(name = "{0}, momentum {1}, combine {2}")
  @CsvSource({
    "RESULTS,AVERAGED,DRIVER,3",
    "BLOCKS,AVERAGED,DRIVER,3",
    "RESULTS,AVERAGED,TREE,3",
    "RESULTS,LOCAL,DRIVER,5",
    "BLOCKS,LOCAL,TREE,5"
  })
  void aRetriedTaskCountsEachMinibatchOnce(
      String transport, String momentum, String combine, int failures) throws Exception {
    String javaBin =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> command = new ArrayList<>(List.of(javaBin, "-Xmx2g"));
    command.addAll(
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(
                a ->
                    a.startsWith("--add-opens")
                        || a.startsWith("-XX:+Ignore")
                        || a.startsWith("-Djdk.reflect"))
            .toList());
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            RetryScenario.class.getName(),
            transport,
            momentum,
            combine));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(5, TimeUnit.MINUTES));
    String last = output.lines().filter(l -> l.startsWith("RETRY ")).reduce((a, b) -> b).orElse("");
    System.out.println(last);
    assertEquals(0, process.exitValue(), output.substring(Math.max(0, output.length() - 4000)));
    // Averaged: partition 0, once in each of 3 rounds; local (one worker): once in each of 5.
    assertTrue(last.contains("failedTasks=" + failures), last);
    assertTrue(last.contains("fitted=25 loaded=25 distinct=25"), last);
    assertTrue(last.contains("equal=true"), last);
  }
}

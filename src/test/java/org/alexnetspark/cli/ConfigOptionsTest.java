package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.alexnetspark.testing.CommandRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --set} and {@code --conf} as the command line reports them: secrets are never repeated.
 */
class ConfigOptionsTest {
  private static final String SECRET = "S3CR3T";
  private static final String TOKEN = "tok-5e1d0c2b";

  /**
   * The {@code alexnet} command in a JVM of its own (this test's classpath), with {@code TOKEN} in
   * its environment: a JVM cannot change its own environment, which ${TOKEN} is read from.
   */
  private static CommandRun separateProcess(Path dir, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of("-cp", System.getProperty("java.class.path"), AlexNetCommand.class.getName()));
    command.addAll(List.of(args));
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("TOKEN", TOKEN);
    Process process = builder.start();
    assertTrue(process.waitFor(2, TimeUnit.MINUTES), "alexnet finished");
    return new CommandRun(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void neitherASetWithoutEqualsNorAValueFromTheEnvironmentIsPrinted(@TempDir Path dir)
      throws Exception {
    CommandRun run =
        separateProcess(
            dir, "model", "--set", "fs.s3a.secret.key:" + SECRET, "--set", "data.decoder=${TOKEN}");
    System.out.println(
        "exit " + run.exitCode() + "\nstdout:\n" + run.out() + "stderr:\n" + run.err());
    assertEquals(ExitCodes.USAGE, run.exitCode());
    for (String printed : List.of(run.out(), run.err())) {
      assertFalse(printed.contains(SECRET), printed);
      assertFalse(printed.contains(TOKEN), printed);
    }
    assertTrue(
        run.err().contains("the 1st --set (fs.s3a.secret.key:...): expected key=value"), run.err());
    assertTrue(
        run.err().contains("'data.decoder' = <redacted>: must be one of auto | turbojpeg | opencv"),
        run.err());
    assertTrue(run.err().contains("(set in environment variable TOKEN)"), run.err());
  }

  @Test
  void theRestOfASetWithSpacesIsNotRepeated() {
    CommandRun run = CommandRun.of("model", "--set", "fs.s3a.secret.key", "=", SECRET);
    assertEquals(ExitCodes.USAGE, run.exitCode());
    assertFalse(run.err().contains(SECRET), run.err());
    assertTrue(run.err().contains("2 argument(s) after a --set were not expected"), run.err());
    // Other unmatched arguments are still named, with picocli's suggestions.
    CommandRun typo = CommandRun.of("modle");
    assertEquals(ExitCodes.USAGE, typo.exitCode());
    assertTrue(typo.err().contains("'modle'"), typo.err());
  }

  @Test
  void aSetOfAnUnknownKeyOrWithoutEqualsNeverShowsItsValue() {
    CommandRun run =
        CommandRun.of(
            "model", "--set", "fs.s3a.access.key=" + SECRET, "--set", "train.token:" + SECRET);
    assertEquals(ExitCodes.USAGE, run.exitCode());
    assertFalse(run.err().contains(SECRET), run.err());
    assertTrue(run.err().contains("unknown key 'fs.s3a.access.key'"), run.err());
    assertTrue(run.err().contains("the 2nd --set (train.token:...)"), run.err());
    assertEquals("", run.out());
  }

  @Test
  void followSetFindsArgumentsAfterASet() {
    assertTrue(
        ConfigOptions.followSet(List.of("="), new String[] {"model", "--set", "k", "=", "v"}));
    assertTrue(ConfigOptions.followSet(List.of("v"), new String[] {"model", "--set=k", "v"}));
    assertFalse(ConfigOptions.followSet(List.of("modle"), new String[] {"modle", "--set", "k=v"}));
    assertFalse(ConfigOptions.followSet(List.of("x"), new String[] {"model", "x"}));
  }
}

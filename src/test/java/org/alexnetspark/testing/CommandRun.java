package org.alexnetspark.testing;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.List;
import org.alexnetspark.cli.AlexNetCommand;
import picocli.CommandLine;

/**
 * One {@code alexnet} command run in this JVM, as a user would type it, with what it printed.
 *
 * @param exitCode the command's exit code
 * @param out what it printed on standard output
 * @param err what it printed on standard error
 */
public record CommandRun(int exitCode, String out, String err) {

  /** Runs {@code alexnet <args>} in this JVM. */
  public static CommandRun of(String... args) {
    CommandLine line = AlexNetCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int code = line.execute(args);
    return new CommandRun(code, out.toString(), err.toString());
  }

  /**
   * Runs {@code alexnet <args>} in this JVM with {@code spark.master} pointing at a port where
   * nothing listens: a command that started Spark would fail there, so a refusal it prints was made
   * before Spark started.
   */
  public static CommandRun beforeSpark(String... args) throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort(); // closed again: nothing listens there
    }
    System.setProperty("spark.master", "spark://127.0.0.1:" + port);
    try {
      return of(args);
    } finally {
      System.clearProperty("spark.master");
    }
  }

  /** As {@link #of(String...)}, with the words given as a list. */
  public static CommandRun of(List<String> args) {
    return of(args.toArray(String[]::new));
  }

  /** The last line printed on standard output, or "" if none. */
  public String lastLine() {
    List<String> lines = out.lines().toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }
}

package org.alexnetspark.cli;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Drops lines that libraries print to standard output unconditionally, so that the command's own
 * output (tables, progress) stays readable and parseable.
 *
 * <p>ND4J 1.0.0-M2.1's {@code SameDiff.createGradFunction} prints "Added differentiated op NAME"
 * for every op of every SameDiff layer the first time a network is trained (a debugging statement
 * left in that release; 1.0.0-M2 does not have it). Everything else passes through unchanged.
 */
final class StdoutNoiseFilter extends FilterOutputStream {
  private static final List<String> DROPPED_PREFIXES = List.of("Added differentiated op ");

  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  private StdoutNoiseFilter(OutputStream out) {
    super(out);
  }

  /** Replaces {@code System.out} with a filtered stream. */
  static void install() {
    System.setOut(new PrintStream(new StdoutNoiseFilter(System.out), true, StandardCharsets.UTF_8));
  }

  @Override
  public synchronized void write(int b) throws IOException {
    line.write(b);
    if (b == '\n') {
      flushLine();
    }
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
    for (int i = offset; i < offset + length; i++) {
      write(bytes[i]);
    }
  }

  @Override
  public synchronized void flush() throws IOException {
    // A partial line cannot be judged yet; pass it on only if it cannot become a dropped one.
    String pending = line.toString(StandardCharsets.UTF_8);
    if (DROPPED_PREFIXES.stream().noneMatch(p -> p.startsWith(pending) || pending.startsWith(p))) {
      flushLine();
    }
    out.flush();
  }

  private void flushLine() throws IOException {
    String text = line.toString(StandardCharsets.UTF_8);
    if (DROPPED_PREFIXES.stream().noneMatch(text::startsWith)) {
      line.writeTo(out);
    }
    line.reset();
  }
}

package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StdoutNoiseFilterTest {

  @Test
  void dropsOnlyTheLibrarysDebugLines() {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      StdoutNoiseFilter.install();
      System.out.println("epoch 1");
      System.out.println("Added differentiated op conv2d");
      System.out.print("Added ");
      System.out.flush();
      System.out.println("differentiated op relu");
      System.out.print("partial");
      System.out.flush();
      System.out.println(" line kept");
      System.out.println("Added a row");
    } finally {
      System.setOut(original);
    }
    assertEquals(
        String.join(System.lineSeparator(), "epoch 1", "partial line kept", "Added a row", ""),
        captured.toString(StandardCharsets.UTF_8));
  }
}

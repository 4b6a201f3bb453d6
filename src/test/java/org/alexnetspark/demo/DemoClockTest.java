package org.alexnetspark.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DemoClockTest {
  private static double secondsAgo(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  @Test
  void theClockStartsWhenTheScriptDid() {
    long startedAt = System.currentTimeMillis() / 1000 - 90;
    assertEquals(90, secondsAgo(DemoJob.startOfCommand(Long.toString(startedAt))), 1.5);
  }

  @Test
  void withoutAUsableStartTheClockStartsNow() {
    long future = System.currentTimeMillis() / 1000 + 600;
    long dayAgo = System.currentTimeMillis() / 1000 - 86_400;
    for (String value :
        new String[] {null, "", "soon", "-5", Long.toString(future), Long.toString(dayAgo)}) {
      assertEquals(0, secondsAgo(DemoJob.startOfCommand(value)), 1.0, String.valueOf(value));
    }
  }
}

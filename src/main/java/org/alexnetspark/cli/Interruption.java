package org.alexnetspark.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) or SIGTERM while a command runs: Spark's own shutdown hook then stops Spark and
 * the running job fails with a long trace. This notices the shutdown, so that the command reports
 * "interrupted" in one line instead, and gives it a few seconds to do so before the JVM ends.
 */
final class Interruption {
  private static volatile boolean happened;
  private static final CountDownLatch REPORTED = new CountDownLatch(1);

  private Interruption() {}

  /** Watches for the JVM's shutdown; call once, before the command runs. */
  static void install() {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  happened = true;
                  try {
                    REPORTED.await(10, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "alexnet-interruption"));
  }

  /** Whether the JVM is shutting down under the command. */
  static boolean happened() {
    return happened;
  }

  /** The command has said its last word; the shutdown may go on. */
  static void reported() {
    REPORTED.countDown();
  }
}

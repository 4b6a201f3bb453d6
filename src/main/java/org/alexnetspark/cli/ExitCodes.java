package org.alexnetspark.cli;

/** Process exit codes of the {@code alexnet} command. */
final class ExitCodes {
  /** The job did what was asked. */
  static final int OK = 0;

  /** The job failed while running (I/O, data, training). */
  static final int FAILED = 1;

  /** The command line or the configuration was refused; nothing was run. */
  static final int USAGE = 2;

  /** Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it). */
  static final int INTERRUPTED = 130;

  private ExitCodes() {}
}

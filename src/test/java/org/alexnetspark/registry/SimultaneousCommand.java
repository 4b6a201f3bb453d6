package org.alexnetspark.registry;

import org.alexnetspark.cli.AlexNetCommand;
import picocli.CommandLine;

/**
 * {@code alexnet} started in a JVM of its own that waits until a given instant before running its
 * command: several such JVMs run their commands at the same moment, whatever their start-up times.
 * Arguments: the instant (milliseconds since the epoch), then the command's arguments.
 */
public final class SimultaneousCommand {
  private SimultaneousCommand() {}

  public static void main(String[] args) throws InterruptedException {
    long at = Long.parseLong(args[0]);
    String[] command = java.util.Arrays.copyOfRange(args, 1, args.length);
    CommandLine line = AlexNetCommand.commandLine();
    long wait = at - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
    int code = line.execute(command);
    line.getOut().flush();
    line.getErr().flush();
    System.exit(code);
  }
}

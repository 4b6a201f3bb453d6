package org.alexnetspark.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Peak resident memory of a process, from Linux's {@code /proc/<pid>/status} (VmHWM). */
public final class PeakMemory {
  private PeakMemory() {}

  /** VmHWM of process {@code pid} in bytes, or empty when it cannot be read (gone, not Linux). */
  public static OptionalLong of(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          String[] parts = line.substring("VmHWM:".length()).trim().split("\\s+");
          return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through: not measurable
    }
    return OptionalLong.empty();
  }

  /** VmHWM of this JVM. */
  public static OptionalLong ofThisProcess() {
    return of(ProcessHandle.current().pid());
  }
}

package org.alexnetspark.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** {@code --conf} and {@code --set}, shared by every subcommand that reads the configuration. */
final class ConfigOptions {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigOptions.class);

  @Option(
      names = "--conf",
      paramLabel = "FILE",
      description =
          "HOCON file layered over the defaults (conf/alexnet.conf); repeatable, later files win.")
  private List<Path> files = new ArrayList<>();

  @Option(names = "--verbose", description = "Log the whole effective configuration at the start.")
  private boolean verbose;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Override one key, e.g. --set optimizer.learning-rate=0.02; repeatable, applied after --conf.")
  private List<String> overrides = new ArrayList<>();

  /** The --conf files, in order. */
  List<Path> files() {
    return List.copyOf(files);
  }

  /** The --set overrides, in order. */
  List<String> overrides() {
    return List.copyOf(overrides);
  }

  /**
   * Whether any of {@code unmatched} (arguments the command line did not take) comes after a {@code
   * --set} in {@code args}: then it is likely the rest of a {@code --set key = value}.
   */
  static boolean followSet(List<String> unmatched, String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--set") || args[i].startsWith("--set=")) {
        for (int j = i + 1; j < args.length; j++) {
          if (unmatched.contains(args[j])) {
            return true;
          }
        }
        return false;
      }
    }
    return false;
  }

  /**
   * Loads and validates the configuration, with the subcommand's own flags (as {@code key=value})
   * applied last, and logs the effective configuration (values that look secret or came from the
   * environment are logged as {@code <redacted>}).
   */
  AlexNetConfig load(List<String> flagOverrides) {
    List<String> all = new ArrayList<>(overrides);
    all.addAll(flagOverrides);
    AlexNetConfig config = AlexNetConfig.load(files, all);
    if (verbose) {
      LOG.info("effective configuration:\n{}", config.summary());
    } else {
      LOG.debug("effective configuration:\n{}", config.summary());
    }
    return config;
  }
}

package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.alexnetspark.cli.AlexNetCommand;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import picocli.CommandLine;

/**
 * The {@code alexnet} command line as scripts and job specs call it: every invocation is parsed by
 * the real command line (unknown subcommands and options, missing required ones and bad values
 * fail), and its --set keys by the real configuration.
 */
public final class CommandSurface {
  /** Subcommands not yet in the command line, with the options they will take (none now). */
  static final Map<String, Set<String>> PLANNED = Map.of();

  /** Options every subcommand takes. */
  static final Set<String> SHARED = Set.of("--conf", "--set", "--help", "--version");

  private CommandSurface() {}

  /** Whether the subcommand exists in this build. */
  static boolean exists(String subcommand) {
    return AlexNetCommand.commandLine().getSubcommands().containsKey(subcommand);
  }

  /**
   * Checks one invocation, {@code arguments} starting with the subcommand, and its --set keys.
   *
   * @param where the script or spec, for messages
   */
  static void check(String where, List<String> arguments) {
    assertFalse(arguments.isEmpty(), where + ": no subcommand");
    String subcommand = arguments.get(0);
    String shown = "alexnet " + String.join(" ", arguments);
    if (exists(subcommand)) {
      try {
        AlexNetCommand.commandLine().parseArgs(arguments.toArray(String[]::new));
      } catch (CommandLine.ParameterException e) {
        fail(where + ": " + shown + ": " + e.getMessage());
      }
    } else {
      Set<String> options = PLANNED.get(subcommand);
      assertNotNull(
          options, where + ": there is no subcommand '" + subcommand + "', and none is planned");
      for (String argument : arguments.subList(1, arguments.size())) {
        if (argument.startsWith("--")) {
          String option = optionName(argument);
          assertTrue(
              options.contains(option) || SHARED.contains(option),
              where
                  + ": the planned subcommand '"
                  + subcommand
                  + "' will have no option "
                  + option);
        }
      }
    }
    List<String> overrides = values(arguments, "--set");
    try {
      AlexNetConfig.load(List.of(), overrides);
    } catch (InvalidConfigException e) {
      fail(where + ": " + shown + ": " + e.getMessage());
    }
  }

  /** The values given to an option, as {@code --option value} or {@code --option=value}. */
  public static List<String> values(List<String> arguments, String option) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < arguments.size(); i++) {
      String argument = arguments.get(i);
      if (argument.equals(option) && i + 1 < arguments.size()) {
        values.add(arguments.get(++i));
      } else if (argument.startsWith(option + "=")) {
        values.add(argument.substring(option.length() + 1));
      }
    }
    return values;
  }

  static String optionName(String argument) {
    int equals = argument.indexOf('=');
    return equals < 0 ? argument : argument.substring(0, equals);
  }
}

package org.alexnetspark.config;

import java.util.List;

/**
 * A configuration was refused. Carries every problem found, each naming the key, the value and what
 * is allowed, so that a user can fix them all in one go.
 */
public final class InvalidConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public InvalidConfigException(List<String> problems) {
    super(format(problems));
    this.problems = List.copyOf(problems);
  }

  /** The individual problems, one sentence each. */
  public List<String> problems() {
    return problems;
  }

  private static String format(List<String> problems) {
    if (problems.size() == 1) {
      return "invalid configuration: " + problems.get(0);
    }
    StringBuilder message =
        new StringBuilder("invalid configuration (" + problems.size() + " problems):");
    for (String problem : problems) {
      message.append("\n  - ").append(problem);
    }
    return message.toString();
  }
}

package org.alexnetspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.DoublePredicate;
import java.util.function.LongPredicate;

/**
 * Typed, validating access to a resolved {@link Config}. Instead of failing on the first bad value
 * it records a problem naming the key, the value found and what is allowed, and returns a harmless
 * placeholder so that reading can continue; {@link #throwIfInvalid()} then reports them all. The
 * values of hidden keys ({@link Redaction}) are never repeated in a problem.
 */
final class ConfigReader {
  private final Config config;
  private final Set<String> redacted;
  private final List<String> problems = new ArrayList<>();

  /**
   * @param earlierProblems problems already found in the layers (unknown keys, replaced sections),
   *     reported together with those found here
   * @param redacted keys whose values are hidden
   */
  ConfigReader(Config config, Set<String> redacted, List<String> earlierProblems) {
    this.config = config;
    this.redacted = redacted;
    this.problems.addAll(earlierProblems);
  }

  String string(String key) {
    try {
      return config.getString(key);
    } catch (ConfigException e) {
      wrongType(key, "a string");
      return "";
    }
  }

  <E extends Enum<E>> E choice(String key, Class<E> type, E placeholder) {
    String value = string(key);
    for (E constant : type.getEnumConstants()) {
      if (constant.toString().equals(value)) {
        return constant;
      }
    }
    List<String> allowed = new ArrayList<>();
    for (E constant : type.getEnumConstants()) {
      allowed.add(constant.toString());
    }
    problem(key, "must be one of " + String.join(" | ", allowed));
    return placeholder;
  }

  int integer(String key, LongPredicate allowed, String allowedText) {
    long value;
    try {
      value = config.getLong(key);
    } catch (ConfigException e) {
      wrongType(key, "a whole number");
      return 0;
    }
    if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE || !allowed.test(value)) {
      problem(key, allowedText);
      return 0;
    }
    return (int) value;
  }

  long longValue(String key, LongPredicate allowed, String allowedText) {
    long value;
    try {
      value = config.getLong(key);
    } catch (ConfigException e) {
      wrongType(key, "a whole number");
      return 0;
    }
    if (!allowed.test(value)) {
      problem(key, allowedText);
    }
    return value;
  }

  long bytes(String key, LongPredicate allowed, String allowedText) {
    long value;
    try {
      value = config.getBytes(key);
    } catch (ConfigException e) {
      wrongType(key, "a size such as 128m or 1g");
      return 0;
    }
    if (!allowed.test(value)) {
      problem(key, allowedText);
    }
    return value;
  }

  double number(String key, DoublePredicate allowed, String allowedText) {
    double value;
    try {
      value = config.getDouble(key);
    } catch (ConfigException e) {
      wrongType(key, "a number");
      return Double.NaN;
    }
    if (!Double.isFinite(value) || !allowed.test(value)) {
      problem(key, allowedText);
    }
    return value;
  }

  boolean bool(String key) {
    try {
      return config.getBoolean(key);
    } catch (ConfigException e) {
      wrongType(key, "true or false");
      return false;
    }
  }

  List<String> strings(String key) {
    try {
      return List.copyOf(config.getStringList(key));
    } catch (ConfigException e) {
      wrongType(key, "a list of strings");
      return List.of();
    }
  }

  /**
   * Records a problem with the value under {@code key}; {@code allowed} says what would be
   * accepted.
   */
  void problem(String key, String allowed) {
    if (!config.hasPathOrNull(key) && !problems.isEmpty()) {
      return; // a section replaced by a single value, already reported
    }
    problems.add(
        "'" + key + "' = " + render(key) + ": " + allowed + " (set in " + origin(key) + ")");
  }

  /** {@code text}, part of the value under {@code key}, for a message: hidden if the key is. */
  String shown(String key, String text) {
    return redacted.contains(key) ? Redaction.REDACTED : text;
  }

  void throwIfInvalid() {
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }

  private void wrongType(String key, String expected) {
    problem(key, "must be " + expected);
  }

  private String render(String key) {
    if (!config.hasPathOrNull(key)) {
      return "(missing)";
    }
    if (config.getIsNull(key)) {
      return "null";
    }
    if (redacted.contains(key)) {
      return Redaction.REDACTED;
    }
    ConfigValue value = config.getValue(key);
    return value.render(ConfigRenderOptions.concise());
  }

  private String origin(String key) {
    return config.hasPathOrNull(key) ? describe(config.getValue(key).origin()) : "nowhere";
  }

  /**
   * Where a value came from, as a user would name it: a file and line, a --set, or the defaults.
   */
  static String describe(ConfigOrigin origin) {
    if (origin.filename() != null) {
      return origin.filename() + " line " + origin.lineNumber();
    }
    if (origin.resource() != null && origin.resource().equals(AlexNetConfig.DEFAULTS_RESOURCE)) {
      return "the defaults";
    }
    if (origin.resource() != null) {
      return "conf/" + origin.resource() + " line " + origin.lineNumber();
    }
    String description = origin.description();
    int lineSuffix = description.lastIndexOf(": ");
    return lineSuffix > 0 ? description.substring(0, lineSuffix) : description;
  }
}

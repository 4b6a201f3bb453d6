package org.alexnetspark.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigResolver;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a configuration never shows: the values of keys that look secret and every value read from
 * the environment by a {@code ${VAR}} substitution. Such values are replaced by {@link #REDACTED}
 * in logs, in error messages and in the configuration stored with every artifact.
 */
public final class Redaction {
  /** What is shown and stored in place of a hidden value. */
  public static final String REDACTED = "<redacted>";

  /**
   * Words that make a key look secret when one of its path segments holds them as a whole word:
   * {@code fs.s3a.secret.key}, {@code access-key}, {@code db.password}, {@code apiKey}, but not
   * {@code keep-last} or {@code monkey}.
   */
  private static final Set<String> SECRET_WORDS =
      Set.of(
          "secret",
          "secrets",
          "password",
          "passwd",
          "passphrase",
          "token",
          "key",
          "apikey",
          "credential",
          "credentials");

  /**
   * Splits a path segment into words: at '-', '_' and where a lower-case letter meets a capital.
   */
  private static final Pattern WORD_BOUNDARY = Pattern.compile("[-_\\s]+|(?<=[a-z0-9])(?=[A-Z])");

  /** How the origin of a value read from the environment begins. */
  private static final String ENVIRONMENT_ORIGIN = "environment variable ";

  private Redaction() {}

  /**
   * Whether {@code key} (a HOCON path such as {@code fs.s3a.secret.key}) names a secret: one of its
   * words, split at '.', '-', '_' and camel case, is secret, password, passwd, passphrase, token,
   * key, apikey, credential(s) or secrets.
   */
  public static boolean looksSecret(String key) {
    for (String segment : key.split("\\.")) {
      for (String word : WORD_BOUNDARY.split(segment.replace("\"", ""))) {
        if (SECRET_WORDS.contains(word.toLowerCase(Locale.ROOT))) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether {@code value} (or any part of a list or object) was read from the environment. */
  static boolean fromEnvironment(ConfigValue value) {
    String origin = value.origin().description();
    if (origin != null && origin.contains(ENVIRONMENT_ORIGIN)) {
      return true;
    }
    if (value instanceof ConfigList list) {
      return list.stream().anyMatch(Redaction::fromEnvironment);
    }
    if (value instanceof ConfigObject object) {
      return object.values().stream().anyMatch(Redaction::fromEnvironment);
    }
    return false;
  }

  /**
   * Resolves {@code ${VAR}} substitutions that the configuration itself does not define from {@code
   * environment}, giving each value found an origin that marks it as read from there.
   */
  static ConfigResolver environmentResolver(Map<String, String> environment) {
    return new EnvironmentResolver(environment);
  }

  private record EnvironmentResolver(Map<String, String> environment, ConfigResolver fallback)
      implements ConfigResolver {
    EnvironmentResolver(Map<String, String> environment) {
      this(environment, null);
    }

    @Override
    public ConfigValue lookup(String path) {
      String value = environment.get(path);
      if (value != null) {
        return ConfigValueFactory.fromAnyRef(value, ENVIRONMENT_ORIGIN + path);
      }
      return fallback == null ? null : fallback.lookup(path);
    }

    @Override
    public ConfigResolver withFallback(ConfigResolver next) {
      return new EnvironmentResolver(
          environment, fallback == null ? next : fallback.withFallback(next));
    }
  }
}

package org.alexnetspark.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;

/** The configuration's refusal of a set of overrides, for tests of its messages. */
public final class ConfigRefusal {
  private ConfigRefusal() {}

  /**
   * What the defaults with {@code overrides} ({@code key=value}) are refused with; fails the test
   * if they are accepted.
   */
  public static InvalidConfigException of(String... overrides) {
    return assertThrows(
        InvalidConfigException.class, () -> AlexNetConfig.load(List.of(), List.of(overrides)));
  }
}

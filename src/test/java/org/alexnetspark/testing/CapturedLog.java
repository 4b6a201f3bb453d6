package org.alexnetspark.testing;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * The lines one class logs while a test runs ({@code try (CapturedLog log =
 * CapturedLog.of(X.class)) {...}}), as "LEVEL message", so that a test can check what a user is
 * told.
 */
public final class CapturedLog implements AutoCloseable {
  private final Logger logger;
  private final AbstractAppender appender;
  private final List<String> lines = new ArrayList<>();

  private CapturedLog(Class<?> source) {
    logger = (Logger) LogManager.getLogger(source);
    appender =
        new AbstractAppender(
            "captured-" + source.getName(), null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent event) {
            synchronized (lines) {
              lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
            }
          }
        };
    appender.start();
    logger.addAppender(appender);
  }

  /** Starts capturing what {@code source} logs. */
  public static CapturedLog of(Class<?> source) {
    return new CapturedLog(source);
  }

  /** The lines logged so far, oldest first. */
  public List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** The warnings logged so far. */
  public List<String> warnings() {
    return lines().stream().filter(l -> l.startsWith("WARN ")).toList();
  }

  @Override
  public void close() {
    logger.removeAppender(appender);
    appender.stop();
  }
}

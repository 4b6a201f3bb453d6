package org.alexnetspark.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Versions this build was made with (filled in by Maven), for {@code --version} and provenance. */
public final class BuildInfo {
  private static final Properties PROPERTIES = load();

  private BuildInfo() {}

  private static Properties load() {
    Properties properties = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("/alexnet-build.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties;
  }

  /** This project's version. */
  public static String version() {
    return PROPERTIES.getProperty("version", "unknown");
  }

  /** The versions of the project and its main dependencies, in a stable order. */
  public static Map<String, String> versions() {
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put("alexnet-spark", version());
    versions.put("dl4j", PROPERTIES.getProperty("dl4j", "unknown"));
    versions.put("nd4j-backend", PROPERTIES.getProperty("backend", "unknown"));
    versions.put("spark", PROPERTIES.getProperty("spark", "unknown"));
    versions.put("scala", PROPERTIES.getProperty("scala", "unknown"));
    versions.put("hadoop", PROPERTIES.getProperty("hadoop", "unknown"));
    versions.put("java", System.getProperty("java.version"));
    return versions;
  }
}

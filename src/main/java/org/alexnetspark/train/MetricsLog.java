package org.alexnetspark.train;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;

/**
 * Metrics as JSON lines in {@code <output>/metrics.jsonl}: one {@code "kind": "round"} line per
 * Spark job of averaging rounds (iteration, loss, learning rate, images/s, time computing vs
 * averaging and broadcasting, bytes averaged) and one {@code "kind": "epoch"} line per epoch
 * ({@code epoch}, {@code val_top1}, {@code val_top5} as accuracies in [0, 1], loss, learning rate).
 * The file is rewritten atomically with each checkpoint, so it always matches the last one.
 */
public final class MetricsLog {
  private static final com.fasterxml.jackson.databind.ObjectWriter ONE_LINE =
      Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

  private final Storage storage;
  private final URI file;
  private final List<Map<String, Object>> lines = new ArrayList<>();

  public MetricsLog(Storage storage, URI output) {
    this.storage = storage;
    this.file = URI.create(output.toString().replaceAll("/$", "") + "/metrics.jsonl");
  }

  /** Reloads the lines of an earlier run up to {@code iteration} (what a checkpoint covers). */
  @SuppressWarnings("unchecked")
  public void resumeAt(long iteration) throws IOException {
    lines.clear();
    if (!storage.fileSystem(file).exists(storage.path(file))) {
      return;
    }
    for (String line : storage.readText(file).split("\n")) {
      if (!line.isBlank()) {
        Map<String, Object> values = Json.read(line, LinkedHashMap.class, file.toString());
        if (((Number) values.get("iteration")).longValue() <= iteration) {
          lines.add(values);
        }
      }
    }
  }

  public void add(Map<String, Object> line) {
    lines.add(new LinkedHashMap<>(line));
  }

  public List<Map<String, Object>> lines() {
    return List.copyOf(lines);
  }

  /** Rewrites the file with every line so far. */
  public void flush() throws IOException {
    StringBuilder text = new StringBuilder();
    for (Map<String, Object> line : lines) {
      text.append(ONE_LINE.writeValueAsString(line)).append('\n');
    }
    storage.writeText(file, text.toString());
  }
}

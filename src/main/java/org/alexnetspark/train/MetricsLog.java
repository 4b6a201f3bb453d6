package org.alexnetspark.train;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Metrics as JSON lines in {@code <output>/metrics.jsonl}: one {@link RoundMetrics} line per Spark
 * job of averaging rounds and one {@link EpochMetrics} line per epoch, told apart by {@code
 * "kind"}. As a listener it records every event; {@link #flush} rewrites the file atomically, and
 * is called with each checkpoint, so that the file always matches the last checkpoint.
 */
public final class MetricsLog implements TrainingListener {
  private static final ObjectWriter ONE_LINE =
      Json.mapper().writerFor(MetricsLine.class).without(SerializationFeature.INDENT_OUTPUT);

  private final Storage storage;
  private final URI output;
  private final URI file;
  private final List<MetricsLine> lines = new ArrayList<>();

  public MetricsLog(Storage storage, URI output) {
    this.storage = storage;
    this.output = output;
    this.file = Locations.child(output, "metrics.jsonl");
  }

  /** Reads the lines of a run's metrics file. */
  public static List<MetricsLine> read(Storage storage, URI output) throws IOException {
    URI file = Locations.child(output, "metrics.jsonl");
    List<MetricsLine> lines = new ArrayList<>();
    if (!storage.exists(file)) {
      return lines;
    }
    for (String line : storage.readText(file).split("\n")) {
      if (!line.isBlank()) {
        lines.add(Json.read(line, MetricsLine.class, file.toString()));
      }
    }
    return lines;
  }

  /**
   * Picks up the lines of the run that {@code state} (a checkpoint's) belongs to: the round lines
   * up to its iteration, and its finished epochs as the checkpoint records them; an epoch not yet
   * validated gets its line when it is.
   */
  public void resumeAt(TrainingState state) throws IOException {
    lines.clear();
    List<EpochMetrics> epochs = new ArrayList<>(state.epochs());
    if (!state.validated() && !epochs.isEmpty()) {
      epochs.remove(epochs.size() - 1);
    }
    int next = 0;
    for (MetricsLine line : read(storage, output)) {
      if (line instanceof RoundMetrics round && round.iteration() <= state.iteration()) {
        while (next < epochs.size() && epochs.get(next).iteration() < round.iteration()) {
          lines.add(epochs.get(next++));
        }
        lines.add(round);
      }
    }
    lines.addAll(epochs.subList(next, epochs.size()));
  }

  @Override
  public TrainingState on(Event event, TrainingState state, ComputationGraph network) {
    if (event instanceof RoundEnd round) {
      lines.add(round.metrics());
    } else if (event instanceof EpochEnd) {
      lines.add(state.lastEpoch());
    }
    return state;
  }

  public List<MetricsLine> lines() {
    return List.copyOf(lines);
  }

  /** Rewrites the file with every line so far. */
  public void flush() throws IOException {
    StringBuilder text = new StringBuilder();
    for (MetricsLine line : lines) {
      text.append(ONE_LINE.writeValueAsString(line)).append('\n');
    }
    storage.writeText(file, text.toString());
  }
}

package org.alexnetspark.predict;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.alexnetspark.io.Json;

/**
 * How predictions are printed.
 *
 * <ul>
 *   <li>{@link #TABLE}: aligned columns {@code image rank probability class wnid name}, the image
 *       named on its first row; images that failed are left out (they are reported on standard
 *       error).
 *   <li>{@link #JSON}: one array with an object per image: {@code {"image", "top": [{"rank",
 *       "class", "wnid", "name", "probability"}]}}, or {@code {"image", "error"}}.
 *   <li>{@link #CSV}: RFC 4180 with a header, a row per image and rank: {@code
 *       image,rank,class,wnid,name,probability,error}; a failed image has one row with only {@code
 *       image} and {@code error}.
 * </ul>
 */
public enum PredictionFormat {
  TABLE,
  JSON,
  CSV;

  /** The format named {@code name} (any case). */
  public static PredictionFormat parse(String name) {
    for (PredictionFormat format : values()) {
      if (format.name().equalsIgnoreCase(name)) {
        return format;
      }
    }
    throw new IllegalArgumentException("unknown format '" + name + "': use table, json or csv");
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Prints {@code predictions} to {@code out}. */
  public void write(List<Prediction> predictions, PrintWriter out) {
    switch (this) {
      case TABLE -> table(predictions, out);
      case JSON -> json(predictions, out);
      case CSV -> csv(predictions, out);
    }
    out.flush();
  }

  private static void table(List<Prediction> predictions, PrintWriter out) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"image", "rank", "probability", "class", "wnid", "name"});
    for (Prediction prediction : predictions) {
      for (int r = 0; r < prediction.top().size(); r++) {
        Prediction.ClassScore score = prediction.top().get(r);
        rows.add(
            new String[] {
              r == 0 ? prediction.image() : "",
              Integer.toString(r + 1),
              String.format(Locale.ROOT, "%.4f", score.probability()),
              Integer.toString(score.index()),
              score.wnid(),
              score.name()
            });
      }
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        boolean number = c >= 1 && c <= 3;
        String cell =
            number
                ? " ".repeat(widths[c] - row[c].length()) + row[c]
                : c == row.length - 1 ? row[c] : row[c] + " ".repeat(widths[c] - row[c].length());
        line.append(c == 0 ? "" : "  ").append(cell);
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private static void json(List<Prediction> predictions, PrintWriter out) {
    ArrayNode array = Json.mapper().createArrayNode();
    for (Prediction prediction : predictions) {
      ObjectNode item = array.addObject().put("image", prediction.image());
      if (!prediction.ok()) {
        item.put("error", prediction.error());
        continue;
      }
      ArrayNode top = item.putArray("top");
      for (int r = 0; r < prediction.top().size(); r++) {
        Prediction.ClassScore score = prediction.top().get(r);
        top.addObject()
            .put("rank", r + 1)
            .put("class", score.index())
            .put("wnid", score.wnid())
            .put("name", score.name())
            .put("probability", score.probability());
      }
    }
    out.println(Json.write(array));
  }

  private static void csv(List<Prediction> predictions, PrintWriter out) {
    out.print("image,rank,class,wnid,name,probability,error\r\n");
    for (Prediction prediction : predictions) {
      if (!prediction.ok()) {
        out.print(cell(prediction.image()) + ",,,,,," + cell(prediction.error()) + "\r\n");
        continue;
      }
      for (int r = 0; r < prediction.top().size(); r++) {
        Prediction.ClassScore score = prediction.top().get(r);
        out.print(
            String.join(
                    ",",
                    cell(prediction.image()),
                    Integer.toString(r + 1),
                    Integer.toString(score.index()),
                    cell(score.wnid()),
                    cell(score.name()),
                    Float.toString(score.probability()),
                    "")
                + "\r\n");
      }
    }
  }

  /** A CSV field, quoted when it holds a comma, a quote or a line break. */
  private static String cell(String value) {
    if (value.indexOf(',') < 0
        && value.indexOf('"') < 0
        && value.indexOf('\n') < 0
        && value.indexOf('\r') < 0) {
      return value;
    }
    return '"' + value.replace("\"", "\"\"") + '"';
  }
}

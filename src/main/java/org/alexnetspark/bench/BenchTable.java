package org.alexnetspark.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The side-by-side table of {@code alexnet bench}: one row per measure, this project's figure
 * beside the reference measured in the same run, their ratio, the target and whether it is met.
 *
 * @param rows the measures, in the order measured
 * @param context what the run was: machine, load, versions, options
 */
public record BenchTable(List<Row> rows, Map<String, String> context) {

  public BenchTable {
    rows = List.copyOf(rows);
    context = Map.copyOf(context);
  }

  /**
   * One measure.
   *
   * @param section the bench section that measured it ({@code fit}, {@code sgemm}, ...)
   * @param measure what was measured, in words
   * @param unit unit of {@code ours} and {@code reference}
   * @param ours this project's figure, or null when not measured
   * @param reference the reference's figure, or null when there is none or it was not measured
   * @param ratio the figure the target applies to ({@code ours / reference} unless the note says
   *     otherwise), or null
   * @param target the goal for {@code ratio}, or null for a row that only informs
   * @param met whether {@code ratio} meets {@code target}; null when either is missing
   * @param note how it was measured, or why it was not
   */
  public record Row(
      String section,
      String measure,
      String unit,
      Double ours,
      Double reference,
      Double ratio,
      Target target,
      Boolean met,
      String note) {

    /** A measured row; {@code met} is computed from {@code ratio} and {@code target}. */
    public static Row of(
        String section,
        String measure,
        String unit,
        double ours,
        Double reference,
        Double ratio,
        Target target,
        String note) {
      Boolean met = target == null || ratio == null || ratio.isNaN() ? null : target.metBy(ratio);
      return new Row(section, measure, unit, ours, reference, ratio, target, met, note);
    }

    /** A row that could not be measured, saying why. */
    public static Row notMeasured(
        String section, String measure, String unit, Target target, String why) {
      return new Row(
          section, measure, unit, null, null, null, target, null, "not measured: " + why);
    }
  }

  /**
   * A goal for a row's ratio.
   *
   * @param atLeast true for "ratio >= bound", false for "ratio <= bound"
   * @param bound the bound
   */
  public record Target(boolean atLeast, double bound) {
    public static Target atLeast(double bound) {
      return new Target(true, bound);
    }

    public static Target atMost(double bound) {
      return new Target(false, bound);
    }

    public boolean metBy(double ratio) {
      return atLeast ? ratio >= bound : ratio <= bound;
    }

    @Override
    public String toString() {
      return (atLeast ? ">= " : "<= ") + number(bound);
    }
  }

  /** The rows of {@code section}. */
  public List<Row> section(String section) {
    return rows.stream().filter(r -> r.section().equals(section)).toList();
  }

  /** The table as fixed-width text, notes numbered below it, then the context. */
  public String render() {
    String[] header = {"measure", "this project", "reference", "ratio", "target", "met"};
    List<String[]> cells = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (Row row : rows) {
      notes.add(row.note());
      cells.add(
          new String[] {
            "[" + notes.size() + "] " + row.measure(),
            value(row.ours(), row.unit()),
            value(row.reference(), row.unit()),
            row.ratio() == null ? "-" : number(row.ratio()),
            row.target() == null ? "-" : row.target().toString(),
            row.met() == null ? "-" : row.met() ? "met" : "NOT MET"
          });
    }
    int[] widths = new int[header.length];
    for (int c = 0; c < header.length; c++) {
      widths[c] = header[c].length();
      for (String[] line : cells) {
        widths[c] = Math.max(widths[c], line[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    appendLine(out, header, widths);
    String[] rule = new String[header.length];
    for (int c = 0; c < header.length; c++) {
      rule[c] = "-".repeat(widths[c]);
    }
    appendLine(out, rule, widths);
    for (String[] line : cells) {
      appendLine(out, line, widths);
    }
    out.append(System.lineSeparator());
    for (int i = 0; i < notes.size(); i++) {
      out.append('[')
          .append(i + 1)
          .append("] ")
          .append(notes.get(i))
          .append(System.lineSeparator());
    }
    out.append(System.lineSeparator());
    context.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                out.append(e.getKey())
                    .append(": ")
                    .append(e.getValue())
                    .append(System.lineSeparator()));
    return out.toString();
  }

  private static void appendLine(StringBuilder out, String[] line, int[] widths) {
    for (int c = 0; c < line.length; c++) {
      String format = c == 0 ? "%-" + widths[c] + "s" : "  %" + widths[c] + "s";
      out.append(String.format(Locale.ROOT, format, line[c]));
    }
    out.append(System.lineSeparator());
  }

  private static String value(Double value, String unit) {
    return value == null ? "-" : number(value) + " " + unit;
  }

  /** Three significant digits, no exponent for the magnitudes seen here. */
  static String number(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    double magnitude = Math.abs(value);
    if (magnitude >= 100) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (magnitude >= 10) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    if (magnitude >= 0.01 || magnitude == 0) {
      return String.format(Locale.ROOT, "%.2f", value);
    }
    return String.format(Locale.ROOT, "%.2g", value);
  }
}

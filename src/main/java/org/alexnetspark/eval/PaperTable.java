package org.alexnetspark.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An evaluation's errors as a table beside the paper's: top-1 and top-5 error with the centre crop
 * and with ten crops, for each model and for the average of their softmax outputs, followed by the
 * rows of the paper's Table 1 (ILSVRC-2010 test set) and Table 2 (ILSVRC-2012 validation set). The
 * paper's figures are on ImageNet with ten crops (its Section 4.1); ours are on the dataset that
 * was evaluated, which the table says.
 */
public final class PaperTable {

  /**
   * A row of the paper.
   *
   * @param label what it was, as the paper names it, and on which set
   * @param top1Error top-1 error, a fraction
   * @param top5Error top-5 error, a fraction
   */
  public record PaperRow(String label, double top1Error, double top5Error) {}

  /** The paper's rows: Table 1 (ILSVRC-2010 test) and Table 2 (ILSVRC-2012 validation). */
  public static final List<PaperRow> PAPER =
      List.of(
          new PaperRow("paper, Table 1: CNN (ILSVRC-2010 test)", 0.375, 0.170),
          new PaperRow("paper, Table 2: 1 CNN (ILSVRC-2012 val)", 0.407, 0.182),
          new PaperRow("paper, Table 2: 5 CNNs (ILSVRC-2012 val)", 0.381, 0.164));

  private static final String ROW = "%-42s %7s %7s   %7s %7s";

  private PaperTable() {}

  /** The table's lines, without line ends. */
  public static List<String> lines(EvaluationReport report) {
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "error (%%) on %,d images of %s; the paper's rows are ImageNet figures, not this data",
            report.images(),
            report.provenance().data()));
    lines.add(
        String.format(Locale.ROOT, "%-42s %15s   %15s", "", "centre crop", "ten crops")
            .stripTrailing());
    lines.add(row("", "top-1", "top-5", "top-1", "top-5"));
    List<EvaluationReport.ModelResult> models = report.models();
    for (int m = 0; m < models.size(); m++) {
      EvaluationReport.ModelResult model = models.get(m);
      lines.add(
          row(
              "model " + (m + 1),
              percent(model.top1Error()),
              percent(model.top5Error()),
              percent(model.tenCropTop1Error()),
              percent(model.tenCropTop5Error())));
    }
    if (report.averaged()) {
      lines.add(
          row(
              "average of the " + models.size() + " models' softmax",
              percent(report.top1Error()),
              percent(report.top5Error()),
              percent(report.tenCropTop1Error()),
              percent(report.tenCropTop5Error())));
    }
    for (PaperRow paper : PAPER) {
      lines.add(
          row(paper.label(), "-", "-", percent(paper.top1Error()), percent(paper.top5Error())));
    }
    for (int m = 0; m < models.size(); m++) {
      lines.add("model " + (m + 1) + ": " + models.get(m).model());
    }
    return lines;
  }

  private static String row(String label, String a, String b, String c, String d) {
    return String.format(Locale.ROOT, ROW, label, a, b, c, d).stripTrailing();
  }

  private static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f", 100 * fraction);
  }
}

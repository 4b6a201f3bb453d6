package org.alexnetspark.io;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a hand-edited list file (a labels file, a class names file, {@code md5sum} output):
 * its 1-based line number, for errors, and its text without surrounding white space.
 *
 * @param number the line's number in the file, counting every line
 * @param text the line, stripped
 */
public record ListLine(int number, String text) {

  /** The entries of {@code text}: every line but blank ones and comments (starting with #). */
  public static List<ListLine> of(String text) {
    List<ListLine> lines = new ArrayList<>();
    int number = 0;
    for (String line : text.split("\\R")) {
      number++;
      String stripped = line.strip();
      if (!stripped.isEmpty() && !stripped.startsWith("#")) {
        lines.add(new ListLine(number, stripped));
      }
    }
    return lines;
  }
}

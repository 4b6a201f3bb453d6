package org.alexnetspark.prepare;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.alexnetspark.io.ListLine;

/**
 * The MD5 an archive must have: from a {@code --checksums} file ({@code md5sum} format, by file
 * name) or, for the ILSVRC-2012 archives, their published values.
 */
final class ArchiveChecksums {

  /**
   * The published MD5s of the ILSVRC-2012 archives (as image-net.org and torchvision give them).
   */
  static final Map<String, String> ILSVRC_2012 =
      Map.of(
          "ILSVRC2012_img_train.tar", "1d675b47d978889d74fa0da5fadfb00e",
          "ILSVRC2012_img_val.tar", "29b22e2961454d5413ddabcf34fc5622",
          "ILSVRC2012_devkit_t12.tar.gz", "fa75699e90414af021442c21a62c3abf");

  /** An archive's MD5 is not the expected one: it is damaged or another file. */
  static final class MismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    MismatchException(String message) {
      super(message);
    }
  }

  private final Map<String, String> expected;
  private final String source;

  private ArchiveChecksums(Map<String, String> expected, String source) {
    this.expected = expected;
    this.source = source;
  }

  /** The published values only. */
  static ArchiveChecksums published() {
    return new ArchiveChecksums(ILSVRC_2012, "the published ILSVRC-2012 checksums");
  }

  /** Lines of {@code md5sum}: {@code <32 hex digits> <space> <space or *><file name>}. */
  static ArchiveChecksums parse(String text, String source) throws IOException {
    Map<String, String> expected = new HashMap<>();
    for (ListLine line : ListLine.of(text)) {
      String[] parts = line.text().split("\\s+", 2);
      if (parts.length < 2 || !parts[0].matches("[0-9a-fA-F]{32}")) {
        throw new IOException(
            source
                + " line "
                + line.number()
                + ": expected '<md5> <file>' as md5sum writes it, found '"
                + line.text()
                + "'");
      }
      String name = parts[1].startsWith("*") ? parts[1].substring(1) : parts[1];
      expected.put(name.substring(name.lastIndexOf('/') + 1), parts[0].toLowerCase());
    }
    return new ArchiveChecksums(expected, source);
  }

  /**
   * Checks {@code actual} against the expected MD5 of {@code location}'s file name; a file with no
   * expected value passes. Returns what was checked against, for the log.
   */
  String verify(String location, String actual) throws MismatchException {
    String name = location.substring(location.lastIndexOf('/') + 1);
    String want = expected.get(name);
    String from = source;
    if (want == null && ILSVRC_2012.containsKey(name)) {
      want = ILSVRC_2012.get(name);
      from = "the published ILSVRC-2012 checksums";
    }
    if (want == null) {
      return "not checked: no MD5 known for " + name;
    }
    if (!want.equals(actual)) {
      throw new MismatchException(
          location
              + " has MD5 "
              + actual
              + ", expected "
              + want
              + " (from "
              + from
              + "): the archive is damaged or not the one named. Copy it again (and compare"
              + " with md5sum), or give its correct MD5 with --checksums");
    }
    return "MD5 " + actual + " matches " + from;
  }
}

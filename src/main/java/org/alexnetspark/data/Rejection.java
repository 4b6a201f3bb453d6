package org.alexnetspark.data;

import java.io.Serializable;

/**
 * An input that was skipped, and why: listed in the manifest of every prepared dataset.
 *
 * @param input where it is (a URI, or a labels-file line)
 * @param kind what kind of problem it was
 * @param reason what was wrong, in words
 */
public record Rejection(String input, Reason kind, String reason) implements Serializable {

  /** The kinds of problem an input can have. */
  public enum Reason {
    /** A file directly in the split folder of a class tree. */
    NOT_IN_CLASS_FOLDER,
    /** A class folder whose name could be misread as a path or option. */
    UNSAFE_CLASS_NAME,
    /** A class folder with no usable file (not an input itself). */
    EMPTY_CLASS_FOLDER,
    /** A folder inside a class folder. */
    NESTED_FOLDER,
    /** A file whose name starts with "." or "_". */
    HIDDEN_FILE,
    /** A file name with control characters. */
    CONTROL_CHARACTERS,
    /** A labels-file line that is not {@code <file> <class>}. */
    MALFORMED_LABELS_LINE,
    /** A labels-file entry naming a file outside the input folder. */
    ESCAPES_INPUT_FOLDER,
    /** A labels-file entry whose file does not exist. */
    LISTED_BUT_MISSING,
    /** A file of a flat folder that the labels file does not mention. */
    NOT_IN_LABELS_FILE,
    /** A class missing from the label map being reused. */
    UNKNOWN_CLASS,
    /** A file that could not be read. */
    UNREADABLE,
    /** A zero-byte file. */
    EMPTY_FILE,
    /** Content that is not a known image format. */
    NOT_AN_IMAGE,
    /** A JPEG cut short. */
    TRUNCATED,
    /** An image whose data is corrupt or of an unsupported variant. */
    UNDECODABLE,
    /** An image over {@code data.max-input-megapixels}. */
    TOO_LARGE;

    /** Whether the rejected thing was an input file (an empty class folder is not). */
    public boolean isInput() {
      return this != EMPTY_CLASS_FOLDER;
    }
  }
}

package org.alexnetspark.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.alexnetspark.io.ListLine;

/**
 * Class indices, wnids and names. Indices follow the sorted wnids, which for ImageNet is the
 * standard order (the one of the bundled ImageNet class index).
 */
public final class LabelMap implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Classpath resource with the 1000 ImageNet wnids and names. */
  static final String IMAGENET_INDEX = "datasets/vgg/imagenet_class_index.json";

  /**
   * What a class folder or wnid may be called: no path syntax, no spaces, no control characters.
   */
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]*");

  private final List<Label> labels;
  private final Map<String, Label> byWnid = new HashMap<>();

  public LabelMap(List<Label> labels) {
    this.labels = List.copyOf(labels);
    for (int i = 0; i < this.labels.size(); i++) {
      Label label = this.labels.get(i);
      if (label.index() != i) {
        throw new IllegalArgumentException("label " + label + " is not at index " + i);
      }
      if (byWnid.put(label.wnid(), label) != null) {
        throw new IllegalArgumentException("duplicate class " + label.wnid());
      }
    }
  }

  /** Labels for the given wnids in sorted order, named from {@code names} (wnid if absent). */
  public static LabelMap of(Collection<String> wnids, Map<String, String> names) {
    List<Label> labels = new ArrayList<>();
    for (String wnid : new TreeSet<>(wnids)) {
      labels.add(new Label(labels.size(), wnid, names.getOrDefault(wnid, wnid)));
    }
    return new LabelMap(labels);
  }

  /**
   * Whether {@code name} can be a class name: letters, digits and {@code _ . + -}, no leading dot.
   */
  public static boolean isSafeName(String name) {
    return SAFE_NAME.matcher(name).matches();
  }

  /** The 1000 ImageNet wnids with their names, from the bundled class index. */
  public static Map<String, String> imagenetNames() {
    ClassLoader loader = LabelMap.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(IMAGENET_INDEX)) {
      if (in == null) {
        throw new IllegalStateException(
            "the bundled ImageNet class index "
                + IMAGENET_INDEX
                + " is missing from the classpath");
      }
      JsonNode root = new ObjectMapper().readTree(in);
      Map<String, String> names = new HashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        JsonNode entry = it.next().getValue();
        names.put(entry.get(0).asText(), entry.get(1).asText().replace('_', ' '));
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a names file: one class a line, the wnid, then whitespace, a tab or a comma, then the
   * name. Blank lines and lines starting with # are skipped.
   */
  public static Map<String, String> parseNames(String text, String source) {
    Map<String, String> names = new HashMap<>();
    for (ListLine line : ListLine.of(text)) {
      String[] parts = line.text().split("[\\s,]+", 2);
      if (parts.length < 2) {
        throw new IllegalArgumentException(
            source
                + " line "
                + line.number()
                + ": expected '<wnid> <name>', found '"
                + line.text()
                + "'");
      }
      names.put(parts[0], parts[1].strip());
    }
    return names;
  }

  public List<Label> labels() {
    return labels;
  }

  public int size() {
    return labels.size();
  }

  /** The label of {@code wnid}, or null. */
  public Label get(String wnid) {
    return byWnid.get(wnid);
  }
}

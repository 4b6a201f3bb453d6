package org.alexnetspark.prepare;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.alexnetspark.data.LabelMap;
import org.alexnetspark.data.Rejection;
import org.alexnetspark.data.Rejection.Reason;
import org.alexnetspark.io.ListLine;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The input files of one split, with their classes, and everything that cannot be used.
 *
 * <p>Two layouts are read:
 *
 * <ul>
 *   <li>a class tree, {@code <split>/<wnid>/<file>} (ImageNet's training set, and any dataset with
 *       one folder per class);
 *   <li>a flat folder {@code <split>/<file>} with a labels file, as the ILSVRC validation set
 *       ships: one line per image, {@code <file or id> <wnid> ...}, separated by whitespace or a
 *       comma (so Kaggle's {@code LOC_val_solution.csv} works as is; its header is skipped).
 * </ul>
 *
 * Files are never trusted by name: hidden files, nested folders, empty class folders, unsafe class
 * names and labels-file entries that point outside the folder become {@link Rejection}s.
 *
 * @param root the folder that was listed
 * @param images usable inputs, sorted by key
 * @param rejections what was skipped, and why
 * @param classes every class found (including empty ones)
 */
public record InputListing(
    URI root, List<InputImage> images, List<Rejection> rejections, Set<String> classes) {

  /**
   * Lists {@code <input>/<split>} if it exists, else {@code <input>} itself.
   *
   * @param labelsFile for a flat folder: the labels file; null for a class tree
   */
  public static InputListing scan(FileSystem fs, URI input, String split, URI labelsFile)
      throws IOException {
    return scan(fs, input, split, labelsFile, null);
  }

  /**
   * Lists {@code <input>/<split>} if it exists, else {@code <input>} itself.
   *
   * @param labelsFile for a flat folder: the labels file, or where {@code labelByFile} came from
   * @param labelByFile for a flat folder: the classes by file name (from the devkit), or null to
   *     read {@code labelsFile}
   */
  static InputListing scan(
      FileSystem fs, URI input, String split, URI labelsFile, Map<String, String> labelByFile)
      throws IOException {
    Path base = fs.makeQualified(new Path(input));
    if (!fs.exists(base)) {
      throw new FileNotFoundException("input " + input + " does not exist");
    }
    Path splitFolder = new Path(base, split);
    Path root = fs.isDirectory(splitFolder) ? splitFolder : base;
    if (!fs.getFileStatus(root).isDirectory()) {
      throw new IOException("input " + root + " is not a folder");
    }
    return labelsFile == null ? scanTree(fs, root) : scanFlat(fs, root, labelsFile, labelByFile);
  }

  private static InputListing scanTree(FileSystem fs, Path root) throws IOException {
    List<InputImage> images = new ArrayList<>();
    List<Rejection> rejections = new ArrayList<>();
    Set<String> classes = new TreeSet<>();
    for (FileStatus entry : sorted(fs.listStatus(root))) {
      String name = entry.getPath().getName();
      if (!entry.isDirectory()) {
        rejections.add(
            new Rejection(
                entry.getPath().toString(),
                Reason.NOT_IN_CLASS_FOLDER,
                "not in a class folder (expected <split>/<class>/<file>)"));
        continue;
      }
      if (!LabelMap.isSafeName(name)) {
        rejections.add(
            new Rejection(
                entry.getPath().toString(),
                Reason.UNSAFE_CLASS_NAME,
                "class folder name '"
                    + name
                    + "' is not allowed (letters, digits and _ . + - only, no leading dot); folder skipped"));
        continue;
      }
      classes.add(name);
      int before = images.size();
      for (FileStatus file : sorted(fs.listStatus(entry.getPath()))) {
        addFile(file, name, images, rejections);
      }
      if (images.size() == before) {
        rejections.add(
            new Rejection(
                entry.getPath().toString(), Reason.EMPTY_CLASS_FOLDER, "empty class folder"));
      }
    }
    return new InputListing(root.toUri(), images, rejections, classes);
  }

  private static InputListing scanFlat(
      FileSystem fs, Path root, URI labelsFile, Map<String, String> given) throws IOException {
    Map<String, String> labelByFile = new HashMap<>();
    Map<String, String> labelById = new HashMap<>();
    List<Rejection> rejections = new ArrayList<>();
    if (given != null) {
      labelByFile.putAll(given);
      given.forEach((file, wnid) -> labelById.put(stripExtension(file), wnid));
      return listFlat(fs, root, labelsFile, labelByFile, labelById, rejections);
    }
    String text;
    FileSystem labelsFs = FileSystem.get(labelsFile, fs.getConf());
    try (InputStream in = labelsFs.open(new Path(labelsFile))) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (ListLine line : ListLine.of(text)) {
      String trimmed = line.text();
      if (line.number() == 1 && trimmed.toLowerCase().startsWith("imageid")) {
        continue; // the header of LOC_val_solution.csv
      }
      String[] parts = trimmed.split("[\\s,]+");
      String where = labelsFile + " line " + line.number();
      if (parts.length < 2) {
        rejections.add(
            new Rejection(
                where,
                Reason.MALFORMED_LABELS_LINE,
                "expected '<file> <class>', found '" + trimmed + "'"));
        continue;
      }
      String file = parts[0];
      String wnid = parts[1];
      if (file.contains("/") || file.contains("\\") || file.equals("..") || file.equals(".")) {
        rejections.add(
            new Rejection(
                where,
                Reason.ESCAPES_INPUT_FOLDER,
                "'" + file + "' escapes the input folder " + root));
      } else if (!LabelMap.isSafeName(wnid)) {
        rejections.add(
            new Rejection(
                where, Reason.MALFORMED_LABELS_LINE, "class name '" + wnid + "' is not allowed"));
      } else {
        labelByFile.put(file, wnid);
        labelById.put(stripExtension(file), wnid);
      }
    }
    return listFlat(fs, root, labelsFile, labelByFile, labelById, rejections);
  }

  private static InputListing listFlat(
      FileSystem fs,
      Path root,
      URI labelsFile,
      Map<String, String> labelByFile,
      Map<String, String> labelById,
      List<Rejection> rejections)
      throws IOException {
    List<InputImage> images = new ArrayList<>();
    Set<String> classes = new TreeSet<>(labelByFile.values());
    Set<String> used = new TreeSet<>();
    for (FileStatus file : sorted(fs.listStatus(root))) {
      String name = file.getPath().getName();
      String wnid = labelByFile.getOrDefault(name, labelById.get(stripExtension(name)));
      if (file.isFile() && wnid == null && !name.startsWith(".") && !name.startsWith("_")) {
        rejections.add(
            new Rejection(
                file.getPath().toString(),
                Reason.NOT_IN_LABELS_FILE,
                "no entry in labels file " + labelsFile));
        continue;
      }
      if (wnid != null) {
        used.add(name);
        used.add(stripExtension(name));
      }
      addFile(file, wnid, images, rejections);
    }
    for (String listed : new TreeSet<>(labelByFile.keySet())) {
      if (!used.contains(listed) && !used.contains(stripExtension(listed))) {
        rejections.add(
            new Rejection(
                new Path(root, listed).toString(),
                Reason.LISTED_BUT_MISSING,
                "listed in labels file but missing"));
      }
    }
    return new InputListing(root.toUri(), images, rejections, classes);
  }

  private static void addFile(
      FileStatus file, String wnid, List<InputImage> images, List<Rejection> rejections) {
    String name = file.getPath().getName();
    String where = file.getPath().toString();
    if (file.isDirectory()) {
      rejections.add(
          new Rejection(
              where, Reason.NESTED_FOLDER, "nested folder skipped (expected files only)"));
    } else if (name.startsWith(".") || name.startsWith("_")) {
      rejections.add(new Rejection(where, Reason.HIDDEN_FILE, "hidden file skipped"));
    } else if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      rejections.add(
          new Rejection(where, Reason.CONTROL_CHARACTERS, "file name has control characters"));
    } else {
      images.add(new InputImage(where, wnid + "/" + stripExtension(name), wnid));
    }
  }

  private static String stripExtension(String name) {
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  private static List<FileStatus> sorted(FileStatus[] statuses) {
    return Arrays.stream(statuses)
        .sorted(Comparator.comparing(s -> s.getPath().getName()))
        .toList();
  }
}

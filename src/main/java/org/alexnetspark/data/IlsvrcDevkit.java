package org.alexnetspark.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.alexnetspark.io.Storage;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.fs.FileSystem;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.Char;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.Matrix;
import us.hebi.matlab.mat.types.Sources;
import us.hebi.matlab.mat.types.Struct;

/**
 * The ILSVRC-2012 development kit ({@code ILSVRC2012_devkit_t12.tar.gz}): the classes of {@code
 * data/meta.mat} (a {@code synsets} struct array; {@code ILSVRC2012_ID} 1..1000 are the leaf
 * classes, in an order that is not the sorted-wnid order of {@link LabelMap}) and the validation
 * ground truth ({@code data/ILSVRC2012_validation_ground_truth.txt}: one {@code ILSVRC2012_ID} a
 * line, line n for {@code ILSVRC2012_val_<n, 8 digits>.JPEG}).
 *
 * @param wnidById wnid of every synset, by its {@code ILSVRC2012_ID}
 * @param wordsByWnid the {@code words} of every synset, by wnid
 * @param groundTruth the {@code ILSVRC2012_ID} of each validation image, in image order
 */
public record IlsvrcDevkit(
    Map<Integer, String> wnidById, Map<String, String> wordsByWnid, List<Integer> groundTruth) {

  static final String META = "data/meta.mat";
  static final String GROUND_TRUTH = "data/ILSVRC2012_validation_ground_truth.txt";

  /**
   * The largest devkit archive read: the real one is 2.5 MB; anything far larger is another file.
   */
  static final int MAX_BYTES = 64 << 20;

  /** The bytes of the devkit archive at {@code location}, at most {@link #MAX_BYTES}. */
  public static byte[] archiveBytes(Storage storage, URI location) throws IOException {
    byte[] bytes;
    FileSystem fs = storage.fileSystem(location);
    try (InputStream in = fs.open(storage.path(location))) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    }
    if (bytes.length > MAX_BYTES) {
      throw new IOException(
          location
              + " is larger than "
              + (MAX_BYTES >> 20)
              + " MB; expected the ILSVRC-2012 devkit, ILSVRC2012_devkit_t12.tar.gz (2.5 MB)");
    }
    return bytes;
  }

  /** Reads the devkit archive at {@code location}. */
  public static IlsvrcDevkit read(Storage storage, URI location) throws IOException {
    return read(archiveBytes(storage, location), location.toString());
  }

  /** Reads the devkit archive's bytes (its {@code .tar.gz}); {@code source} names it in errors. */
  public static IlsvrcDevkit read(byte[] archive, String source) throws IOException {
    byte[] meta = null;
    byte[] truth = null;
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(archive)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextTarEntry()) != null) {
        if (entry.isFile() && entry.getName().endsWith(META)) {
          meta = tar.readAllBytes();
        } else if (entry.isFile() && entry.getName().endsWith(GROUND_TRUTH)) {
          truth = tar.readAllBytes();
        }
      }
    } catch (IOException e) {
      throw new IOException(
          source + " is not a readable .tar.gz (expected ILSVRC2012_devkit_t12.tar.gz): " + e, e);
    }
    if (meta == null || truth == null) {
      throw new IOException(
          source
              + " lacks "
              + (meta == null ? META : GROUND_TRUTH)
              + "; expected the ILSVRC-2012 devkit, ILSVRC2012_devkit_t12.tar.gz");
    }
    Map<Integer, String> wnidById = new HashMap<>();
    Map<String, String> words = new HashMap<>();
    try (InputStream in = new ByteArrayInputStream(meta);
        MatFile mat = Mat5.newReader(Sources.wrapInputStream(in)).readMat()) {
      Struct synsets = mat.getStruct("synsets");
      for (int i = 0; i < synsets.getNumElements(); i++) {
        Matrix id = synsets.getMatrix("ILSVRC2012_ID", i);
        Char wnid = synsets.getChar("WNID", i);
        Char word = synsets.getChar("words", i);
        wnidById.put(id.getInt(0), wnid.getString().strip());
        words.put(wnid.getString().strip(), word.getString().strip());
      }
    } catch (RuntimeException e) {
      throw new IOException(
          source
              + ": "
              + META
              + " does not hold a 'synsets' struct array with ILSVRC2012_ID, WNID and words: "
              + e,
          e);
    }
    List<Integer> groundTruth = new ArrayList<>();
    int line = 0;
    for (String text : new String(truth, StandardCharsets.US_ASCII).split("\\R")) {
      line++;
      if (text.isBlank()) {
        continue;
      }
      try {
        int id = Integer.parseInt(text.strip());
        if (!wnidById.containsKey(id)) {
          throw new NumberFormatException("no synset has this ILSVRC2012_ID");
        }
        groundTruth.add(id);
      } catch (NumberFormatException e) {
        throw new IOException(
            source
                + ": "
                + GROUND_TRUTH
                + " line "
                + line
                + ": expected an ILSVRC2012_ID of "
                + META
                + ", found '"
                + text
                + "'");
      }
    }
    return new IlsvrcDevkit(Map.copyOf(wnidById), Map.copyOf(words), List.copyOf(groundTruth));
  }

  /** The {@code ILSVRC2012_ID} of every synset, by wnid. */
  public Map<String, Integer> idByWnid() {
    Map<String, Integer> ids = new HashMap<>();
    wnidById.forEach((id, wnid) -> ids.put(wnid, id));
    return ids;
  }

  /** The validation images' classes: {@code ILSVRC2012_val_00000001.JPEG} to its wnid. */
  public Map<String, String> validationLabels() {
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < groundTruth.size(); i++) {
      labels.put(
          String.format("ILSVRC2012_val_%08d.JPEG", i + 1), wnidById.get(groundTruth.get(i)));
    }
    return labels;
  }
}

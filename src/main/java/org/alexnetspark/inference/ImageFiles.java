package org.alexnetspark.inference;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.DataConfig;
import org.alexnetspark.image.Image;
import org.alexnetspark.io.Storage;
import org.alexnetspark.prepare.ImagePreparer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Image files a user names (local paths, URIs of any Hadoop FileSystem, folders, globs) made into
 * network inputs exactly as the model's training images were: each file decoded and turned into the
 * stored image the paper's way ({@link ImagePreparer#decode}: short side resized to the model's
 * stored size, central square), then cropped and normalised by the model's evaluation transforms.
 * Used on the driver by {@code alexnet predict} and {@code alexnet neighbors}.
 */
public final class ImageFiles {
  /** Name extensions (any case) of the files a folder contributes; globs take what they match. */
  public static final Set<String> EXTENSIONS =
      Set.of(
          "jpg", "jpeg", "jpe", "png", "gif", "bmp", "tif", "tiff", "webp", "pnm", "ppm", "pgm",
          "pbm");

  /**
   * A file to read, or an argument that named none.
   *
   * @param name the file as shown to users (a local path, or the URI)
   * @param uri the file, or null if the argument named none
   * @param problem why the argument named no file, or null
   */
  public record Source(String name, URI uri, String problem) {}

  /**
   * One file read: its stored image, or why it cannot be used.
   *
   * @param image the stored image ({@code storedSize} square RGB), or null
   * @param error what went wrong, naming no file (the source does), or null
   */
  public record Loaded(Source source, Image image, String error) {
    public boolean ok() {
      return image != null;
    }
  }

  /** Files larger than this are not read (the decoder limits pixels, data.max-input-megapixels). */
  public static final long MAX_FILE_BYTES = 256L << 20;

  private final Configuration hadoop;
  private final ImagePreparer preparer;
  private final Augmenter augmenter;

  /** Files read with {@code hadoop}, made into inputs of {@code model}. */
  public ImageFiles(Configuration hadoop, TrainedModel model) {
    this.hadoop = hadoop;
    DataConfig data = model.config().data();
    this.preparer =
        new ImagePreparer(
            new DataConfig(
                model.storedSize(),
                data.jpegQuality(),
                data.shardBytes(),
                data.rowGroupBytes(),
                data.maxRejectedFraction(),
                data.maxInputMegapixels(),
                data.decoder(),
                data.seed()));
    this.augmenter = model.evaluationAugmenter();
  }

  /**
   * The files named by {@code arguments}, in order: a file as itself, a folder as its image files
   * (by {@link #EXTENSIONS}, hidden ones left out) sorted by name, a glob (Hadoop's {@link
   * FileSystem#globStatus} syntax: {@code *}, {@code ?}, {@code [ab]}, {@code {a,b}}) as its
   * matches sorted, folders among them expanded. An argument that names nothing becomes one source
   * with a problem, so that it is reported in its place.
   */
  public static List<Source> expand(Configuration hadoop, List<String> arguments)
      throws IOException {
    List<Source> sources = new ArrayList<>();
    for (String argument : arguments) {
      URI uri = Storage.toUri(argument);
      Path path = new Path(uri);
      FileSystem fs = path.getFileSystem(hadoop);
      if (isGlob(argument)) {
        FileStatus[] matches = fs.globStatus(path);
        if (matches == null || matches.length == 0) {
          sources.add(new Source(argument, null, "no file matches " + argument));
          continue;
        }
        List<FileStatus> sorted = new ArrayList<>(List.of(matches));
        sorted.sort(Comparator.comparing(status -> status.getPath().toString()));
        for (FileStatus match : sorted) {
          if (match.isDirectory()) {
            sources.addAll(folder(fs, match.getPath(), argument));
          } else {
            sources.add(file(match.getPath()));
          }
        }
        continue;
      }
      FileStatus status;
      try {
        status = fs.getFileStatus(path);
      } catch (FileNotFoundException e) {
        sources.add(new Source(name(path), null, "no such file or folder"));
        continue;
      }
      if (status.isDirectory()) {
        sources.addAll(folder(fs, status.getPath(), argument));
      } else {
        sources.add(file(status.getPath()));
      }
    }
    return sources;
  }

  /** Reads {@code source} and makes its stored image, or says why not. */
  public Loaded load(Source source) {
    if (source.uri() == null) {
      return new Loaded(source, null, source.problem());
    }
    byte[] bytes;
    Path path = new Path(source.uri());
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      long length = fs.getFileStatus(path).getLen();
      if (length > MAX_FILE_BYTES) {
        return new Loaded(
            source,
            null,
            String.format(
                Locale.ROOT,
                "too large to be read as an image (%,d bytes, at most %,d)",
                length,
                MAX_FILE_BYTES));
      }
      try (InputStream in = fs.open(path)) {
        bytes = in.readAllBytes();
      }
    } catch (FileNotFoundException e) {
      return new Loaded(source, null, "no such file");
    } catch (IOException e) {
      return new Loaded(source, null, "cannot read it (" + e.getMessage() + ")");
    }
    ImagePreparer.Outcome outcome;
    try {
      outcome = preparer.decode(bytes);
    } catch (RuntimeException e) {
      return new Loaded(source, null, "cannot decode it (" + e.getMessage() + ")");
    }
    if (outcome instanceof ImagePreparer.Decoded decoded) {
      return new Loaded(source, decoded.image(), null);
    }
    return new Loaded(
        source,
        null,
        outcome instanceof ImagePreparer.Rejected rejected
            ? rejected.reason()
            : "cannot decode it");
  }

  /**
   * The network input of {@code images} (stored images): {@code [images * crops, 3, crop, crop]},
   * an image's crops consecutive, as {@link org.alexnetspark.data.Batch#features()} holds them.
   */
  public INDArray inputs(List<Image> images, Preset preset) {
    int perImage = augmenter.floatsPerImage(preset);
    float[] data = new float[images.size() * perImage];
    for (int i = 0; i < images.size(); i++) {
      // Evaluation presets use no randomness.
      augmenter.apply(preset, images.get(i), null, data, i * perImage);
    }
    int side = augmenter.cropSize();
    return Nd4j.create(
        data, new long[] {(long) images.size() * preset.cropsPerImage(), 3, side, side}, 'c');
  }

  private static List<Source> folder(FileSystem fs, Path folder, String argument)
      throws IOException {
    List<Path> files = new ArrayList<>();
    for (FileStatus entry : fs.listStatus(folder)) {
      String name = entry.getPath().getName();
      if (entry.isFile() && !name.startsWith(".") && !name.startsWith("_") && isImageName(name)) {
        files.add(entry.getPath());
      }
    }
    files.sort(Comparator.comparing(Path::getName));
    if (files.isEmpty()) {
      return List.of(
          new Source(
              name(folder),
              null,
              "no image files ("
                  + String.join(", ", EXTENSIONS.stream().sorted().toList())
                  + ") in folder "
                  + argument));
    }
    return files.stream().map(ImageFiles::file).toList();
  }

  private static Source file(Path path) {
    return new Source(name(path), path.toUri(), null);
  }

  /** A local file as its path, anything else as its URI. */
  private static String name(Path path) {
    URI uri = path.toUri();
    return "file".equals(uri.getScheme()) ? uri.getPath() : path.toString();
  }

  private static boolean isImageName(String name) {
    int dot = name.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private static boolean isGlob(String argument) {
    return argument.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
  }
}

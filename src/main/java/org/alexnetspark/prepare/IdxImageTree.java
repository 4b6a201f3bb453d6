package org.alexnetspark.prepare;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.alexnetspark.image.ImageCodec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Converts an IDX image set (the MNIST file format, e.g. Fashion-MNIST) into an ImageNet-style
 * tree, {@code <output>/<split>/<class>/<split>_<n>.JPEG}, plus {@code <output>/names.txt} (the
 * classes that occur, with their names: {@code alexnet prepare} picks it up), so that the demo and
 * the tests run the same code path as ImageNet.
 */
public final class IdxImageTree {
  /** Where Debian's dataset-fashion-mnist package installs the data. */
  public static final String FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

  /** Fashion-MNIST's classes in label order: folder name and human-readable name. */
  public static final List<String[]> FASHION_MNIST_CLASSES =
      List.of(
          new String[] {"tshirt-top", "T-shirt/top"}, new String[] {"trouser", "Trouser"},
          new String[] {"pullover", "Pullover"}, new String[] {"dress", "Dress"},
          new String[] {"coat", "Coat"}, new String[] {"sandal", "Sandal"},
          new String[] {"shirt", "Shirt"}, new String[] {"sneaker", "Sneaker"},
          new String[] {"bag", "Bag"}, new String[] {"ankle-boot", "Ankle boot"});

  /** Quality of the JPEGs written for IDX images. */
  private static final int JPEG_QUALITY = 95;

  private IdxImageTree() {}

  /**
   * Writes images of {@code imagesFile} into class folders named after {@code classes}.
   *
   * @param classes folder name and human-readable name per label value
   * @param perClass at most this many images per class (0: all)
   * @return images written
   */
  public static int convert(
      Configuration conf,
      URI imagesFile,
      URI labelsFile,
      URI output,
      String split,
      List<String[]> classes,
      int perClass)
      throws IOException {
    return convert(conf, imagesFile, labelsFile, output, item -> split, classes, perClass);
  }

  /**
   * Like {@link #convert(Configuration, URI, URI, URI, String, List, int)}, each item going to the
   * split {@code splitOf} names for its index in the file (e.g. a validation split held out of the
   * training images).
   */
  public static int convert(
      Configuration conf,
      URI imagesFile,
      URI labelsFile,
      URI output,
      IntFunction<String> splitOf,
      List<String[]> classes,
      int perClass)
      throws IOException {
    FileSystem fs = FileSystem.get(output, conf);
    // Local output is written with java.nio: Hadoop's local file system without its native library
    // starts a process per file created (7 ms each, measured), and adds a .crc beside every image.
    boolean local = fs instanceof LocalFileSystem;
    Path root = new Path(output);
    try (DataInputStream images = open(conf, imagesFile);
        DataInputStream labels = open(conf, labelsFile)) {
      expectMagic(images, 0x803, imagesFile);
      expectMagic(labels, 0x801, labelsFile);
      int count = images.readInt();
      int rows = images.readInt();
      int cols = images.readInt();
      if (labels.readInt() != count) {
        throw new IOException(
            labelsFile + " and " + imagesFile + " hold different numbers of items");
      }
      // Read everything first (Fashion-MNIST: 55 MB), then encode and write in parallel.
      int size = rows * cols;
      byte[] all = new byte[Math.multiplyExact(count, size)];
      images.readFully(all);
      int[] written = new int[classes.size()];
      List<Integer> chosen = new ArrayList<>();
      List<Path> files = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int label = labels.readUnsignedByte();
        if (label >= classes.size()) {
          throw new IOException(
              labelsFile
                  + " item "
                  + i
                  + " has label "
                  + label
                  + " but only "
                  + classes.size()
                  + " class names were given");
        }
        if (perClass > 0 && written[label] >= perClass) {
          continue;
        }
        String split = splitOf.apply(i);
        chosen.add(i);
        files.add(
            new Path(
                root,
                split
                    + "/"
                    + classes.get(label)[0]
                    + "/"
                    + String.format(Locale.ROOT, "%s_%05d.JPEG", split, i)));
        written[label]++;
      }
      for (Path folder : files.stream().map(Path::getParent).distinct().toList()) {
        if (local) {
          Files.createDirectories(localPath(folder));
        } else {
          fs.mkdirs(folder);
        }
      }
      FileSystem target = fs;
      try {
        IntStream.range(0, chosen.size())
            .parallel()
            .forEach(
                n -> {
                  int offset = chosen.get(n) * size;
                  byte[] jpeg =
                      ImageCodec.encodeGreyJpeg(
                          Arrays.copyOfRange(all, offset, offset + size), cols, rows, JPEG_QUALITY);
                  try {
                    if (local) {
                      Files.write(localPath(files.get(n)), jpeg);
                    } else {
                      try (OutputStream out = target.create(files.get(n), true)) {
                        out.write(jpeg);
                      }
                    }
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      int total = chosen.size();
      StringBuilder names = new StringBuilder();
      for (int c = 0; c < classes.size(); c++) {
        if (written[c] > 0) { // only the classes that occur: they are the label map's
          names.append(classes.get(c)[0]).append('\t').append(classes.get(c)[1]).append('\n');
        }
      }
      byte[] namesFile = names.toString().getBytes(StandardCharsets.UTF_8);
      if (local) {
        Files.write(localPath(new Path(root, "names.txt")), namesFile);
      } else {
        try (OutputStream out = fs.create(new Path(root, "names.txt"), true)) {
          out.write(namesFile);
        }
      }
      return total;
    }
  }

  private static java.nio.file.Path localPath(Path path) {
    return java.nio.file.Path.of(path.toUri().getPath());
  }

  /**
   * The first {@code count} images of an IDX image file as the greyscale JPEGs {@link #convert}
   * writes for them (fewer if the file holds fewer).
   */
  public static List<byte[]> firstImagesAsJpeg(Configuration conf, URI imagesFile, int count)
      throws IOException {
    try (DataInputStream images = open(conf, imagesFile)) {
      expectMagic(images, 0x803, imagesFile);
      int items = images.readInt();
      int rows = images.readInt();
      int cols = images.readInt();
      byte[] pixels = new byte[rows * cols];
      List<byte[]> jpegs = new ArrayList<>();
      for (int i = 0; i < Math.min(items, count); i++) {
        images.readFully(pixels);
        jpegs.add(ImageCodec.encodeGreyJpeg(pixels, cols, rows, JPEG_QUALITY));
      }
      return jpegs;
    }
  }

  private static DataInputStream open(Configuration conf, URI file) throws IOException {
    InputStream in = new BufferedInputStream(FileSystem.get(file, conf).open(new Path(file)));
    in.mark(2);
    boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
    in.reset();
    return new DataInputStream(gzip ? new GZIPInputStream(in, 1 << 16) : in);
  }

  private static void expectMagic(DataInputStream in, int magic, URI file) throws IOException {
    int found = in.readInt();
    if (found != magic) {
      throw new IOException(
          String.format(
              Locale.ROOT,
              "%s is not an IDX %s file (magic 0x%08x, expected 0x%08x)",
              file,
              magic == 0x803 ? "image" : "label",
              found,
              magic));
    }
  }
}

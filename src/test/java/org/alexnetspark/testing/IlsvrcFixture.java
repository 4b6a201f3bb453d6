package org.alexnetspark.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.alexnetspark.prepare.IdxImageTree;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.Matrix;
import us.hebi.matlab.mat.types.Sinks;
import us.hebi.matlab.mat.types.Struct;

/**
 * A scaled-down ILSVRC-2012 in the shape the real archives ship, made of Fashion-MNIST photos under
 * ten real ImageNet wnids, written beside the same images unpacked:
 *
 * <ul>
 *   <li>{@code ILSVRC2012_img_train.tar}: a tar of per-class tars {@code <wnid>.tar} holding {@code
 *       <wnid>_<n>.JPEG}; one is a CMYK JPEG and one a PNG named {@code .JPEG}, as in the real set;
 *   <li>{@code ILSVRC2012_img_val.tar}: a flat tar of {@code ILSVRC2012_val_<8 digits>.JPEG};
 *   <li>{@code ILSVRC2012_devkit_t12.tar.gz}: {@code data/meta.mat} (a {@code synsets} struct array
 *       in the real field layout, leaf classes numbered in a non-sorted order, two non-leaf synsets
 *       after them) and {@code data/ILSVRC2012_validation_ground_truth.txt};
 *   <li>{@code tree/train/<wnid>/<file>}, {@code tree/val/<file>} and {@code tree/val_labels.txt}
 *       ({@code <file> <wnid>} lines): the same images unpacked.
 * </ul>
 *
 * @param root where it was written
 * @param train key ({@code <wnid>/<file without extension>}) to wnid of every training image
 * @param validation the same for every validation image
 * @param ilsvrcIds the wnids in {@code ILSVRC2012_ID} order (ID 1 first)
 * @param cmykKey the key of the CMYK JPEG
 * @param pngKey the key of the PNG named {@code .JPEG}
 */
public record IlsvrcFixture(
    URI root,
    Map<String, String> train,
    Map<String, String> validation,
    List<String> ilsvrcIds,
    String cmykKey,
    String pngKey) {

  /** Ten real ImageNet wnids with their words, sorted; Fashion-MNIST's classes in label order. */
  public static final List<String[]> CLASSES =
      List.of(
          new String[] {"n01440764", "tench, Tinca tinca"},
          new String[] {"n01443537", "goldfish, Carassius auratus"},
          new String[] {"n01484850", "great white shark"},
          new String[] {"n01491361", "tiger shark, Galeocerdo cuvieri"},
          new String[] {"n01494475", "hammerhead, hammerhead shark"},
          new String[] {"n01496331", "electric ray, crampfish, numbfish, torpedo"},
          new String[] {"n01498041", "stingray"},
          new String[] {"n01514668", "cock"},
          new String[] {"n01514859", "hen"},
          new String[] {"n01518878", "ostrich, Struthio camelus"});

  public static final String TRAIN_TAR = "ILSVRC2012_img_train.tar";
  public static final String VAL_TAR = "ILSVRC2012_img_val.tar";
  public static final String DEVKIT = "ILSVRC2012_devkit_t12.tar.gz";

  /** The archive at {@code name} in this fixture. */
  public URI file(String name) {
    return URI.create(root + "/" + name);
  }

  /**
   * Writes the fixture under {@code root}: {@code trainPerClass} and {@code valPerClass} images.
   */
  public static IlsvrcFixture write(
      Configuration conf, URI root, int trainPerClass, int valPerClass) throws IOException {
    FileSystem fs = FileSystem.get(root, conf);
    File scratch = Files.createTempDirectory("ilsvrc-fixture").toFile();
    try {
      Map<String, List<byte[]>> trainImages = photos(conf, scratch, "train", trainPerClass);
      Map<String, List<byte[]>> valImages = photos(conf, scratch, "t10k", valPerClass);

      // Training set: the first class holds a CMYK JPEG, the second a PNG, both named .JPEG.
      List<String> wnids = new ArrayList<>(trainImages.keySet());
      trainImages.get(wnids.get(0)).set(0, TestImages.cmykJpeg(64, 48));
      trainImages.get(wnids.get(1)).set(0, png(trainImages.get(wnids.get(1)).get(0)));
      Map<String, String> train = new TreeMap<>();
      ByteArrayOutputStream trainTar = new ByteArrayOutputStream();
      try (TarArchiveOutputStream outer = new TarArchiveOutputStream(trainTar)) {
        for (String wnid : wnids) {
          Map<String, byte[]> files = new LinkedHashMap<>();
          List<byte[]> images = trainImages.get(wnid);
          for (int i = 0; i < images.size(); i++) {
            String name = wnid + "_" + (10026 + 7 * i) + ".JPEG";
            files.put(name, images.get(i));
            train.put(wnid + "/" + name.replace(".JPEG", ""), wnid);
            write(fs, root + "/tree/train/" + wnid + "/" + name, images.get(i));
          }
          add(outer, wnid + ".tar", tar(files));
        }
      }
      write(fs, root + "/" + TRAIN_TAR, trainTar.toByteArray());

      // Validation set: classes interleaved, as the real one is.
      List<String[]> shuffled = new ArrayList<>();
      valImages.forEach((wnid, images) -> images.forEach(i -> shuffled.add(new String[] {wnid})));
      Collections.shuffle(shuffled, new Random(7));
      Map<String, Integer> next = new TreeMap<>();
      Map<String, byte[]> valFiles = new LinkedHashMap<>();
      Map<String, String> validation = new TreeMap<>();
      StringBuilder labels = new StringBuilder();
      for (String[] slot : shuffled) {
        String wnid = slot[0];
        int n = next.merge(wnid, 1, Integer::sum) - 1;
        String name = String.format("ILSVRC2012_val_%08d.JPEG", valFiles.size() + 1);
        byte[] jpeg = valImages.get(wnid).get(n);
        valFiles.put(name, jpeg);
        validation.put(wnid + "/" + name.replace(".JPEG", ""), wnid);
        labels.append(name).append(' ').append(wnid).append('\n');
        write(fs, root + "/tree/val/" + name, jpeg);
      }
      write(fs, root + "/" + VAL_TAR, tar(valFiles));
      write(fs, root + "/tree/val_labels.txt", labels.toString().getBytes(StandardCharsets.UTF_8));

      // Devkit: ILSVRC2012_IDs in an order that is not the sorted-wnid one.
      List<String> ids = new ArrayList<>(wnids);
      Collections.shuffle(ids, new Random(3));
      StringBuilder truth = new StringBuilder();
      for (String[] slot : shuffled) {
        truth.append(ids.indexOf(slot[0]) + 1).append('\n');
      }
      Map<String, byte[]> devkit = new LinkedHashMap<>();
      devkit.put("ILSVRC2012_devkit_t12/data/meta.mat", metaMat(ids));
      devkit.put(
          "ILSVRC2012_devkit_t12/data/ILSVRC2012_validation_ground_truth.txt",
          truth.toString().getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
        out.write(tar(devkit));
      }
      write(fs, root + "/" + DEVKIT, gz.toByteArray());
      return new IlsvrcFixture(
          root,
          train,
          validation,
          ids,
          wnids.get(0) + "/" + wnids.get(0) + "_10026",
          wnids.get(1) + "/" + wnids.get(1) + "_10026");
    } finally {
      FileUtil.fullyDelete(scratch);
    }
  }

  /** A tar of {@code files} in the given order. */
  public static byte[] tar(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        add(tar, file.getKey(), file.getValue());
      }
    }
    return bytes.toByteArray();
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  /** {@code meta.mat} with the real layout: leaves 1..n in {@code ids} order, then two parents. */
  private static byte[] metaMat(List<String> ids) throws IOException {
    Map<String, String> words = new TreeMap<>();
    CLASSES.forEach(c -> words.put(c[0], c[1]));
    int n = ids.size() + 2;
    Struct synsets = Mat5.newStruct(n, 1);
    for (int i = 0; i < n; i++) {
      boolean leaf = i < ids.size();
      String wnid = leaf ? ids.get(i) : (i == ids.size() ? "n01440160" : "n00015388");
      synsets.set("ILSVRC2012_ID", i, Mat5.newScalar(i + 1));
      synsets.set("WNID", i, Mat5.newString(wnid));
      synsets.set("words", i, Mat5.newString(leaf ? words.get(wnid) : "parent " + wnid));
      synsets.set("gloss", i, Mat5.newString("a gloss of " + wnid));
      synsets.set("num_children", i, Mat5.newScalar(leaf ? 0 : 5));
      synsets.set("children", i, leaf ? Mat5.newMatrix(0, 0) : children(i == ids.size()));
      synsets.set("wordnet_height", i, Mat5.newScalar(leaf ? 0 : 1));
      synsets.set("num_train_images", i, Mat5.newScalar(leaf ? 1300 : 0));
    }
    MatFile mat = Mat5.newMatFile().addArray("synsets", synsets);
    ByteBuffer buffer = ByteBuffer.allocate((int) mat.getUncompressedSerializedSize());
    mat.writeTo(Sinks.wrap(buffer));
    return Arrays.copyOf(buffer.array(), buffer.position());
  }

  private static Matrix children(boolean first) {
    Matrix children = Mat5.newMatrix(1, 5);
    for (int c = 0; c < 5; c++) {
      children.setDouble(c, (first ? 1 : 6) + c);
    }
    return children;
  }

  /** Fashion-MNIST photos per wnid, in file order. */
  private static Map<String, List<byte[]>> photos(
      Configuration conf, File scratch, String prefix, int perClass) throws IOException {
    String images = IdxImageTree.FASHION_MNIST_DIR + "/" + prefix + "-images-idx3-ubyte.gz";
    if (!Files.exists(Paths.get(images))) {
      throw new IllegalStateException(
          images + " is missing: install Debian's dataset-fashion-mnist package (.ci/run does)");
    }
    IdxImageTree.convert(
        conf,
        Paths.get(images).toUri(),
        Paths.get(IdxImageTree.FASHION_MNIST_DIR, prefix + "-labels-idx1-ubyte.gz").toUri(),
        scratch.toURI(),
        prefix,
        CLASSES,
        perClass);
    Map<String, List<byte[]>> photos = new TreeMap<>();
    for (String[] c : CLASSES) {
      List<byte[]> list = new ArrayList<>();
      File[] files = new File(new File(scratch, prefix), c[0]).listFiles();
      Arrays.sort(files);
      for (File file : files) {
        list.add(Files.readAllBytes(file.toPath()));
      }
      photos.put(c[0], list);
    }
    return photos;
  }

  private static byte[] png(byte[] jpeg) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
    return TestImages.encode(image, "png");
  }

  private static void write(FileSystem fs, String location, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(new Path(location))) {
      out.write(bytes);
    }
  }
}

package org.alexnetspark.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.alexnetspark.prepare.IdxImageTree;
import org.apache.hadoop.conf.Configuration;

/**
 * Real photos for tests: Fashion-MNIST from Debian's dataset-fashion-mnist package, converted to an
 * ImageNet-style JPEG tree by the project's own converter.
 */
public final class FashionMnist {
  private FashionMnist() {}

  /** Writes {@code perClass} images of each of the ten classes to {@code root/<split>/<class>/}. */
  public static int tree(Configuration conf, URI root, String split, int perClass)
      throws IOException {
    String prefix = split.equals("train") ? "train" : "t10k";
    String images = IdxImageTree.FASHION_MNIST_DIR + "/" + prefix + "-images-idx3-ubyte.gz";
    if (!Files.exists(Paths.get(images))) {
      throw new IllegalStateException(
          images
              + " is missing: install Debian's dataset-fashion-mnist "
              + "package (.ci/run does)");
    }
    return IdxImageTree.convert(
        conf,
        Paths.get(images).toUri(),
        Paths.get(IdxImageTree.FASHION_MNIST_DIR, prefix + "-labels-idx1-ubyte.gz").toUri(),
        root,
        split,
        IdxImageTree.FASHION_MNIST_CLASSES,
        perClass);
  }
}

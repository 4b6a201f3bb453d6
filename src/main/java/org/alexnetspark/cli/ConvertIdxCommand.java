package org.alexnetspark.cli;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.alexnetspark.data.LabelMap;
import org.alexnetspark.io.Storage;
import org.alexnetspark.prepare.IdxImageTree;
import org.alexnetspark.spark.SparkJobs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code alexnet convert-idx}: an IDX image set (MNIST format) to an ImageNet-style JPEG tree. */
@Command(
    name = "convert-idx",
    description = {
      "Convert an IDX image set (e.g. Fashion-MNIST) into an ImageNet-style JPEG tree.",
      "Writes <output>/<split>/<class>/*.JPEG plus <output>/names.txt, ready for 'alexnet prepare'."
    })
final class ConvertIdxCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--fashion-mnist",
      description =
          "Use Debian's dataset-fashion-mnist files ("
              + IdxImageTree.FASHION_MNIST_DIR
              + "): train-* for --split train, t10k-* otherwise, with the ten class names.")
  private boolean fashionMnist;

  @Option(names = "--images", paramLabel = "FILE", description = "IDX image file (.gz is fine).")
  private String images;

  @Option(names = "--labels", paramLabel = "FILE", description = "IDX label file (.gz is fine).")
  private String labels;

  @Option(
      names = "--class-names",
      paramLabel = "NAME",
      split = ",",
      description = "Folder name for each label value, in order (default: class-0, class-1, ...).")
  private List<String> classNames = new ArrayList<>();

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR_OR_URI",
      description = "Folder to write the tree into.")
  private String output;

  @Option(
      names = "--split",
      defaultValue = "train",
      description = "Split folder name (default: ${DEFAULT-VALUE}).")
  private String split;

  @Option(
      names = "--per-class",
      defaultValue = "0",
      paramLabel = "N",
      description = "At most N images per class; 0 for all (default).")
  private int perClass;

  @Override
  public Integer call() throws Exception {
    List<String[]> classes = new ArrayList<>();
    if (fashionMnist) {
      String prefix = split.equals("train") ? "train" : "t10k";
      images =
          images != null
              ? images
              : IdxImageTree.FASHION_MNIST_DIR + "/" + prefix + "-images-idx3-ubyte.gz";
      labels =
          labels != null
              ? labels
              : IdxImageTree.FASHION_MNIST_DIR + "/" + prefix + "-labels-idx1-ubyte.gz";
      classes.addAll(IdxImageTree.FASHION_MNIST_CLASSES);
    } else if (images == null || labels == null) {
      throw new ParameterException(
          spec.commandLine(), "give --images and --labels, or --fashion-mnist");
    }
    if (!classNames.isEmpty()) {
      classes.clear();
      for (String name : classNames) {
        if (!LabelMap.isSafeName(name)) {
          throw new ParameterException(
              spec.commandLine(),
              "--class-names: '"
                  + name
                  + "' is not a valid folder name (letters, digits and _ . + - only)");
        }
        classes.add(new String[] {name, name});
      }
    }
    while (classes.size() < 256) {
      String name = "class-" + classes.size();
      classes.add(new String[] {name, name});
    }
    Storage storage =
        new Storage(SparkJobs.hadoopConfiguration(SparkJobs.conf("alexnet convert-idx")));
    URI out = Storage.toUri(output);
    int written =
        IdxImageTree.convert(
            storage.hadoopConfiguration(),
            Storage.toUri(images),
            Storage.toUri(labels),
            out,
            split,
            classes,
            perClass);
    spec.commandLine().getOut().printf("wrote %d images to %s/%s%n", written, out, split);
    return ExitCodes.OK;
  }
}

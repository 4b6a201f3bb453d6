package org.alexnetspark.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * Fashion-MNIST prepared on the {@link ScriptedCluster} (the loopback cluster) the way users
 * prepare ImageNet: the JPEG tree on local disk (training images in class folders; validation
 * images in one flat folder with a labels file, as ILSVRC ships them), then {@code
 * jobs/yarn/prepare-train}, {@code prepare-val} and {@code stats} submitted to the cluster, writing
 * to its HDFS. Done once per JVM; so is one uninterrupted training run ({@link #uninterruptedRun})
 * that several tests look at or compare with.
 */
public final class ClusterFashionMnist {
  /** The configuration every cluster test ships with ALEXNET_CONF. */
  public static final Path CONF =
      Paths.get("src/test/resources/conf/cluster.conf").toAbsolutePath();

  /** Training images per class, validation images per class. */
  public static final int TRAIN_PER_CLASS = 300;

  public static final int VAL_PER_CLASS = 50;

  /** The DATASETS folder of the scripts: train/ and val/ beside each other. */
  public static final String DATASETS = "/fashion-mnist";

  private static Prepared prepared;
  private static ScriptedCluster.Submission uninterrupted;

  private ClusterFashionMnist() {}

  /**
   * The prepared sets, and the submissions that made them.
   *
   * @param train the training set (with statistics)
   * @param validation the validation set, with the training set's label map
   */
  public record Prepared(URI train, URI validation, List<ScriptedCluster.Submission> jobs) {}

  /** Prepares the training and validation sets on the cluster, once per JVM. */
  public static synchronized Prepared of(ScriptedCluster cluster) {
    if (prepared == null) {
      try {
        prepared = prepare(cluster);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return prepared;
  }

  /**
   * {@code jobs/yarn/train} on the prepared sets with the cluster configuration as it stands (three
   * epochs), into {@code hdfs:///runs/uninterrupted}, once per JVM. It must succeed.
   */
  public static synchronized ScriptedCluster.Submission uninterruptedRun(ScriptedCluster cluster) {
    if (uninterrupted == null) {
      of(cluster);
      ScriptedCluster.Submission run =
          trainJob(cluster, "/runs/uninterrupted").run(Duration.ofMinutes(20));
      if (run.exitCode() != 0) {
        throw new AssertionError("the uninterrupted training run failed:\n" + run.tail(200));
      }
      uninterrupted = run;
    }
    return uninterrupted;
  }

  /** A {@code jobs/yarn/train} submission on the prepared sets into {@code run} (an HDFS path). */
  public static ScriptedCluster.Job trainJob(ScriptedCluster cluster, String run) {
    return cluster
        .job("train")
        .env("ALEXNET_CONF", CONF.toString())
        .env("DATASETS", "hdfs://" + DATASETS)
        .env("RUN", "hdfs://" + run);
  }

  private static Prepared prepare(ScriptedCluster cluster) throws IOException {
    Path tree = inputTree();
    Path labels = tree.resolve("val-labels.txt");
    List<ScriptedCluster.Submission> jobs = new ArrayList<>();
    for (String script : List.of("prepare-train", "prepare-val", "stats")) {
      ScriptedCluster.Submission job =
          cluster
              .job(script)
              .env("ALEXNET_CONF", CONF.toString())
              .env("IMAGENET", tree.toUri().toString())
              .env("VAL_LABELS", labels.toUri().toString())
              .env("DATASETS", "hdfs://" + DATASETS)
              .run(Duration.ofMinutes(10));
      if (job.exitCode() != 0) {
        throw new AssertionError(
            script
                + " failed on the loopback cluster (exit code "
                + job.exitCode()
                + "):\n"
                + job.tail(200));
      }
      jobs.add(job);
    }
    return new Prepared(
        cluster.hdfs(DATASETS + "/train"), cluster.hdfs(DATASETS + "/val"), List.copyOf(jobs));
  }

  private static void deleteRecursively(Path folder) throws IOException {
    if (Files.exists(folder)) {
      try (Stream<Path> files = Files.walk(folder)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      }
    }
  }

  /**
   * {@code <root>/train/<class>/*.JPEG}, {@code <root>/val/*.JPEG} and {@code
   * <root>/val-labels.txt} ({@code <file> <class>} per line), kept across runs.
   */
  private static Path inputTree() throws IOException {
    Path root =
        Paths.get("target", "fashion-mnist", "cluster-" + TRAIN_PER_CLASS + "-" + VAL_PER_CLASS)
            .toAbsolutePath();
    Path labels = root.resolve("val-labels.txt");
    if (Files.exists(labels)) {
      return root;
    }
    deleteRecursively(root); // an earlier run stopped half-way
    Configuration local = new Configuration();
    FashionMnist.tree(local, root.toUri(), "train", TRAIN_PER_CLASS);
    FashionMnist.tree(local, root.toUri(), "val", VAL_PER_CLASS);
    // ILSVRC's validation layout: one flat folder and a labels file.
    Path val = root.resolve("val");
    StringBuilder lines = new StringBuilder();
    try (Stream<Path> classes = Files.list(val)) {
      for (Path folder : classes.filter(Files::isDirectory).sorted().toList()) {
        try (Stream<Path> images = Files.list(folder)) {
          for (Path image : images.sorted().toList()) {
            Files.move(image, val.resolve(image.getFileName()));
            lines.append(image.getFileName()).append(' ').append(folder.getFileName()).append('\n');
          }
        }
        Files.delete(folder);
      }
    }
    Path partial = root.resolve(".val-labels.txt.tmp");
    Files.writeString(partial, lines);
    Files.move(partial, labels);
    return root;
  }
}

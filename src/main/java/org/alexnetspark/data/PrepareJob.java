package org.alexnetspark.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.DataConfig;
import org.alexnetspark.io.BuildInfo;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.JobProgress;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet prepare}: turns an input tree into Parquet shards and a manifest, in parallel.
 *
 * <p>The driver lists the inputs (before any Spark job starts, so a bad input is refused early),
 * fixes the label map, shuffles the inputs with {@code data.seed} so that every shard mixes classes,
 * and assigns them to shards of about {@code data.shard-bytes}. One Spark task writes each shard
 * under a hidden temporary name and renames it when complete. The assignment is saved as
 * {@code _plan.json}; running the same command again after a crash keeps finished shards (their
 * summaries are in their footers) and redoes only the others.
 */
public final class PrepareJob {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);
  private static final String PLAN = "_plan.json";
  private static final String REJECTED_REPORT = "rejected.json";
  private static final long MAX_INPUT_BYTES = 512L << 20;

  /**
   * What to prepare.
   *
   * @param input folder holding {@code <split>/...} (or the split folder itself)
   * @param output dataset folder to create
   * @param split split name: train, val, ...
   * @param labelsFile labels file for a flat split folder, or null for a class tree
   * @param namesFile class names file, or null for the bundled ImageNet names
   * @param labelMapFrom a prepared dataset whose label map to reuse (validation), or null
   */
  public record Request(URI input, URI output, String split, URI labelsFile, URI namesFile,
      URI labelMapFrom) {}

  /** Inputs listed and checked on the driver, ready to run. */
  public record Plan(InputListing listing, LabelMap labels, List<InputImage> usable,
      List<Rejection> rejections, int recordsPerShard, int shards, String inputsDigest) {}

  /** Stored in {@code _plan.json} so that a re-run after a crash writes the same shards. */
  record SavedPlan(String inputsDigest, int recordsPerShard, int shards) {}

  /** Too many inputs were rejected; the dataset is not usable as is. */
  public static final class TooManyRejectionsException extends IOException {
    private static final long serialVersionUID = 1L;

    TooManyRejectionsException(String message) {
      super(message);
    }
  }

  private final AlexNetConfig config;
  private final Storage storage;

  public PrepareJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
  }

  /** Lists and checks the inputs and fixes the shard assignment; no Spark involved. */
  public Plan plan(Request request) throws IOException {
    FileSystem inputFs = storage.fileSystem(request.input());
    InputListing listing = InputListing.scan(inputFs, request.input(), request.split(),
        request.labelsFile());
    LabelMap labels = labelMap(request, listing);
    List<Rejection> rejections = new ArrayList<>(listing.rejections());
    List<InputImage> usable = new ArrayList<>();
    for (InputImage image : listing.images()) {
      if (labels.get(image.wnid()) == null) {
        rejections.add(new Rejection(image.location(), "class '" + image.wnid()
            + "' is not in the label map of " + request.labelMapFrom()));
      } else {
        usable.add(image);
      }
    }
    if (usable.isEmpty()) {
      throw new IOException("no usable images under " + listing.root() + " (" + rejections.size()
          + " rejected); expected " + (request.labelsFile() == null
              ? "<split>/<class>/<image files>" : "image files listed in " + request.labelsFile()));
    }
    usable.sort(Comparator.comparing(InputImage::key));
    Collections.shuffle(usable, new Random(config.data().seed()));
    String digest = digest(usable);

    FileSystem outFs = storage.fileSystem(request.output());
    Path planPath = new Path(new Path(request.output()), PLAN);
    int recordsPerShard;
    if (outFs.exists(planPath)) {
      SavedPlan saved = Json.read(storage.readText(planPath.toUri()), SavedPlan.class, planPath.toString());
      if (!saved.inputsDigest().equals(digest)) {
        throw new IOException(request.output() + " holds an interrupted run over different inputs "
            + "or settings; choose another --output or delete it");
      }
      recordsPerShard = saved.recordsPerShard();
      LOG.info("resuming the interrupted run in {}", request.output());
    } else {
      recordsPerShard = recordsPerShard(inputFs, usable);
    }
    int shards = (usable.size() + recordsPerShard - 1) / recordsPerShard;
    return new Plan(listing, labels, usable, rejections, recordsPerShard, shards, digest);
  }

  /** Writes the shards and the manifest; returns the manifest. */
  public Manifest run(JavaSparkContext spark, Request request, Plan plan) throws IOException {
    FileSystem outFs = storage.fileSystem(request.output());
    Path output = outFs.makeQualified(new Path(request.output()));
    if (outFs.exists(new Path(output, ShardFormat.MANIFEST))) {
      throw new Storage.ArtifactExistsException(output + "/" + ShardFormat.MANIFEST);
    }
    outFs.mkdirs(output);
    storage.writeText(new Path(output, PLAN).toUri(),
        Json.write(new SavedPlan(plan.inputsDigest(), plan.recordsPerShard(), plan.shards())));

    List<ShardTask> tasks = new ArrayList<>();
    for (int i = 0; i < plan.shards(); i++) {
      int from = i * plan.recordsPerShard();
      int to = Math.min(from + plan.recordsPerShard(), plan.usable().size());
      tasks.add(new ShardTask(i, plan.shards(), new ArrayList<>(plan.usable().subList(from, to))));
    }
    LOG.info("preparing {} images from {} into {} shards of up to {} images in {}",
        plan.usable().size(), plan.listing().root(), plan.shards(), plan.recordsPerShard(), output);
    List<ShardResult> results;
    try (JobProgress progress = new JobProgress(spark, "prepare", "images", plan.usable().size(),
        Duration.ofSeconds(5))) {
      ShardTaskRunner runner = new ShardTaskRunner(config.data(), plan.labels(), output.toString(),
          new HadoopConf(storage.hadoopConfiguration()), progress.done(), progress.rejected());
      results = new ArrayList<>(spark.parallelize(tasks, Math.max(1, tasks.size())).map(runner).collect());
    }
    results.sort(Comparator.comparingInt(r -> r.summary().shard()));

    List<Rejection> rejected = new ArrayList<>(plan.rejections());
    Map<String, Long> classCounts = new TreeMap<>();
    plan.labels().labels().forEach(l -> classCounts.put(l.wnid(), 0L));
    List<Manifest.Shard> shards = new ArrayList<>();
    long records = 0;
    for (ShardResult result : results) {
      shards.add(result.shard());
      records += result.summary().records();
      rejected.addAll(result.summary().rejections());
      result.summary().classCounts().forEach((wnid, n) -> classCounts.merge(wnid, n, Long::sum));
    }
    long rejectedInputs = rejected.stream().filter(r -> !r.reason().equals("empty class folder")).count();
    Manifest manifest = new Manifest(Manifest.FORMAT, request.split(), config.data().imageSize(),
        records + rejectedInputs, records, plan.labels().labels(), classCounts, shards, rejected,
        new Manifest.Provenance(Instant.now().toString(), plan.listing().root().toString(),
            string(request.labelsFile()), string(request.namesFile()), string(request.labelMapFrom()),
            plan.recordsPerShard(), BuildInfo.versions(), config.render()));

    double fraction = (double) rejectedInputs / Math.max(1, records + rejectedInputs);
    if (fraction > config.data().maxRejectedFraction()) {
      URI report = new Path(output, REJECTED_REPORT).toUri();
      storage.writeText(report, Json.write(rejected));
      throw new TooManyRejectionsException(String.format(Locale.ROOT,
          "%.2f%% of the inputs (%,d of %,d) were rejected, more than the limit of %.2f%% "
              + "(data.max-rejected-fraction); they are listed with reasons in %s. The shards are "
              + "kept: fix the inputs and use a new --output, or raise the limit and run the same "
              + "command again to finish from them.", 100 * fraction, rejectedInputs,
          records + rejectedInputs, 100 * config.data().maxRejectedFraction(), report));
    }
    storage.writeFile(Manifest.manifestUri(output.toUri()), false,
        out -> out.write(Json.write(manifest).getBytes(StandardCharsets.UTF_8)));
    outFs.delete(new Path(output, PLAN), false);
    outFs.delete(new Path(output, REJECTED_REPORT), false);
    LOG.info("prepared {} images in {} shards ({} rejected) at {}", records, shards.size(),
        rejectedInputs, output);
    return manifest;
  }

  private LabelMap labelMap(Request request, InputListing listing) throws IOException {
    if (request.labelMapFrom() != null) {
      return Manifest.read(storage, request.labelMapFrom()).labelMap();
    }
    Map<String, String> names = LabelMap.imagenetNames();
    if (request.namesFile() != null) {
      names = LabelMap.parseNames(storage.readText(request.namesFile()),
          request.namesFile().toString());
    }
    return LabelMap.of(listing.classes(), names);
  }

  /** Estimates how many stored images fill a shard by preparing a few on the driver. */
  private int recordsPerShard(FileSystem fs, List<InputImage> usable) {
    ImagePreparer preparer = new ImagePreparer(config.data());
    long bytes = 0;
    int prepared = 0;
    for (InputImage image : usable.subList(0, Math.min(24, usable.size()))) {
      try {
        if (preparer.prepare(read(fs.getConf(), image)) instanceof ImagePreparer.Prepared p) {
          bytes += p.jpeg().length;
          prepared++;
        }
      } catch (IOException | RuntimeException e) {
        // rejected inputs are reported by the job itself
      }
    }
    int size = config.data().imageSize();
    double perImage = prepared > 0 ? (double) bytes / prepared : size * size * 0.4;
    // Keys, labels and Parquet page overhead come on top of the JPEG bytes.
    double perRecord = perImage * 1.03 + 64;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.data().shardBytes() / perRecord));
  }

  private String digest(List<InputImage> usable) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      DataConfig data = config.data();
      sha.update((data.imageSize() + "/" + data.jpegQuality() + "/" + data.shardBytes() + "/"
          + data.seed()).getBytes(StandardCharsets.UTF_8));
      for (InputImage image : usable) {
        sha.update((image.location() + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String string(URI uri) {
    return uri == null ? null : uri.toString();
  }

  /** Reads an input through its own FileSystem (inputs and output may be on different ones). */
  static byte[] read(org.apache.hadoop.conf.Configuration conf, InputImage image) throws IOException {
    Path path = new Path(URI.create(image.location()));
    try (InputStream in = path.getFileSystem(conf).open(path)) {
      byte[] bytes = in.readNBytes((int) MAX_INPUT_BYTES + 1);
      if (bytes.length > MAX_INPUT_BYTES) {
        throw new IOException("larger than " + (MAX_INPUT_BYTES >> 20) + " MB, not an image");
      }
      return bytes;
    }
  }

  /** The inputs of one shard. */
  record ShardTask(int index, int count, List<InputImage> inputs) implements Serializable {}

  /** A finished shard. */
  record ShardResult(Manifest.Shard shard, ShardSummary summary) implements Serializable {}

  /** Runs on the executors: writes one shard, or reads back one finished by an earlier run. */
  static final class ShardTaskRunner implements Function<ShardTask, ShardResult> {
    private static final long serialVersionUID = 1L;

    private final DataConfig data;
    private final LabelMap labels;
    private final String output;
    private final HadoopConf hadoop;
    private final LongAccumulator done;
    private final LongAccumulator rejected;

    ShardTaskRunner(DataConfig data, LabelMap labels, String output, HadoopConf hadoop,
        LongAccumulator done, LongAccumulator rejected) {
      this.data = data;
      this.labels = labels;
      this.output = output;
      this.hadoop = hadoop;
      this.done = done;
      this.rejected = rejected;
    }

    @Override
    public ShardResult call(ShardTask task) throws IOException {
      Path folder = new Path(output);
      FileSystem fs = folder.getFileSystem(hadoop.get());
      String name = ShardFormat.shardName(task.index(), task.count());
      Path finalPath = new Path(folder, name);
      if (fs.exists(finalPath)) {
        return readFinished(fs, finalPath, name);
      }
      Path temporary = new Path(folder, "." + name + ".tmp-" + UUID.randomUUID());
      ImagePreparer preparer = new ImagePreparer(data);
      List<Rejection> rejections = new ArrayList<>();
      Map<String, Long> classCounts = new TreeMap<>();
      long records = 0;
      long blockSize = Math.max(fs.getDefaultBlockSize(folder),
          ((data.shardBytes() + data.shardBytes() / 4) / (1 << 20) + 1) << 20);
      ShardWriter.Written written;
      ShardSummary summary;
      try (ShardWriter writer = new ShardWriter(fs, temporary, data.rowGroupBytes(), blockSize)) {
        for (InputImage input : task.inputs()) {
          ImagePreparer.Outcome outcome;
          try {
            outcome = preparer.prepare(read(hadoop.get(), input));
          } catch (IOException e) {
            outcome = new ImagePreparer.Rejected("cannot read: " + e.getMessage());
          } catch (RuntimeException e) {
            outcome = new ImagePreparer.Rejected("cannot decode: " + e);
          }
          if (outcome instanceof ImagePreparer.Prepared prepared) {
            writer.write(new StoredImage(input.key(), labels.get(input.wnid()).index(),
                input.wnid(), prepared.jpeg()));
            classCounts.merge(input.wnid(), 1L, Long::sum);
            records++;
            done.add(1);
          } else if (outcome instanceof ImagePreparer.Rejected r) {
            rejections.add(new Rejection(input.location(), r.reason()));
            rejected.add(1);
          }
        }
        summary = new ShardSummary(task.index(), task.inputs().size(), records, classCounts,
            rejections);
        written = writer.finish(summary);
      } catch (IOException | RuntimeException e) {
        fs.delete(temporary, false);
        throw e;
      }
      if (!fs.rename(temporary, finalPath)) {
        fs.delete(temporary, false);
        if (fs.exists(finalPath)) {
          return readFinished(fs, finalPath, name); // a speculative copy of this task won the race
        }
        throw new IOException("could not rename " + temporary + " to " + finalPath);
      }
      return new ShardResult(new Manifest.Shard(name, records, written.bytes(), written.sha256()),
          summary);
    }

    private ShardResult readFinished(FileSystem fs, Path path, String name) throws IOException {
      ShardSummary summary;
      try (ShardReader reader = ShardReader.open(hadoop.get(), path)) {
        summary = reader.summary();
      }
      done.add(summary.records());
      rejected.add(summary.rejections().size());
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      long bytes = 0;
      byte[] buffer = new byte[1 << 20];
      try (InputStream in = fs.open(path)) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          sha.update(buffer, 0, n);
          bytes += n;
        }
      }
      return new ShardResult(new Manifest.Shard(name, summary.records(), bytes,
          HexFormat.of().formatHex(sha.digest())), summary);
    }
  }
}

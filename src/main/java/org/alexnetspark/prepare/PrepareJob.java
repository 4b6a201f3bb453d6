package org.alexnetspark.prepare;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.data.Conversion;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Rejection;
import org.alexnetspark.io.BuildInfo;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.spark.JobProgress;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet prepare}: turns an input tree into Parquet shards and a manifest, in parallel.
 *
 * <p>{@link #check} plans on the driver ({@link PreparePlanner}: inputs listed, bad ones refused
 * early, label map and shard assignment fixed) before Spark starts; {@link #run} saves the plan as
 * {@code _plan.json}, has one Spark task per shard write it ({@link ShardBuilder}), assembles the
 * manifest from the shards' summaries and applies the rejection limit. Running the same command
 * again after a crash keeps finished shards and redoes only the others; a rerun with other inputs,
 * labels or settings is refused by {@link #check} (see {@link PreparePlanner}).
 */
public final class PrepareJob {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);
  static final String PLAN_FILE = "_plan.json";
  static final String REJECTED_REPORT = "rejected.json";

  /**
   * What to prepare.
   *
   * @param input folder holding {@code <split>/...} (or the split folder itself), or an ILSVRC
   *     image archive ({@code .tar}: a tar of per-class tars, or a flat tar with {@code devkit})
   * @param output dataset folder to create
   * @param split split name: train, val, ...
   * @param labelsFile labels file for a flat split folder, or null for a class tree
   * @param namesFile class names file, or null for the bundled ImageNet names
   * @param labelMapFrom a prepared dataset whose label map to reuse (validation), or null
   * @param devkit the ILSVRC-2012 devkit ({@code ILSVRC2012_devkit_t12.tar.gz}): validation ground
   *     truth and class names; or null
   * @param checksums an {@code md5sum} file with the archives' expected MD5s, or null for the
   *     published ILSVRC-2012 values
   */
  public record Request(
      URI input,
      URI output,
      String split,
      URI labelsFile,
      URI namesFile,
      URI labelMapFrom,
      URI devkit,
      URI checksums) {

    /** A request without devkit or checksums file. */
    public Request(
        URI input, URI output, String split, URI labelsFile, URI namesFile, URI labelMapFrom) {
      this(input, output, split, labelsFile, namesFile, labelMapFrom, null, null);
    }
  }

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
  public PreparePlan check(Request request) throws IOException {
    return new PreparePlanner(config.data(), storage).plan(request);
  }

  /** Writes the shards and the manifest; returns the manifest. */
  public Manifest run(JavaSparkContext spark, Request request, PreparePlan plan)
      throws IOException {
    URI output = storage.qualify(request.output());
    if (storage.exists(Manifest.manifestUri(output))) {
      throw new Storage.ArtifactExistsException(Manifest.manifestUri(output).toString());
    }
    storage.writeText(
        Locations.child(output, PLAN_FILE), Json.write(PreparePlanner.SavedPlan.of(plan)));

    List<ShardTask> tasks = plan.tasks();
    LOG.info(
        "preparing {} images from {} into {} shards of up to {} images in {}",
        plan.usable().size(),
        plan.listing().root(),
        plan.shards(),
        plan.recordsPerShard(),
        output);
    List<ShardTask.Result> results;
    try (JobProgress progress =
        new JobProgress(spark, "prepare", "images", plan.usable().size(), Duration.ofSeconds(5))) {
      ShardBuilder builder =
          new ShardBuilder(
              config.data(),
              plan.labels(),
              output,
              new HadoopConf(storage.hadoopConfiguration()),
              progress.done(),
              progress.rejected());
      results =
          new ArrayList<>(
              spark.parallelize(tasks, Math.max(1, tasks.size())).map(builder).collect());
    }
    results.sort(Comparator.comparingInt(r -> r.summary().shard()));
    Manifest manifest = manifest(request, plan, results);

    long rejectedInputs = manifest.rejectedInputs();
    double fraction = (double) rejectedInputs / Math.max(1, manifest.inputs());
    if (fraction > config.data().maxRejectedFraction()) {
      URI report = Locations.child(output, REJECTED_REPORT);
      storage.writeText(report, Json.write(manifest.rejected()));
      throw new TooManyRejectionsException(
          String.format(
              Locale.ROOT,
              "%.2f%% of the inputs (%,d of %,d) were rejected, more than the limit of %.2f%% "
                  + "(data.max-rejected-fraction); they are listed with reasons in %s. The shards are "
                  + "kept: fix the inputs and use a new --output, or raise the limit and run the same "
                  + "command again to finish from them.",
              100 * fraction,
              rejectedInputs,
              manifest.inputs(),
              100 * config.data().maxRejectedFraction(),
              report));
    }
    storage.writeFile(
        Manifest.manifestUri(output),
        false,
        out -> out.write(Json.write(manifest).getBytes(StandardCharsets.UTF_8)));
    storage.delete(Locations.child(output, PLAN_FILE));
    storage.delete(Locations.child(output, REJECTED_REPORT));
    LOG.info(
        "prepared {} images in {} shards at {}: {} inputs rejected, {} other problems, {} inputs "
            + "converted (all listed in the manifest)",
        manifest.records(),
        manifest.shards().size(),
        output,
        manifest.rejectedInputs(),
        manifest.otherRejections(),
        manifest.converted().size());
    return manifest;
  }

  /**
   * The manifest of the finished shards, with every rejection from planning and from the shards.
   */
  private Manifest manifest(Request request, PreparePlan plan, List<ShardTask.Result> results) {
    List<Rejection> rejected = new ArrayList<>(plan.rejections());
    List<Conversion> converted = new ArrayList<>();
    Map<String, Long> classCounts = new TreeMap<>();
    plan.labels().labels().forEach(l -> classCounts.put(l.wnid(), 0L));
    List<Manifest.Shard> shards = new ArrayList<>();
    long records = 0;
    for (ShardTask.Result result : results) {
      shards.add(result.shard());
      records += result.summary().records();
      rejected.addAll(result.summary().rejections());
      converted.addAll(result.summary().conversions());
      result.summary().classCounts().forEach((wnid, n) -> classCounts.merge(wnid, n, Long::sum));
    }
    long rejectedInputs = rejected.stream().filter(r -> r.kind().isInput()).count();
    return new Manifest(
        Manifest.FORMAT,
        request.split(),
        config.data().imageSize(),
        records + rejectedInputs,
        records,
        plan.labels().labels(),
        classCounts,
        shards,
        rejected,
        converted,
        new Manifest.Provenance(
            Instant.now().toString(),
            plan.listing().root().toString(),
            string(request.labelsFile()),
            string(request.namesFile()),
            string(request.labelMapFrom()),
            plan.recordsPerShard(),
            BuildInfo.versions(),
            config.render()));
  }

  private static String string(URI uri) {
    return uri == null ? null : uri.toString();
  }
}

package org.alexnetspark.prepare;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.alexnetspark.config.DataConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.IlsvrcDevkit;
import org.alexnetspark.data.LabelMap;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Rejection;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Sha256;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's half of {@code prepare}, no Spark involved: lists and checks the inputs, fixes the
 * label map, shuffles the inputs and assigns them to shards of about {@code data.shard-bytes}. When
 * the output holds the saved plan of an interrupted run ({@code _plan.json}) the same assignment is
 * used again, so finished shards can be kept.
 *
 * <p>Finished shards are kept only under the very plan that wrote them: the plan's digest covers
 * the settings that shape the shards, every input with its class, the set of classes, the label map
 * (its content, whether made from the class folders or taken with {@code --label-map-from}) and the
 * labels file's content. A rerun whose plan differs is refused before anything is written, naming
 * what differs: keeping the shards would mix records labelled under the old plan into the new
 * dataset, and deleting them would throw away hours of work over what may be a mistyped option.
 */
final class PreparePlanner {
  private static final Logger LOG = LoggerFactory.getLogger(PreparePlanner.class);

  /** Inputs prepared on the driver to estimate the size of a stored image. */
  private static final int SIZE_SAMPLE = 24;

  /**
   * Bytes per pixel of a stored JPEG when no sample could be prepared (quality 95 photos: 0.3-0.5).
   */
  private static final double FALLBACK_BYTES_PER_PIXEL = 0.4;

  /** Parquet page headers and column statistics, relative to the JPEG bytes. */
  private static final double PARQUET_OVERHEAD = 1.03;

  /** Key, label and wnid of a record, with their lengths. */
  private static final int RECORD_FIELD_BYTES = 64;

  /** Class names beside the split folders, as {@code alexnet convert-idx} writes them. */
  static final String NAMES_FILE = "names.txt";

  /** What the plan's digest covers, by name; kept in {@code _plan.json} to explain a mismatch. */
  static final String SETTINGS = "settings";

  static final String IMAGES = "images and their classes";
  static final String CLASSES = "classes";
  static final String LABEL_MAP = "label map";
  static final String LABELS_FILE = "labels file";
  static final String ARCHIVE = "archive";

  /**
   * Stored in {@code _plan.json} so that a re-run after a crash writes the same shards.
   *
   * @param inputsDigest SHA-256 over {@code basis}
   * @param basis what the digest covers, by name (null in plans of earlier versions)
   */
  record SavedPlan(
      String inputsDigest, int recordsPerShard, int shards, SortedMap<String, String> basis) {
    SavedPlan(String inputsDigest, int recordsPerShard, int shards) {
      this(inputsDigest, recordsPerShard, shards, null);
    }

    /** The plan as saved before its shards are written. */
    static SavedPlan of(PreparePlan plan) {
      return new SavedPlan(
          plan.inputsDigest(), plan.recordsPerShard(), plan.shards(), new TreeMap<>(plan.basis()));
    }
  }

  private final DataConfig data;
  private final Storage storage;

  PreparePlanner(DataConfig data, Storage storage) {
    this.data = data;
    this.storage = storage;
  }

  PreparePlan plan(PrepareJob.Request request) throws IOException {
    FileSystem inputFs = storage.fileSystem(request.input());
    Path inputPath = inputFs.makeQualified(new Path(request.input()));
    ArchiveChecksums checksums =
        request.checksums() == null
            ? ArchiveChecksums.published()
            : ArchiveChecksums.parse(
                storage.readText(request.checksums()), request.checksums().toString());
    Devkit devkit = request.devkit() == null ? null : readDevkit(request.devkit(), checksums);
    Map<String, String> groundTruth = devkit == null ? null : devkit.kit().validationLabels();
    TarArchiveScan archive = null;
    InputListing listing;
    if (inputFs.exists(inputPath) && TarArchiveScan.isArchive(inputFs, inputPath)) {
      LOG.info("reading {} once to list its images and check its MD5", inputPath);
      archive = TarArchiveScan.scan(inputFs, inputPath, groundTruth);
      LOG.info("{}: {}", archive.archive(), checksums.verify(archive.archive(), archive.md5()));
      listing =
          new InputListing(
              inputPath.toUri(),
              archive.members().stream().map(TarArchiveScan.Member::image).toList(),
              archive.rejections(),
              archive.classes());
    } else {
      URI labelsFile = devkit == null ? request.labelsFile() : request.devkit();
      listing =
          InputListing.scan(inputFs, request.input(), request.split(), labelsFile, groundTruth);
    }
    LabelMap labels = labelMap(request, listing, devkit);
    List<Rejection> rejections = new ArrayList<>(listing.rejections());
    List<InputImage> usable = new ArrayList<>();
    for (InputImage image : listing.images()) {
      if (labels.get(image.wnid()) == null) {
        rejections.add(
            new Rejection(
                image.location(),
                Rejection.Reason.UNKNOWN_CLASS,
                "class '"
                    + image.wnid()
                    + "' is not in the label map of "
                    + request.labelMapFrom()));
      } else {
        usable.add(image);
      }
    }
    if (usable.isEmpty()) {
      throw new IOException(
          "no usable images under "
              + listing.root()
              + " ("
              + rejections.size()
              + " rejected); expected "
              + (request.labelsFile() == null
                  ? "<split>/<class>/<image files>"
                  : "image files listed in " + request.labelsFile()));
    }
    // Shards mix classes, from an archive too (whose training tar holds one tar per class):
    // minibatches are cut from a shard's row groups, so a one-class shard means one-class
    // minibatches.
    usable.sort(Comparator.comparing(InputImage::key));
    Collections.shuffle(usable, new Random(data.seed()));
    SortedMap<String, String> basis = basis(request, listing, labels, usable, devkit);
    if (archive != null) {
      basis.put(ARCHIVE, describe(archive) + "; members read one by one in shuffled order");
    }
    String digest = digest(basis);

    URI saved = Locations.child(request.output(), PrepareJob.PLAN_FILE);
    int recordsPerShard;
    if (storage.exists(saved)) {
      SavedPlan plan = Json.read(storage.readText(saved), SavedPlan.class, saved.toString());
      if (!plan.inputsDigest().equals(digest)) {
        throw new InvalidConfigException(
            List.of(otherPlan(request.output(), plan.basis(), basis, finishedShards(request))));
      }
      recordsPerShard = plan.recordsPerShard();
      LOG.info("resuming the interrupted run in {}", request.output());
    } else {
      List<String> finished = finishedShards(request);
      if (!finished.isEmpty()) {
        throw new InvalidConfigException(
            List.of(
                request.output()
                    + " holds "
                    + finished.size()
                    + " shard files but no "
                    + PrepareJob.PLAN_FILE
                    + " saying how they were made, so they cannot be kept: delete "
                    + request.output()
                    + " or choose another --output"));
      }
      recordsPerShard =
          archive == null ? recordsPerShard(samples(usable)) : recordsPerShard(archive.samples());
    }
    List<ShardTask> archiveTasks =
        archive == null ? null : archiveTasks(archive, usable, recordsPerShard);
    int shards =
        archive == null
            ? (usable.size() + recordsPerShard - 1) / recordsPerShard
            : archiveTasks.size();
    return new PreparePlan(
        listing, labels, usable, rejections, recordsPerShard, shards, digest, basis, archiveTasks);
  }

  /** The devkit, and its MD5 (checked like an archive's). */
  record Devkit(IlsvrcDevkit kit, String location, String md5) {}

  private Devkit readDevkit(URI location, ArchiveChecksums checksums) throws IOException {
    byte[] bytes = IlsvrcDevkit.archiveBytes(storage, location);
    String md5;
    try {
      md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no MD5", e);
    }
    LOG.info("{}: {}", location, checksums.verify(location.toString(), md5));
    return new Devkit(IlsvrcDevkit.read(bytes, location.toString()), location.toString(), md5);
  }

  /**
   * One task per {@code recordsPerShard} consecutive images of the shuffled {@code usable}, as from
   * a folder, each image with the byte range of its member in the archive.
   */
  private static List<ShardTask> archiveTasks(
      TarArchiveScan archive, List<InputImage> usable, int recordsPerShard) {
    Map<String, ShardTask.ArchiveRange> byLocation = new HashMap<>();
    for (TarArchiveScan.Member member : archive.members()) {
      byLocation.put(
          member.image().location(),
          new ShardTask.ArchiveRange(archive.archive(), member.start(), member.end()));
    }
    int count = (usable.size() + recordsPerShard - 1) / recordsPerShard;
    List<ShardTask> tasks = new ArrayList<>();
    for (int from = 0; from < usable.size(); from += recordsPerShard) {
      List<InputImage> inputs =
          new ArrayList<>(usable.subList(from, Math.min(usable.size(), from + recordsPerShard)));
      List<ShardTask.ArchiveRange> ranges = new ArrayList<>();
      for (InputImage input : inputs) {
        ranges.add(byLocation.get(input.location()));
      }
      tasks.add(new ShardTask(tasks.size(), count, inputs, ranges));
    }
    return tasks;
  }

  /** What identifies the archive: path, length, modification time, MD5 and its tars. */
  private static String describe(TarArchiveScan archive) {
    MessageDigest groups = Sha256.digest();
    String last = null;
    for (TarArchiveScan.Member member : archive.members()) {
      if (!member.group().equals(last)) {
        groups.update((member.group() + "\n").getBytes(StandardCharsets.UTF_8));
        last = member.group();
      }
    }
    return archive.archive()
        + ", "
        + archive.length()
        + " bytes, modified "
        + Instant.ofEpochMilli(archive.modified())
        + ", MD5 "
        + archive.md5()
        + ", inner tars SHA-256 "
        + Sha256.hex(groups);
  }

  private List<byte[]> samples(List<InputImage> usable) {
    List<byte[]> samples = new ArrayList<>();
    for (InputImage image : usable.subList(0, Math.min(SIZE_SAMPLE, usable.size()))) {
      try {
        samples.add(ShardBuilder.read(storage.hadoopConfiguration(), image));
      } catch (IOException e) {
        // rejected inputs are reported by the shard builders
      }
    }
    return samples;
  }

  /** Shard files in the output (finished by an earlier run), by name. */
  private List<String> finishedShards(PrepareJob.Request request) throws IOException {
    FileSystem fs = storage.fileSystem(request.output());
    Path folder = storage.path(request.output());
    if (!fs.exists(folder)) {
      return List.of();
    }
    return Arrays.stream(fs.listStatus(folder))
        .map(status -> status.getPath().getName())
        .filter(name -> name.startsWith("shard-") && name.endsWith(".parquet"))
        .sorted()
        .toList();
  }

  /** Why the interrupted run's shards in {@code output} cannot be kept under the plan made now. */
  private static String otherPlan(
      URI output,
      SortedMap<String, String> before,
      SortedMap<String, String> now,
      List<String> finished) {
    List<String> differences = new ArrayList<>();
    if (before == null) {
      differences.add(
          "its plan was saved by an earlier version, which did not record the label map");
    } else {
      for (String part : now.keySet()) {
        if (!Objects.equals(before.get(part), now.get(part))) {
          differences.add(difference(part, before.get(part), now.get(part)));
        }
      }
    }
    return output
        + " holds an interrupted run ("
        + finished.size()
        + " finished shards) made from another plan: "
        + String.join("; ", differences)
        + ". Keeping its shards would mix records labelled under the old plan into the new "
        + "dataset. To prepare from the inputs and options given now, delete "
        + output
        + " or choose another --output; to finish the interrupted run, give the inputs and "
        + "options it had";
  }

  private static String difference(String part, String before, String now) {
    if (part.equals(CLASSES) && before != null) {
      TreeSet<String> added = new TreeSet<>(Arrays.asList(now.split(",")));
      TreeSet<String> removed = new TreeSet<>(Arrays.asList(before.split(",")));
      added.removeAll(Arrays.asList(before.split(",")));
      removed.removeAll(Arrays.asList(now.split(",")));
      return "the classes differ (added: "
          + (added.isEmpty() ? "none" : String.join(", ", added))
          + "; removed: "
          + (removed.isEmpty() ? "none" : String.join(", ", removed))
          + ")";
    }
    return "the " + part + " differs (was " + before + ", now " + now + ")";
  }

  private LabelMap labelMap(PrepareJob.Request request, InputListing listing, Devkit devkit)
      throws IOException {
    if (request.labelMapFrom() != null) {
      return Manifest.read(storage, request.labelMapFrom()).labelMap();
    }
    Map<String, String> names =
        devkit == null ? LabelMap.imagenetNames() : devkit.kit().wordsByWnid();
    URI namesFile = request.namesFile();
    URI beside = Locations.child(request.input(), NAMES_FILE);
    if (namesFile == null && storage.exists(beside)) {
      namesFile = beside;
      LOG.info("class names from {}", beside);
    }
    if (namesFile != null) {
      names = LabelMap.parseNames(storage.readText(namesFile), namesFile.toString());
    }
    return LabelMap.of(listing.classes(), names);
  }

  /** How many stored images fill a shard, from a few prepared on the driver. */
  private int recordsPerShard(List<byte[]> samples) {
    ImagePreparer preparer = new ImagePreparer(data);
    long bytes = 0;
    int prepared = 0;
    for (byte[] sample : samples) {
      try {
        if (preparer.prepare(sample) instanceof ImagePreparer.Prepared p) {
          bytes += p.jpeg().length;
          prepared++;
        }
      } catch (RuntimeException e) {
        // rejected inputs are reported by the shard builders
      }
    }
    int side = data.imageSize();
    double perImage =
        prepared > 0 ? (double) bytes / prepared : (double) side * side * FALLBACK_BYTES_PER_PIXEL;
    double perRecord = perImage * PARQUET_OVERHEAD + RECORD_FIELD_BYTES;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, data.shardBytes() / perRecord));
  }

  /**
   * What determines the shards' content, by name: the settings that shape them, every input with
   * its class, the classes, the label map and where it came from, and the labels file's content.
   */
  private SortedMap<String, String> basis(
      PrepareJob.Request request,
      InputListing listing,
      LabelMap labels,
      List<InputImage> usable,
      Devkit devkit)
      throws IOException {
    SortedMap<String, String> basis = new TreeMap<>();
    basis.put(
        SETTINGS,
        "data.image-size="
            + data.imageSize()
            + ", data.jpeg-quality="
            + data.jpegQuality()
            + ", data.shard-bytes="
            + data.shardBytes()
            + ", data.seed="
            + data.seed());
    MessageDigest images = Sha256.digest();
    for (InputImage image : usable) {
      images.update(
          (image.location() + "\t" + image.wnid() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    basis.put(IMAGES, "SHA-256 " + Sha256.hex(images));
    basis.put(CLASSES, String.join(",", new TreeSet<>(listing.classes())));
    basis.put(
        LABEL_MAP,
        "SHA-256 "
            + Sha256.of(Json.write(labels.labels()))
            + (request.labelMapFrom() == null
                ? " from the classes found"
                : " from --label-map-from " + request.labelMapFrom()));
    basis.put(
        LABELS_FILE,
        devkit != null
            ? "MD5 " + devkit.md5() + " of devkit " + devkit.location()
            : request.labelsFile() == null
                ? "none"
                : "SHA-256 "
                    + Sha256.of(storage.readText(request.labelsFile()))
                    + " of "
                    + request.labelsFile());
    return basis;
  }

  /** Changes whenever anything that shapes the shards changes. */
  private static String digest(SortedMap<String, String> basis) {
    MessageDigest sha = Sha256.digest();
    basis.forEach(
        (part, value) -> sha.update((part + "=" + value + "\n").getBytes(StandardCharsets.UTF_8)));
    return Sha256.hex(sha);
  }
}

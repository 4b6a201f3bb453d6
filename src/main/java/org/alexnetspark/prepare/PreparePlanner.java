package org.alexnetspark.prepare;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.alexnetspark.config.DataConfig;
import org.alexnetspark.data.LabelMap;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Rejection;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Sha256;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's half of {@code prepare}, no Spark involved: lists and checks the inputs, fixes the
 * label map, shuffles the inputs and assigns them to shards of about {@code data.shard-bytes}. When
 * the output holds the saved plan of an interrupted run ({@code _plan.json}) the same assignment is
 * used again, so finished shards can be kept.
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

  /** Stored in {@code _plan.json} so that a re-run after a crash writes the same shards. */
  record SavedPlan(String inputsDigest, int recordsPerShard, int shards) {}

  private final DataConfig data;
  private final Storage storage;

  PreparePlanner(DataConfig data, Storage storage) {
    this.data = data;
    this.storage = storage;
  }

  PreparePlan plan(PrepareJob.Request request) throws IOException {
    FileSystem inputFs = storage.fileSystem(request.input());
    InputListing listing =
        InputListing.scan(inputFs, request.input(), request.split(), request.labelsFile());
    LabelMap labels = labelMap(request, listing);
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
    usable.sort(Comparator.comparing(InputImage::key));
    Collections.shuffle(usable, new Random(data.seed()));
    String digest = digest(usable);

    URI saved = Locations.child(request.output(), PrepareJob.PLAN_FILE);
    int recordsPerShard;
    if (storage.exists(saved)) {
      SavedPlan plan = Json.read(storage.readText(saved), SavedPlan.class, saved.toString());
      if (!plan.inputsDigest().equals(digest)) {
        throw new IOException(
            request.output()
                + " holds an interrupted run over different inputs "
                + "or settings; choose another --output or delete it");
      }
      recordsPerShard = plan.recordsPerShard();
      LOG.info("resuming the interrupted run in {}", request.output());
    } else {
      recordsPerShard = recordsPerShard(usable);
    }
    int shards = (usable.size() + recordsPerShard - 1) / recordsPerShard;
    return new PreparePlan(listing, labels, usable, rejections, recordsPerShard, shards, digest);
  }

  private LabelMap labelMap(PrepareJob.Request request, InputListing listing) throws IOException {
    if (request.labelMapFrom() != null) {
      return Manifest.read(storage, request.labelMapFrom()).labelMap();
    }
    Map<String, String> names = LabelMap.imagenetNames();
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
  private int recordsPerShard(List<InputImage> usable) {
    ImagePreparer preparer = new ImagePreparer(data);
    long bytes = 0;
    int prepared = 0;
    for (InputImage image : usable.subList(0, Math.min(SIZE_SAMPLE, usable.size()))) {
      try {
        if (preparer.prepare(ShardBuilder.read(storage.hadoopConfiguration(), image))
            instanceof ImagePreparer.Prepared p) {
          bytes += p.jpeg().length;
          prepared++;
        }
      } catch (IOException | RuntimeException e) {
        // rejected inputs are reported by the shard builders
      }
    }
    int side = data.imageSize();
    double perImage =
        prepared > 0 ? (double) bytes / prepared : (double) side * side * FALLBACK_BYTES_PER_PIXEL;
    double perRecord = perImage * PARQUET_OVERHEAD + RECORD_FIELD_BYTES;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, data.shardBytes() / perRecord));
  }

  /** Changes whenever the inputs or the settings that shape the shards change. */
  private String digest(List<InputImage> usable) {
    MessageDigest sha = Sha256.digest();
    sha.update(
        (data.imageSize() + "/" + data.jpegQuality() + "/" + data.shardBytes() + "/" + data.seed())
            .getBytes(StandardCharsets.UTF_8));
    for (InputImage image : usable) {
      sha.update((image.location() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return Sha256.hex(sha);
  }
}

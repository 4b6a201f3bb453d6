package org.alexnetspark.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;

/**
 * The description of a prepared dataset ({@code manifest.json} beside its shards).
 *
 * @param format "alexnet-spark shards 1"
 * @param split train, val, ...
 * @param imageSize side of the stored square images
 * @param inputs input files seen (written plus rejected)
 * @param records images written
 * @param labels the label map: index, wnid, name
 * @param classCounts images written per wnid
 * @param shards shard files with their record counts, sizes and SHA-256
 * @param rejected every input that was skipped, with the reason
 * @param converted every input written after a conversion (another format, CMYK, EXIF orientation,
 *     ...), with what it was and what was done; empty in manifests of older versions
 * @param provenance how and from what the dataset was made
 */
public record Manifest(
    String format,
    String split,
    int imageSize,
    long inputs,
    long records,
    List<Label> labels,
    Map<String, Long> classCounts,
    List<Shard> shards,
    List<Rejection> rejected,
    List<Conversion> converted,
    Provenance provenance) {

  public static final String FORMAT = "alexnet-spark shards 1";

  @JsonCreator
  public Manifest {
    converted = converted == null ? List.of() : converted;
  }

  /** One shard file (its name is relative to the manifest's folder). */
  public record Shard(String file, long records, long bytes, String sha256)
      implements Serializable {}

  /**
   * @param created when the dataset was finished (ISO-8601)
   * @param input the input folder
   * @param labelsFile labels file of a flat split, if any
   * @param namesFile class names file, if any
   * @param labelMapFrom the manifest whose label map was reused, if any
   * @param recordsPerShard images assigned to each shard
   * @param versions versions of this project and its stack
   * @param config the effective configuration (HOCON)
   */
  public record Provenance(
      String created,
      String input,
      String labelsFile,
      String namesFile,
      String labelMapFrom,
      long recordsPerShard,
      Map<String, String> versions,
      String config) {}

  /**
   * Rejected input files (an empty class folder is listed in {@link #rejected} but is no input).
   */
  public long rejectedInputs() {
    return rejected.stream().filter(r -> r.kind() == null || r.kind().isInput()).count();
  }

  /** Rejections that are not input files, such as empty class folders. */
  public long otherRejections() {
    return rejected.size() - rejectedInputs();
  }

  public LabelMap labelMap() {
    return new LabelMap(labels);
  }

  /** Full URIs of the shards of the dataset in {@code folder}. */
  public List<URI> shardUris(URI folder) {
    return shards.stream().map(s -> Locations.child(folder, s.file())).toList();
  }

  /** Reads {@code <folder>/manifest.json}. */
  public static Manifest read(Storage storage, URI folder) throws IOException {
    URI file = manifestUri(folder);
    if (!storage.exists(file)) {
      throw new FileNotFoundException(
          folder
              + " holds no prepared dataset ("
              + ShardFormat.MANIFEST
              + " is missing; run 'alexnet prepare' first)");
    }
    Manifest manifest = Json.read(storage.readText(file), Manifest.class, file.toString());
    if (!FORMAT.equals(manifest.format())) {
      throw new IOException(
          file + " has format '" + manifest.format() + "', expected '" + FORMAT + "'");
    }
    return manifest;
  }

  public static URI manifestUri(URI folder) {
    return Locations.child(folder, ShardFormat.MANIFEST);
  }
}

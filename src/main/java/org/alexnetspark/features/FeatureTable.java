package org.alexnetspark.features;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;

/**
 * What a features table ({@code alexnet features}) holds, stored beside its Parquet files as {@link
 * #FILE} (a name starting with "_", which Spark, pandas/pyarrow and DuckDB skip when reading the
 * folder as a table): so that query images are made into vectors the same way.
 *
 * @param model the model folder the features come from
 * @param data the prepared dataset
 * @param crops "centre" or "ten-crop": which crops were averaged
 * @param width values per vector (the model's FC width)
 * @param rows rows written
 * @param created when (ISO-8601)
 * @param versions versions of the software that wrote it
 */
public record FeatureTable(
    String model,
    String data,
    String crops,
    int width,
    long rows,
    String created,
    Map<String, String> versions) {

  /** The description's file name inside the table's folder. */
  public static final String FILE = "_features.json";

  /** The crops the vectors were computed from. */
  public Preset preset() {
    return "ten-crop".equals(crops) ? Preset.TEN_CROP : Preset.CENTRE;
  }

  static String cropsName(Preset preset) {
    return preset == Preset.TEN_CROP ? "ten-crop" : "centre";
  }

  /** Reads the description of the table at {@code folder}. */
  public static FeatureTable read(Storage storage, URI folder) throws IOException {
    URI file = Locations.child(folder, FILE);
    if (!storage.exists(file)) {
      throw new IOException(
          folder + " is not a features table written by 'alexnet features' (no " + FILE + ")");
    }
    return Json.read(storage.readText(file), FeatureTable.class, file.toString());
  }
}

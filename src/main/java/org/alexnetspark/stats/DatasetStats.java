package org.alexnetspark.stats;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.Map;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;

/**
 * Statistics of a training set ({@code stats.json} beside the manifest; the mean image is in {@code
 * mean-image.npy}, float32, shape [3, size, size], RGB, 0..255).
 *
 * @param format "alexnet-spark stats 1"
 * @param images images counted
 * @param pixels pixels counted (images x size x size)
 * @param imageSize side of the stored images
 * @param meanRgb mean of red, green and blue in 0..255
 * @param covariance 3x3 sample covariance of RGB values scaled to [0, 1] (see {@link #scale})
 * @param eigenvalues its eigenvalues, largest first
 * @param eigenvectors {@code eigenvectors[i]} is the unit RGB vector of {@code eigenvalues[i]}
 * @param scale in words, the units of covariance and eigenvalues
 * @param meanImageFile file name of the mean image, beside this file
 * @param provenance how and when the statistics were computed (null until the job adds it)
 */
public record DatasetStats(
    String format,
    long images,
    long pixels,
    int imageSize,
    double[] meanRgb,
    double[][] covariance,
    double[] eigenvalues,
    double[][] eigenvectors,
    String scale,
    String meanImageFile,
    Provenance provenance)
    implements Serializable {

  /**
   * @param created when (ISO-8601)
   * @param dataset the dataset folder
   * @param versions versions of this project and its stack
   * @param config the effective configuration (HOCON)
   */
  public record Provenance(
      String created, String dataset, Map<String, String> versions, String config)
      implements Serializable {}

  /** These statistics with {@code provenance} attached. */
  public DatasetStats with(Provenance provenance) {
    return new DatasetStats(
        format,
        images,
        pixels,
        imageSize,
        meanRgb,
        covariance,
        eigenvalues,
        eigenvectors,
        scale,
        meanImageFile,
        provenance);
  }

  public static final String FORMAT = "alexnet-spark stats 1";
  public static final String FILE = "stats.json";
  public static final String MEAN_IMAGE_FILE = "mean-image.npy";
  public static final String SCALE =
      "covariance and eigenvalues of RGB values divided by 255 "
          + "(sample covariance, n - 1); means in 0..255";

  /** Reads {@code <dataset>/stats.json}. */
  public static DatasetStats read(Storage storage, URI dataset) throws IOException {
    URI file = beside(dataset, FILE);
    if (!storage.exists(file)) {
      throw new FileNotFoundException(
          dataset
              + " has no statistics ("
              + FILE
              + " is missing; run 'alexnet stats --data "
              + dataset
              + "' first)");
    }
    return Json.read(storage.readText(file), DatasetStats.class, file.toString());
  }

  /** {@code <dataset>/<name>}. */
  public static URI beside(URI dataset, String name) {
    return Locations.child(dataset, name);
  }
}

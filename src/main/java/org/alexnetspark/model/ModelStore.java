package org.alexnetspark.model;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.SealSignature;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Storage;
import org.alexnetspark.stats.DatasetStats;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and loads models on any Hadoop FileSystem, and owns the model folder's format: every file
 * name, what it holds, writing it, reading it and its seal. A model is a folder, written
 * atomically:
 *
 * <ul>
 *   <li>{@code model.zip}: DL4J's model file (configuration, parameters, momentum state);
 *   <li>{@code alexnet.conf}: the effective configuration the model was made with;
 *   <li>{@code model.json}: what it is and what it was trained on ({@link ModelInfo}: label map,
 *       epochs, data, validation accuracy, versions);
 *   <li>{@code stats.json} and {@code mean-image.npy}: the training set's statistics its inputs are
 *       normalised with ({@link Normalisation}), in every model and checkpoint written by training;
 *   <li>further files of the writer's own (a checkpoint's training state, a registry entry), listed
 *       in the seal like the others;
 *   <li>{@code _COMPLETE}: the seal listing every file with its size and SHA-256, and {@code
 *       _COMPLETE.sig}, its HMAC-SHA256, when a signing key is configured ({@link SealSignature}).
 * </ul>
 *
 * <p>A model folder is read as untrusted data: no Java deserialisation, only the classes AlexNet is
 * built from, bounded sizes checked before anything is allocated ({@link #readModelFile}), and,
 * with a signing key configured, only folders signed with it.
 */
public final class ModelStore {
  private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);
  static final String MODEL_FILE = "model.zip";

  /** The configuration file in a model folder. */
  public static final String CONFIG_FILE = "alexnet.conf";

  static final String PROVENANCE_FILE = "model.json";

  /** The largest stored-image side read from a model folder's statistics. */
  private static final int MAX_IMAGE_SIZE = 4096;

  private static final int MAX_NPY_HEADER = 1 << 16;

  private static final String CONFIGURATION_ENTRY = "configuration.json";
  private static final String PARAMETERS_ENTRY = "coefficients.bin";
  private static final String UPDATER_ENTRY = "updaterState.bin";

  /** The training set's statistics in a model folder ({@link DatasetStats} as JSON). */
  public static final String STATS_FILE = "stats.json";

  /**
   * The training set's mean image in a model folder (float32 [3, size, size], RGB, 0..255, as
   * {@code alexnet stats} writes it).
   */
  public static final String MEAN_IMAGE_FILE = "mean-image.npy";

  private final Storage storage;

  public ModelStore(Storage storage) {
    this.storage = storage;
  }

  /**
   * A model read back.
   *
   * @param network the network, with its momentum state
   * @param config the configuration it was made with
   * @param info what it was trained on and how far
   * @param normalisation the training set's statistics, or null if the folder was saved without
   *     them
   */
  public record StoredModel(
      ComputationGraph network,
      AlexNetConfig config,
      ModelInfo info,
      Normalisation normalisation) {}

  /**
   * The files holding the training set's statistics, to pass to {@link #save} as further files: a
   * model saved with them can be used without the dataset it was trained on.
   */
  public static Map<String, byte[]> normalisationFiles(DatasetStats stats, float[] meanImage) {
    int size = stats.imageSize();
    byte[] npy =
        Nd4j.toNpyByteArray(
            Nd4j.create(meanImage, new long[] {3, size, size}, 'c').castTo(DataType.FLOAT));
    return Map.of(
        STATS_FILE, Json.write(stats).getBytes(StandardCharsets.UTF_8), MEAN_IMAGE_FILE, npy);
  }

  /**
   * Writes {@code network} with its configuration to {@code target} (a folder), with no description
   * of its training.
   *
   * @param overwrite replace an existing model at {@code target}
   */
  public void save(ComputationGraph network, AlexNetConfig config, URI target, boolean overwrite)
      throws IOException {
    save(network, config, ModelInfo.untrained(), target, overwrite, Map.of());
  }

  /**
   * Writes {@code network}, its configuration and {@code info} to the folder {@code target}, with
   * further files written into the same folder (and so appearing atomically with the model). The
   * folder is sealed ({@link SealedFolder}): it is complete only once every file is listed with its
   * size and SHA-256.
   */
  public void save(
      ComputationGraph network,
      AlexNetConfig config,
      ModelInfo info,
      URI target,
      boolean overwrite,
      Map<String, byte[]> extraFiles)
      throws IOException {
    ModelInfo described = info.describing(network, config);
    storage.writeFolder(
        target,
        overwrite,
        (fs, folder) -> {
          SealedFolder.Writer files = new SealedFolder.Writer(storage, fs, folder);
          try (OutputStream out = files.create(MODEL_FILE)) {
            ModelSerializer.writeModel(network, out, true);
          }
          files.write(CONFIG_FILE, config.render().getBytes(StandardCharsets.UTF_8));
          files.write(PROVENANCE_FILE, Json.write(described).getBytes(StandardCharsets.UTF_8));
          for (Map.Entry<String, byte[]> extra : extraFiles.entrySet()) {
            files.write(extra.getKey(), extra.getValue());
          }
          files.seal();
        });
  }

  /**
   * Reads a model folder written by {@link #save}, including its momentum state, checking that it
   * is complete and that every byte read matches its seal.
   *
   * @throws SealedFolder.IncompleteException if the folder is incomplete or damaged
   */
  public StoredModel load(URI source) throws IOException {
    if (!storage.exists(Locations.child(source, MODEL_FILE))) {
      throw new FileNotFoundException(
          source
              + " is not a saved model: "
              + Locations.child(source, MODEL_FILE)
              + " does not exist");
    }
    SealedFolder.Seal seal = SealedFolder.check(storage, source);
    ComputationGraph network;
    try (InputStream in = SealedFolder.open(storage, source, seal, MODEL_FILE)) {
      network = readModelFile(in, Locations.child(source, MODEL_FILE).toString());
    }
    AlexNetConfig config =
        AlexNetConfig.fromHocon(
            readText(source, seal, CONFIG_FILE), Locations.child(source, CONFIG_FILE).toString());
    ModelInfo info =
        Json.read(
            readText(source, seal, PROVENANCE_FILE),
            ModelInfo.class,
            Locations.child(source, PROVENANCE_FILE).toString());
    return new StoredModel(network, config, info, normalisation(source, seal));
  }

  /** The training set's statistics of a model folder, or null if it has none. */
  private Normalisation normalisation(URI source, SealedFolder.Seal seal) throws IOException {
    if (seal.entry(STATS_FILE) == null || seal.entry(MEAN_IMAGE_FILE) == null) {
      return null;
    }
    DatasetStats stats =
        Json.read(
            readText(source, seal, STATS_FILE),
            DatasetStats.class,
            Locations.child(source, STATS_FILE).toString());
    String where = Locations.child(source, STATS_FILE).toString();
    int size = stats.imageSize();
    if (size < 1 || size > MAX_IMAGE_SIZE) {
      throw new IOException(
          where
              + " says the images are "
              + size
              + " pixels square; 1 to "
              + MAX_IMAGE_SIZE
              + " is read from a model folder");
    }
    if (length(stats.meanRgb()) != 3
        || length(stats.eigenvalues()) != 3
        || stats.eigenvectors() == null
        || stats.eigenvectors().length != 3
        || Arrays.stream(stats.eigenvectors()).anyMatch(v -> length(v) != 3)) {
      throw new IOException(
          where + " does not hold three channel means, eigenvalues and eigenvectors of 3 values");
    }
    float[] mean;
    try (InputStream in = SealedFolder.open(storage, source, seal, MEAN_IMAGE_FILE)) {
      mean =
          readMeanImage(
              in.readNBytes(MAX_NPY_HEADER + 4 * 3 * size * size + 1),
              size,
              Locations.child(source, MEAN_IMAGE_FILE).toString());
    }
    return new Normalisation(stats, mean);
  }

  private static int length(double[] values) {
    return values == null ? -1 : values.length;
  }

  /**
   * The mean image from its {@code .npy} bytes, parsed here rather than by ND4J's native reader so
   * that a header declaring more values than the file holds is refused, not read past: exactly a
   * little-endian float32 array of shape (3, size, size), in C order.
   */
  static float[] readMeanImage(byte[] npy, int size, String where) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(npy).order(ByteOrder.LITTLE_ENDIAN);
    String expected = "float32 [3, " + size + ", " + size + "] in C order";
    if (npy.length < 10 || bytes.getInt(0) != 0x4d554e93 || bytes.getShort(4) != 0x5950) {
      throw new IOException(where + " is not a .npy file (expected " + expected + ")");
    }
    int major = npy[6];
    int headerLength = major == 1 ? Short.toUnsignedInt(bytes.getShort(8)) : bytes.getInt(8);
    int dataStart = (major == 1 ? 10 : 12) + headerLength;
    if (headerLength < 0 || headerLength > MAX_NPY_HEADER || dataStart > npy.length) {
      throw new IOException(where + " has a malformed .npy header");
    }
    String header =
        new String(npy, major == 1 ? 10 : 12, headerLength, StandardCharsets.ISO_8859_1);
    long values = 3L * size * size;
    boolean matches =
        Pattern.compile("'descr':\\s*'<f4'").matcher(header).find()
            && Pattern.compile("'fortran_order':\\s*False").matcher(header).find()
            && Pattern.compile("'shape':\\s*\\(3,\\s*" + size + ",\\s*" + size + ",?\\s*\\)")
                .matcher(header)
                .find();
    if (!matches || npy.length - dataStart != 4 * values) {
      throw new IOException(
          where
              + " holds "
              + header.strip()
              + " with "
              + (npy.length - dataStart)
              + " bytes of data; expected "
              + expected
              + " ("
              + 4 * values
              + " bytes), as stats.json describes the images");
    }
    float[] mean = new float[(int) values];
    bytes.position(dataStart);
    bytes.asFloatBuffer().get(mean);
    return mean;
  }

  /** Reads a small file of a sealed model folder, e.g. one written as an extra file. */
  public String readText(URI folder, SealedFolder.Seal seal, String name) throws IOException {
    try (InputStream in = SealedFolder.open(storage, folder, seal, name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Reads DL4J's model file (a zip of {@code configuration.json}, {@code coefficients.bin} and
   * {@code updaterState.bin}, in that order, as DL4J writes it) without DL4J's loader, treating it
   * as untrusted data:
   *
   * <ul>
   *   <li>no Java deserialisation: DL4J's loader would run it on any {@code preprocessor.bin} or
   *       {@code normalizer.bin} it finds; those entries are never read;
   *   <li>the configuration may name only the classes AlexNet is built from, and its sizes are
   *       bounded ({@link TrustedConfiguration}), before DL4J reads it;
   *   <li>the parameters and updater state must have exactly the length the configuration declares,
   *       checked from their headers before they are read into memory ({@link ParameterFile}).
   * </ul>
   */
  static ComputationGraph readModelFile(InputStream in, String where) throws IOException {
    TrustedConfiguration configuration = null;
    ComputationGraph network = null;
    boolean updaterState = false;
    try (ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        String entryWhere = where + "!" + entry.getName();
        switch (entry.getName()) {
          case CONFIGURATION_ENTRY -> {
            if (configuration != null) {
              throw new IOException(where + " holds " + CONFIGURATION_ENTRY + " twice");
            }
            configuration = TrustedConfiguration.read(readBounded(zip, entryWhere), entryWhere);
          }
          case PARAMETERS_ENTRY -> {
            if (configuration == null || network != null) {
              throw outOfOrder(where, PARAMETERS_ENTRY);
            }
            INDArray parameters = ParameterFile.read(zip, configuration.parameters(), entryWhere);
            ComputationGraphConfiguration conf = configuration.configuration();
            conf.setDataType(parameters.dataType());
            network = new ComputationGraph(conf);
            network.init(parameters, false);
          }
          case UPDATER_ENTRY -> {
            if (network == null || updaterState) {
              throw outOfOrder(where, UPDATER_ENTRY);
            }
            INDArray view = network.getUpdater().getStateViewArray();
            long expected = view == null ? 0 : view.length();
            network.getUpdater().setStateViewArray(ParameterFile.read(zip, expected, entryWhere));
            updaterState = true;
          }
          default -> LOG.debug("{}: ignoring entry {}", where, entry.getName());
        }
      }
    } catch (ZipException | EOFException e) {
      throw new IOException(where + " is not a complete model file: " + e.getMessage(), e);
    }
    if (network == null) {
      throw new IOException(
          where
              + " is not a complete model file: "
              + (configuration == null ? CONFIGURATION_ENTRY : PARAMETERS_ENTRY)
              + " is missing");
    }
    return network;
  }

  private static IOException outOfOrder(String where, String entry) {
    return new IOException(
        where
            + ": "
            + entry
            + " is out of place; DL4J writes "
            + CONFIGURATION_ENTRY
            + ", then "
            + PARAMETERS_ENTRY
            + ", then "
            + UPDATER_ENTRY
            + ", once each, and sizes are checked against the configuration before anything is"
            + " read");
  }

  /** The configuration entry, refused if larger than any AlexNet configuration could be. */
  private static String readBounded(InputStream zip, String where) throws IOException {
    byte[] bytes = zip.readNBytes(TrustedConfiguration.MAX_JSON_BYTES + 1);
    if (bytes.length > TrustedConfiguration.MAX_JSON_BYTES) {
      throw new IOException(
          where
              + " is larger than "
              + TrustedConfiguration.MAX_JSON_BYTES
              + " bytes; an AlexNet configuration is about 18 KB");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}

package org.alexnetspark.model;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Storage;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and loads models on any Hadoop FileSystem. A model is a folder, written atomically:
 *
 * <ul>
 *   <li>{@code model.zip}: DL4J's model file (configuration, parameters, momentum state);
 *   <li>{@code alexnet.conf}: the effective configuration the model was made with;
 *   <li>{@code model.json}: what it is and what it was trained on ({@link ModelInfo}: label map,
 *       epochs, data, validation accuracy, versions);
 *   <li>{@code _COMPLETE}: the seal listing every file with its size and SHA-256.
 * </ul>
 */
public final class ModelStore {
  private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);
  static final String MODEL_FILE = "model.zip";

  /** The configuration file in a model folder. */
  public static final String CONFIG_FILE = "alexnet.conf";

  static final String PROVENANCE_FILE = "model.json";

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
   */
  public record StoredModel(ComputationGraph network, AlexNetConfig config, ModelInfo info) {}

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
          SealedFolder.Writer files = new SealedFolder.Writer(fs, folder);
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
    return new StoredModel(network, config, info);
  }

  /** Reads a small file of a sealed model folder, e.g. one written as an extra file. */
  public String readText(URI folder, SealedFolder.Seal seal, String name) throws IOException {
    try (InputStream in = SealedFolder.open(storage, folder, seal, name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Reads DL4J's model file (a zip of {@code configuration.json}, {@code coefficients.bin} and
   * {@code updaterState.bin}) without DL4J's loader, which would also run Java deserialisation on
   * any {@code preprocessor.bin} or {@code normalizer.bin} it finds: a model file is data, and
   * those entries are never read.
   */
  static ComputationGraph readModelFile(InputStream in, String where) throws IOException {
    String configuration = null;
    INDArray parameters = null;
    INDArray updaterState = null;
    try (ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        switch (entry.getName()) {
          case "configuration.json" ->
              configuration = new String(zip.readAllBytes(), StandardCharsets.UTF_8);
          case "coefficients.bin" -> parameters = Nd4j.read(new DataInputStream(zip));
          case "updaterState.bin" -> updaterState = Nd4j.read(new DataInputStream(zip));
          default -> LOG.debug("{}: ignoring entry {}", where, entry.getName());
        }
      }
    } catch (ZipException | EOFException e) {
      throw new IOException(where + " is not a complete model file: " + e.getMessage(), e);
    }
    if (configuration == null || parameters == null) {
      throw new IOException(
          where
              + " is not a complete model file: "
              + (configuration == null ? "configuration.json" : "coefficients.bin")
              + " is missing");
    }
    ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(configuration);
    conf.setDataType(parameters.dataType());
    ComputationGraph network = new ComputationGraph(conf);
    network.init(parameters, false);
    if (updaterState != null) {
      network.getUpdater().setStateViewArray(updaterState);
    }
    return network;
  }
}

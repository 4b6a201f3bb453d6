package org.alexnetspark.model;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.BuildInfo;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Saves and loads models on any Hadoop FileSystem. A model is a folder, written atomically:
 *
 * <ul>
 *   <li>{@code model.zip}: DL4J's model file (configuration, parameters, momentum state);
 *   <li>{@code alexnet.conf}: the effective configuration the model was made with;
 *   <li>{@code model.json}: provenance (variant, parameters, time, versions).
 * </ul>
 */
public final class ModelStore {
  static final String MODEL_FILE = "model.zip";
  static final String CONFIG_FILE = "alexnet.conf";
  static final String PROVENANCE_FILE = "model.json";

  private final Storage storage;

  public ModelStore(Storage storage) {
    this.storage = storage;
  }

  /** A model read back with the configuration it was made with. */
  public record StoredModel(ComputationGraph network, AlexNetConfig config,
      Map<String, Object> provenance) {}

  /**
   * Writes {@code network} with its configuration to {@code target} (a folder).
   *
   * @param overwrite replace an existing model at {@code target}
   */
  public void save(ComputationGraph network, AlexNetConfig config, URI target, boolean overwrite)
      throws IOException {
    save(network, config, target, overwrite, Map.of());
  }

  /**
   * Like {@link #save(ComputationGraph, AlexNetConfig, URI, boolean)}, with further files written
   * into the same folder (and so appearing atomically with the model).
   */
  public void save(ComputationGraph network, AlexNetConfig config, URI target, boolean overwrite,
      Map<String, byte[]> extraFiles) throws IOException {
    Map<String, Object> provenance = new LinkedHashMap<>();
    provenance.put("format", "alexnet-spark model 1");
    provenance.put("variant", config.model().variant().toString());
    provenance.put("classes", config.model().classes());
    provenance.put("input-size", config.model().networkInputSize());
    provenance.put("parameters", network.numParams());
    provenance.put("iterations", network.getIterationCount());
    provenance.put("epochs", network.getEpochCount());
    provenance.put("created", Instant.now().toString());
    provenance.put("versions", BuildInfo.versions());
    storage.writeFolder(target, overwrite, (fs, folder) -> {
      try (OutputStream out = fs.create(new Path(folder, MODEL_FILE), false)) {
        ModelSerializer.writeModel(network, out, true);
      }
      write(fs, new Path(folder, CONFIG_FILE), config.render().getBytes(StandardCharsets.UTF_8));
      write(fs, new Path(folder, PROVENANCE_FILE), Json.write(provenance).getBytes(StandardCharsets.UTF_8));
      for (Map.Entry<String, byte[]> extra : extraFiles.entrySet()) {
        write(fs, new Path(folder, extra.getKey()), extra.getValue());
      }
    });
  }

  /** Reads a model folder written by {@link #save}, including its momentum state. */
  @SuppressWarnings("unchecked")
  public StoredModel load(URI source) throws IOException {
    FileSystem fs = storage.fileSystem(source);
    Path folder = new Path(source);
    Path modelFile = new Path(folder, MODEL_FILE);
    if (!fs.exists(modelFile)) {
      throw new FileNotFoundException(source + " is not a saved model: " + modelFile
          + " does not exist");
    }
    ComputationGraph network;
    try (InputStream in = fs.open(modelFile)) {
      network = ModelSerializer.restoreComputationGraph(in, true);
    }
    String hocon;
    try (InputStream in = fs.open(new Path(folder, CONFIG_FILE))) {
      hocon = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    AlexNetConfig config = AlexNetConfig.fromHocon(hocon, source + "/" + CONFIG_FILE);
    Map<String, Object> provenance;
    try (InputStream in = fs.open(new Path(folder, PROVENANCE_FILE))) {
      provenance = Json.mapper().readValue(in, Map.class);
    }
    return new StoredModel(network, config, provenance);
  }

  private static void write(FileSystem fs, Path path, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(path, false)) {
      out.write(bytes);
    }
  }
}

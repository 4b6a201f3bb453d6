package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.SealSignature;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Sha256;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.alias.CredentialProvider;
import org.apache.hadoop.security.alias.CredentialProviderFactory;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model folder is data from wherever it came: its configuration may name only the classes AlexNet
 * is built from, its sizes are bounded before anything is allocated, and with a signing key
 * configured only folders signed with it are read.
 */
class UntrustedModelFileTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WHERE = "hdfs://nn/models/m/model.zip";

  private static AlexNetConfig config;
  private static ComputationGraph network;
  private static byte[] modelFile;

  @BeforeAll
  static void saveOne() throws IOException {
    config =
        AlexNetConfig.load(
            List.of(), List.of("model.variant=scaled", "model.classes=10", "data.image-size=76"));
    network = AlexNet.create(config.model(), config.optimizer());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ModelSerializer.writeModel(network, out, true);
    modelFile = out.toByteArray();
  }

  // --- the classes a configuration names ------------------------------------------------------

  @Test
  void everyVariantAndInitialisationUsesOnlyAllowedClasses() throws IOException {
    Set<String> named = new HashSet<>();
    for (List<String> settings :
        List.of(
            List.of("model.variant=paper"),
            List.of("model.variant=single-tower", "model.init.scheme=he"),
            List.of("model.variant=scaled", "model.dropout=0"),
            List.of("model.variant=scaled", "model.init.scheme=he"))) {
      AlexNetConfig c = AlexNetConfig.load(List.of(), settings);
      String json = AlexNet.configuration(c.model(), c.optimizer()).toJson();
      collectTypeNames(JSON.readTree(json), named);
      TrustedConfiguration checked = TrustedConfiguration.read(json, "conf");
      assertEquals(
          AlexNet.create(c.model(), c.optimizer()).numParams(),
          checked.parameters(),
          "parameters counted from the JSON: " + settings);
    }
    // Hand-listed from the JSON DL4J writes for AlexNet: layers, vertex, preprocessor, updater,
    // activations, loss, dropout, L2 and its schedule, weight init and its distribution.
    assertEquals(14, TrustedConfiguration.ALLOWED_CLASSES.size());
    assertTrue(TrustedConfiguration.ALLOWED_CLASSES.containsAll(named), named.toString());
  }

  @Test
  void thePaperNetworksParametersAreCountedFromItsJson() throws IOException {
    AlexNetConfig paper = AlexNetConfig.load(List.of(), List.of("model.variant=paper"));
    String json = AlexNet.configuration(paper.model(), paper.optimizer()).toJson();
    assertEquals(60_965_224L, TrustedConfiguration.read(json, "conf").parameters());
  }

  /** Marks, in a system property, that Java initialised it: that is, loaded it by name. */
  static final class LoadedByName {
    static {
      System.setProperty("alexnet.test.loaded-by-name", "yes");
    }
  }

  @Test
  void aClassOutsideTheAllowListIsRefusedNamingFilePathAndClassAndIsNeverLoaded() {
    String foreign = UntrustedModelFileTest.class.getName() + "$LoadedByName";
    System.clearProperty("alexnet.test.loaded-by-name");
    String message =
        refusalOf(
            conf -> set(conf, "vertices.fc6.layerConf.layer.activationFn", "@class", foreign));
    assertTrue(message.startsWith(WHERE + "!configuration.json: refused"), message);
    assertTrue(message.contains("vertices.fc6.layerConf.layer.activationFn.@class"), message);
    assertTrue(message.contains("names class " + foreign), message);
    assertNull(System.getProperty("alexnet.test.loaded-by-name"), "the class was loaded");
  }

  @Test
  void aDl4jLayerAlexNetDoesNotUseIsRefusedToo() {
    String dense = "org.deeplearning4j.nn.conf.layers.DenseLayer";
    String message = refusalOf(conf -> set(conf, "vertices.fc7.layerConf.layer", "@class", dense));
    assertTrue(
        message.contains("vertices.fc7.layerConf.layer.@class names class " + dense), message);
  }

  @Test
  void aJdkClassAsAWeightDistributionIsRefused() {
    String message =
        refusalOf(
            conf ->
                set(
                    conf,
                    "vertices.fc8.layerConf.layer.weightInitFn.distribution",
                    "type",
                    "java.util.logging.FileHandler"));
    assertTrue(
        message.contains(
            "vertices.fc8.layerConf.layer.weightInitFn.distribution.type names class"
                + " java.util.logging.FileHandler"),
        message);
  }

  @Test
  void aDuplicateKeyThatCouldHideAClassFromTheCheckIsRefused() {
    // Two "@class" keys: a tree keeps the last, a streaming type resolver may take the first.
    String json = configurationJson();
    String original = "\"@class\" : \"org.deeplearning4j.nn.conf.layers.OutputLayer\"";
    assertTrue(json.contains(original), "DL4J's JSON layout changed");
    String doubled = json.replace(original, "\"@class\" : \"java.net.URL\", " + original);
    IOException e =
        assertThrows(
            IOException.class,
            () -> read(withEntry("configuration.json", doubled.getBytes(StandardCharsets.UTF_8))));
    assertTrue(e.getMessage().contains("Duplicate field '@class'"), e.getMessage());
  }

  // --- sizes ----------------------------------------------------------------------------------

  @Test
  void anAbsurdLayerWidthIsRefusedBeforeAnythingIsAllocated() {
    String message =
        refusalOf(
            conf -> {
              ObjectNode fc6 = layer(conf, "fc6");
              fc6.put("nout", 2_000_000_000L);
              layer(conf, "fc7").put("nin", 2_000_000_000L);
              return conf;
            });
    assertTrue(
        message.contains("vertices.fc6.layerConf.layer.nout declares a size of 2000000000"),
        message);
  }

  @Test
  void tooManyParametersInAllowedSizesAreRefused() {
    // Each dimension is within bounds; together they declare 2^20 x 2^20 x 9 weights.
    String message =
        refusalOf(
            conf -> {
              ArrayNode w = (ArrayNode) layer(conf, "conv3").at("/layerParams/weightParams/W");
              w.set(2, 1 << 20);
              w.set(3, 1 << 20);
              return conf;
            });
    assertTrue(message.contains("vertices.conv3.layerConf.layer.layerParams"), message);
    assertTrue(
        message.contains("at most " + 10 * 60_965_224L + " (ten times the paper's network)"),
        message);
  }

  @Test
  void parametersOfAnotherLengthThanTheConfigurationDeclaresAreRefused() throws IOException {
    ByteArrayOutputStream other = new ByteArrayOutputStream();
    Nd4j.write(Nd4j.zeros(DataType.FLOAT, 1, 1000), new DataOutputStream(other));
    IOException e =
        assertThrows(
            IOException.class, () -> read(withEntry("coefficients.bin", other.toByteArray())));
    assertTrue(
        e.getMessage()
            .contains(
                "coefficients.bin holds 1000 values (shape of 1000); the model's configuration"
                    + " declares "
                    + network.numParams()),
        e.getMessage());
  }

  @Test
  void aParameterHeaderClaimingTerabytesIsRefusedWithoutAllocatingThem() throws IOException {
    byte[] parameters = entry(modelFile, "coefficients.bin");
    // Nd4j.write: a shape buffer, then the data buffer, each headed by its allocation mode (a
    // UTF string), its length (a long) and its type. Find the data buffer's length.
    byte[] mode = "MIXED_DATA_TYPES".getBytes(StandardCharsets.UTF_8);
    int second = indexOf(parameters, mode, indexOf(parameters, mode, 0) + 1);
    int lengthAt = second + mode.length;
    assertEquals(network.numParams(), ByteBuffer.wrap(parameters, lengthAt, 8).getLong());
    ByteBuffer.wrap(parameters, lengthAt, 8).putLong(1L << 40);
    IOException e =
        assertThrows(IOException.class, () -> read(withEntry("coefficients.bin", parameters)));
    assertTrue(e.getMessage().contains("holds " + (1L << 40) + " values"), e.getMessage());
  }

  @Test
  void entriesOutOfDl4jsOrderAreRefused() throws IOException {
    ByteArrayOutputStream reordered = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(reordered)) {
      for (String name : List.of("coefficients.bin", "configuration.json")) {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(entry(modelFile, name));
        zip.closeEntry();
      }
    }
    IOException e = assertThrows(IOException.class, () -> read(reordered.toByteArray()));
    assertTrue(e.getMessage().contains("coefficients.bin is out of place"), e.getMessage());
  }

  @Test
  void theUntouchedFileStillLoadsWithItsMomentum() throws IOException {
    ComputationGraph loaded = read(modelFile);
    assertEquals(network.params(), loaded.params());
    assertEquals(network.getUpdater().getStateViewArray(), loaded.getUpdater().getStateViewArray());
  }

  @Test
  void aMeanImageIsReadOnlyWithExactlyTheShapeAndLengthItsStatisticsDescribe() throws IOException {
    float[] values = new float[3 * 2 * 2];
    for (int i = 0; i < values.length; i++) {
      values[i] = i + 0.25f;
    }
    byte[] npy = Nd4j.toNpyByteArray(Nd4j.create(values, new long[] {3, 2, 2}, 'c'));
    assertArrayEquals(values, ModelStore.readMeanImage(npy, 2, "mean-image.npy"));

    IOException other =
        assertThrows(IOException.class, () -> ModelStore.readMeanImage(npy, 3, "mean-image.npy"));
    assertTrue(other.getMessage().contains("expected float32 [3, 3, 3]"), other.getMessage());

    // A header declaring (3, 4096, 4096) over the same 48 bytes of data: never read past its end.
    String header = new String(npy, 10, npy[8], StandardCharsets.ISO_8859_1);
    String claimed = header.replace("(3, 2, 2)", "(3, 4096, 4096)");
    assertTrue(!claimed.equals(header), "ND4J's .npy header layout changed: " + header);
    byte[] forged = npy.clone();
    byte[] claimedBytes =
        claimed.substring(0, header.length()).getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(claimedBytes, 0, forged, 10, claimedBytes.length);
    IOException bigger =
        assertThrows(
            IOException.class, () -> ModelStore.readMeanImage(forged, 4096, "mean-image.npy"));
    assertTrue(bigger.getMessage().contains("with 48 bytes of data"), bigger.getMessage());
  }

  // --- signatures -----------------------------------------------------------------------------

  private static Configuration signing(Path dir, String alias, String key) throws IOException {
    Files.createDirectories(dir);
    Configuration conf = new Configuration();
    conf.set(
        CredentialProviderFactory.CREDENTIAL_PROVIDER_PATH,
        "jceks://file" + dir.resolve("keys.jceks").toAbsolutePath());
    CredentialProvider provider = CredentialProviderFactory.getProviders(conf).get(0);
    if (key != null) {
      provider.createCredentialEntry(alias, key.toCharArray());
      provider.flush();
    }
    conf.set(SealSignature.KEY_ALIAS, alias);
    return conf;
  }

  private static final String KEY = "a8f3c1e07b5d49e2a6c0f9d4b7e1a3c5";

  @Test
  void aSignedFolderLoadsAndAnUnsignedOneIsRefusedWhenSigningIsOn(@TempDir Path dir)
      throws IOException {
    Storage signed = new Storage(signing(dir, "models", KEY));
    Storage unsigned = new Storage(new Configuration());
    URI good = URI.create(dir.resolve("signed").toUri().toString());
    URI plain = URI.create(dir.resolve("unsigned").toUri().toString());
    new ModelStore(signed).save(network, config, good, false);
    new ModelStore(unsigned).save(network, config, plain, false);

    assertTrue(Files.exists(dir.resolve("signed").resolve(SealSignature.FILE)));
    assertFalse(Files.exists(dir.resolve("unsigned").resolve(SealSignature.FILE)));
    assertEquals(network.params(), new ModelStore(signed).load(good).network().params());
    assertEquals(network.params(), new ModelStore(unsigned).load(good).network().params());

    SealedFolder.UntrustedException e =
        assertThrows(
            SealedFolder.UntrustedException.class, () -> new ModelStore(signed).load(plain));
    assertTrue(e.getMessage().contains("is not signed (it has no _COMPLETE.sig)"), e.getMessage());
    assertTrue(
        e.getMessage().contains("not written by a holder of the key 'models'"), e.getMessage());
  }

  @Test
  void aResealedFolderIsRefusedWhenSigningIsOn(@TempDir Path dir) throws IOException {
    Storage signed = new Storage(signing(dir, "models", KEY));
    URI folder = URI.create(dir.resolve("m").toUri().toString());
    new ModelStore(signed).save(network, config, folder, false);
    // Someone changes model.json and writes a seal to match, as anyone who can write may.
    Path info = dir.resolve("m/model.json");
    byte[] changed =
        Files.readString(info).replace("\"scaled\"", "\"paper\"").getBytes(StandardCharsets.UTF_8);
    Files.write(info, changed);
    Path sealFile = dir.resolve("m/_COMPLETE");
    SealedFolder.Seal seal = Json.read(Files.readString(sealFile), SealedFolder.Seal.class, "seal");
    List<SealedFolder.Entry> forged = new ArrayList<>();
    for (SealedFolder.Entry entry : seal.files()) {
      forged.add(
          entry.name().equals("model.json")
              ? new SealedFolder.Entry(
                  "model.json",
                  changed.length,
                  Sha256.of(new ByteArrayInputStream(changed)).sha256())
              : entry);
    }
    Files.writeString(sealFile, Json.write(new SealedFolder.Seal(forged)));
    // Hadoop's local file system keeps checksums beside files; the forger removes them too.
    Files.deleteIfExists(dir.resolve("m/.model.json.crc"));
    Files.deleteIfExists(dir.resolve("m/._COMPLETE.crc"));

    assertEquals(
        "paper",
        new ModelStore(new Storage(new Configuration())).load(folder).info().variant(),
        "without a key, the forged seal passes: that is what signing is for");
    SealedFolder.UntrustedException e =
        assertThrows(
            SealedFolder.UntrustedException.class, () -> new ModelStore(signed).load(folder));
    assertTrue(e.getMessage().contains("signature does not match its _COMPLETE"), e.getMessage());
  }

  @Test
  void aFolderSignedWithAnotherKeyIsRefused(@TempDir Path dir) throws IOException {
    URI folder = URI.create(dir.resolve("m").toUri().toString());
    new ModelStore(new Storage(signing(dir.resolve("a"), "models", KEY)))
        .save(network, config, folder, false);
    Storage otherKey =
        new Storage(signing(dir.resolve("b"), "models", "0000000000000000" + KEY.substring(16)));
    assertThrows(
        SealedFolder.UntrustedException.class, () -> new ModelStore(otherKey).load(folder));
  }

  @Test
  void aKeyAliasWithoutACredentialSaysWhereItLooked(@TempDir Path dir) throws IOException {
    Storage storage = new Storage(signing(dir, "missing", null));
    URI folder = URI.create(dir.resolve("m").toUri().toString());
    IOException e =
        assertThrows(
            IOException.class, () -> new ModelStore(storage).save(network, config, folder, false));
    assertTrue(e.getMessage().contains("no credential named 'missing'"), e.getMessage());
    assertTrue(e.getMessage().contains("keys.jceks"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("m")), "nothing written");
  }

  // --- helpers --------------------------------------------------------------------------------

  private static ComputationGraph read(byte[] zip) throws IOException {
    return ModelStore.readModelFile(new ByteArrayInputStream(zip), WHERE);
  }

  private static String configurationJson() {
    return new String(entry(modelFile, "configuration.json"), StandardCharsets.UTF_8);
  }

  /** What reading a model whose configuration {@code change} edited is refused with. */
  private static String refusalOf(UnaryOperator<ObjectNode> change) {
    return assertThrows(IOException.class, () -> read(withConfiguration(change))).getMessage();
  }

  private static byte[] withConfiguration(UnaryOperator<ObjectNode> change) throws IOException {
    ObjectNode conf = (ObjectNode) JSON.readTree(configurationJson());
    return withEntry("configuration.json", JSON.writeValueAsBytes(change.apply(conf)));
  }

  private static ObjectNode layer(ObjectNode conf, String vertex) {
    return (ObjectNode) conf.at("/vertices/" + vertex + "/layerConf/layer");
  }

  private static ObjectNode set(ObjectNode conf, String path, String key, String value) {
    JsonNode node = conf.at("/" + path.replace('.', '/'));
    assertTrue(node.isObject(), path + " not found");
    ((ObjectNode) node).put(key, value);
    return conf;
  }

  private static int indexOf(byte[] bytes, byte[] part, int from) {
    for (int i = from; i + part.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
        return i;
      }
    }
    throw new IllegalStateException("not found");
  }

  private static byte[] entry(byte[] zip, String name) {
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.getName().equals(name)) {
          return in.readAllBytes();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException(name + " not in the model file");
  }

  /** The model file with one entry replaced, the others as they were, in DL4J's order. */
  private static byte[] withEntry(String name, byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(modelFile));
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        zip.putNextEntry(new ZipEntry(e.getName()));
        zip.write(e.getName().equals(name) ? bytes : in.readAllBytes());
        zip.closeEntry();
      }
    }
    return out.toByteArray();
  }

  private static void collectTypeNames(JsonNode node, Set<String> names) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              f -> {
                if ((f.getKey().equals("@class") || f.getKey().equals("type"))
                    && f.getValue().isTextual()) {
                  names.add(f.getValue().asText());
                }
                collectTypeNames(f.getValue(), names);
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectTypeNames(n, names));
    }
  }
}

package org.alexnetspark.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.schedule.FixedSchedule;

/**
 * A model file's {@code configuration.json}, checked before DL4J reads it. DL4J's JSON names the
 * class of every layer, vertex, updater, activation, loss, schedule and preprocessor ({@code
 * "@class"}, and {@code "type"} for weight distributions) and loads whatever it is given, and its
 * sizes decide how much memory is allocated. A model folder's seal proves it is complete, not who
 * wrote it, so:
 *
 * <ul>
 *   <li>every class named must be one of {@link #ALLOWED_CLASSES}, those {@link AlexNet} builds its
 *       networks from (every variant, every initialisation scheme);
 *   <li>every layer and vertex must name its class (DL4J's pre-1.0 format, which resolves class
 *       names of its own, is refused);
 *   <li>every size must be at most {@link #MAX_UNITS} (widths, channels) or {@link #MAX_WINDOW}
 *       (kernels, strides, padding, towers, LRN window), and the parameters declared at most {@link
 *       #MAX_PARAMETERS}, counted exactly before anything is allocated;
 *   <li>duplicate keys are refused, and DL4J is given the checked tree, not the original text.
 * </ul>
 *
 * @param configuration the configuration DL4J read from the checked JSON
 * @param parameters the number of parameters its layers declare
 */
record TrustedConfiguration(ComputationGraphConfiguration configuration, long parameters) {

  /** Parameters of the paper's two-tower network for 1000 classes. */
  static final long PAPER_PARAMETERS = 60_965_224L;

  /** The largest parameter count a model file may declare: ten paper networks. */
  static final long MAX_PARAMETERS = 10 * PAPER_PARAMETERS;

  /** The largest width, channel count or feature-map side a model file may declare. */
  static final long MAX_UNITS = 1 << 20;

  /** The largest kernel, stride, padding, tower count or LRN window a model file may declare. */
  static final long MAX_WINDOW = 1 << 10;

  /** The largest {@code configuration.json} read (the paper network's is about 18 KB). */
  static final int MAX_JSON_BYTES = 16 << 20;

  /** The classes a model file may name: what {@link AlexNet} builds its networks from. */
  static final Set<String> ALLOWED_CLASSES =
      Set.of(
          LayerVertex.class.getName(),
          ConvBlock.class.getName(),
          FullyConnected.class.getName(),
          OutputLayer.class.getName(),
          CnnToFeedForwardPreProcessor.class.getName(),
          ClassicMomentum.class.getName(),
          ActivationReLU.class.getName(),
          ActivationSoftmax.class.getName(),
          LossMCXENT.class.getName(),
          Dropout.class.getName(),
          L2Regularization.class.getName(),
          FixedSchedule.class.getName(),
          WeightInitDistribution.class.getName(),
          NormalDistribution.class.getName());

  /** Properties whose value DL4J resolves to a class. */
  private static final Set<String> TYPE_PROPERTIES = Set.of("@class", "type");

  /** Properties holding a polymorphic object, which must name its class. */
  private static final Set<String> POLYMORPHIC_PROPERTIES =
      Set.of(
          "layer",
          "preProcessor",
          "activationFn",
          "lossFn",
          "iupdater",
          "updater",
          "biasUpdater",
          "idropout",
          "weightNoise",
          "weightInitFn",
          "l1",
          "l2",
          "distribution",
          "pschedule");

  private static final Set<String> UNIT_SIZES =
      Set.of("nin", "nout", "nIn", "nOut", "channels", "numChannels", "inputHeight", "inputWidth");

  private static final Set<String> WINDOW_SIZES = Set.of("kernel", "stride", "padding", "towers");

  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /**
   * Checks {@code json} and, if it passes, has DL4J read it.
   *
   * @param where the file, for messages
   * @throws IOException naming the file, the JSON path and what is wrong, if it does not pass
   */
  static TrustedConfiguration read(String json, String where) throws IOException {
    JsonNode tree;
    try {
      tree = STRICT.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IOException(where + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (tree == null || !tree.isObject() || !tree.path("vertices").isObject()) {
      throw new IOException(
          where + " is not a DL4J ComputationGraph configuration: it has no \"vertices\" object");
    }
    checkTypes(tree, "", where);
    long declared = 0;
    Iterator<Map.Entry<String, JsonNode>> vertices = tree.get("vertices").fields();
    while (vertices.hasNext()) {
      Map.Entry<String, JsonNode> vertex = vertices.next();
      String path = "vertices." + vertex.getKey();
      if (!vertex.getValue().has("@class")) {
        throw refusal(
            where,
            path,
            "names no @class: this is DL4J's pre-1.0 format, which alexnet-spark never writes");
      }
      JsonNode layer = vertex.getValue().path("layerConf").path("layer");
      if (!layer.isMissingNode() && !layer.isNull()) {
        declared =
            Math.addExact(declared, layerParameters(layer, path + ".layerConf.layer", where));
        if (declared > MAX_PARAMETERS) {
          throw refusal(where, path, tooMany(declared));
        }
      }
    }
    ComputationGraphConfiguration configuration;
    try {
      configuration = ComputationGraphConfiguration.fromJson(STRICT.writeValueAsString(tree));
    } catch (RuntimeException e) {
      throw new IOException(where + " is not a configuration DL4J can read: " + e.getMessage(), e);
    }
    long counted = 0;
    for (Map.Entry<String, GraphVertex> vertex : configuration.getVertices().entrySet()) {
      if (vertex.getValue() instanceof LayerVertex layerVertex) {
        counted +=
            layerVertex
                .getLayerConf()
                .getLayer()
                .initializer()
                .numParams(layerVertex.getLayerConf());
      }
    }
    if (counted != declared) {
      throw new IOException(
          where
              + ": its layers need "
              + counted
              + " parameters, but their sizes declare "
              + declared
              + "; the file was not written by alexnet-spark, or was altered");
    }
    return new TrustedConfiguration(configuration, declared);
  }

  /** Checks every type name and size in {@code node}, recursively. */
  private static void checkTypes(JsonNode node, String path, String where) throws IOException {
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkTypes(node.get(i), path + "[" + i + "]", where);
      }
      return;
    }
    if (!node.isObject()) {
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      String at = path.isEmpty() ? key : path + "." + key;
      if (TYPE_PROPERTIES.contains(key) && value.isTextual()) {
        if (!ALLOWED_CLASSES.contains(value.asText())) {
          throw refusal(
              where,
              at,
              "names class "
                  + value.asText()
                  + ", which is not one of the classes alexnet-spark builds its networks from ("
                  + String.join(", ", new TreeSet<>(ALLOWED_CLASSES))
                  + "); a model file is data, and no other class is loaded from it");
        }
      } else if (TYPE_PROPERTIES.contains(key) && !value.isNull()) {
        throw refusal(where, at, "should name a class, but holds " + value.getNodeType());
      }
      if (POLYMORPHIC_PROPERTIES.contains(key)
          && value.isObject()
          && !value.has("@class")
          && !value.has("type")) {
        throw refusal(
            where,
            at,
            "names no @class: this is DL4J's pre-1.0 format, which alexnet-spark never writes");
      }
      if (UNIT_SIZES.contains(key)) {
        size(value, MAX_UNITS, at, where);
      } else if (WINDOW_SIZES.contains(key)) {
        size(value, MAX_WINDOW, at, where);
      }
      checkTypes(value, at, where);
    }
  }

  /** The parameters a layer declares, counted exactly from its JSON. */
  private static long layerParameters(JsonNode layer, String path, String where)
      throws IOException {
    JsonNode shapes = layer.path("layerParams");
    if (shapes.isObject()) {
      // A SameDiff layer (ConvBlock): the shapes of its weights and biases.
      long total = 0;
      for (String group : new String[] {"weightParams", "biasParams"}) {
        Iterator<Map.Entry<String, JsonNode>> params = shapes.path(group).fields();
        while (params.hasNext()) {
          Map.Entry<String, JsonNode> param = params.next();
          String at = path + ".layerParams." + group + "." + param.getKey();
          if (!param.getValue().isArray()) {
            throw refusal(where, at, "should be a shape (an array of sizes)");
          }
          long count = 1;
          for (int i = 0; i < param.getValue().size(); i++) {
            long dimension = size(param.getValue().get(i), MAX_UNITS, at + "[" + i + "]", where);
            count = boundedProduct(count, dimension, at, where);
          }
          total = Math.addExact(total, count);
        }
      }
      return total;
    }
    // A feed-forward layer (FullyConnected, OutputLayer): nIn x nOut weights and nOut biases.
    long in = size(layer.path("nin"), MAX_UNITS, path + ".nin", where);
    long out = size(layer.path("nout"), MAX_UNITS, path + ".nout", where);
    boolean bias = !layer.path("hasBias").isBoolean() || layer.path("hasBias").asBoolean();
    return boundedProduct(in, out, path, where) + (bias ? out : 0);
  }

  private static long boundedProduct(long a, long b, String path, String where) throws IOException {
    try {
      long product = Math.multiplyExact(a, b);
      if (product > MAX_PARAMETERS) {
        throw refusal(where, path, tooMany(product));
      }
      return product;
    } catch (ArithmeticException e) {
      throw refusal(where, path, tooMany(Long.MAX_VALUE));
    }
  }

  private static String tooMany(long parameters) {
    return "declares "
        + (parameters == Long.MAX_VALUE ? "more than 2^63" : Long.toString(parameters))
        + " parameters; at most "
        + MAX_PARAMETERS
        + " (ten times the paper's network) are read from a model file";
  }

  /** A size: a whole number from 0 to {@code max}. */
  private static long size(JsonNode value, long max, String path, String where) throws IOException {
    if (value.isNull()) {
      return 0;
    }
    if (!value.isIntegralNumber() || value.asLong() < 0 || !value.canConvertToLong()) {
      throw refusal(where, path, "should be a whole number from 0 to " + max + ", not " + value);
    }
    if (value.asLong() > max) {
      throw refusal(
          where,
          path,
          "declares a size of "
              + value.asLong()
              + "; at most "
              + max
              + " is read from a model file");
    }
    return value.asLong();
  }

  private static IOException refusal(String where, String path, String what) {
    return new IOException(where + ": refused, " + path + " " + what);
  }
}

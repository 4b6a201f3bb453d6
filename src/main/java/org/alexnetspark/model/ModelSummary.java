package org.alexnetspark.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * One row per step of the network (convolution, normalisation, pooling, dropout, fully connected)
 * with its output shape, parameter count and neurons, as in the paper's Figure 2.
 */
public final class ModelSummary {

  /**
   * A step of the network.
   *
   * @param name layer name ({@code conv1}, {@code norm1}, {@code pool1}, ...)
   * @param description what the step does
   * @param shape output shape, {@code CxHxW} or the vector width
   * @param parameters learned parameters of the step
   * @param neurons output units of a learned layer, or 0 for other steps
   */
  public record Row(String name, String description, String shape, long parameters, long neurons) {}

  private final List<Row> rows;
  private final long totalParameters;

  private ModelSummary(List<Row> rows, long totalParameters) {
    this.rows = List.copyOf(rows);
    this.totalParameters = totalParameters;
  }

  /**
   * Summarises an initialised network built by {@link AlexNet} for images of type {@code input}.
   */
  public static ModelSummary of(ComputationGraph graph, InputType input) {
    ComputationGraphConfiguration conf = graph.getConfiguration();
    Map<String, InputType> outputs = conf.getLayerActivationTypes(input);
    List<Row> rows = new ArrayList<>();
    rows.add(new Row(AlexNet.INPUT, "image", shape(input), 0, 0));
    for (String name : conf.getTopologicalOrderStr()) {
      GraphVertex vertex = conf.getVertices().get(name);
      if (!(vertex instanceof LayerVertex layerVertex)) {
        continue;
      }
      Layer layer = layerVertex.getLayerConf().getLayer();
      long params = graph.getLayer(name).numParams();
      String source = conf.getVertexInputs().get(name).get(0);
      InputType in = source.equals(AlexNet.INPUT) ? input : outputs.get(source);
      if (layer instanceof ConvBlock block) {
        addConvRows(rows, name, block, (InputType.InputTypeConvolutional) in, params);
      } else if (layer instanceof FeedForwardLayer dense) {
        if (layer.getIDropout() instanceof Dropout dropout) {
          double drop = 1.0 - dropout.getP();
          rows.add(
              new Row(
                  source.replace("fc", "drop"),
                  "dropout " + trim(drop) + " on " + source,
                  shape(in),
                  0,
                  0));
        }
        String kind = "fully connected " + dense.getNOut() + ", " + activation(dense);
        rows.add(new Row(name, kind, Long.toString(dense.getNOut()), params, dense.getNOut()));
      }
    }
    return new ModelSummary(rows, graph.numParams());
  }

  private static void addConvRows(
      List<Row> rows,
      String name,
      ConvBlock block,
      InputType.InputTypeConvolutional in,
      long params) {
    String index = name.substring("conv".length());
    for (ConvBlock.Stage stage : block.stages(in.getHeight(), in.getWidth())) {
      String shape = stage.channels() + "x" + stage.height() + "x" + stage.width();
      switch (stage.kind()) {
        case CONVOLUTION ->
            rows.add(
                new Row(
                    name,
                    describe(block.getConvolution()),
                    shape,
                    params,
                    stage.channels() * stage.height() * stage.width()));
        case NORMALISATION ->
            rows.add(new Row("norm" + index, describe(block.getNormalisation()), shape, 0, 0));
        case POOLING ->
            rows.add(new Row("pool" + index, describe(block.getPooling()), shape, 0, 0));
      }
    }
  }

  /** e.g. "conv 5x5/1 pad 2, 256, 2 towers, relu". */
  private static String describe(ConvBlock.Convolution c) {
    return "conv "
        + c.kernel()
        + "x"
        + c.kernel()
        + "/"
        + c.stride()
        + (c.padding() > 0 ? " pad " + c.padding() : "")
        + ", "
        + c.channels()
        + (c.towers() > 1 ? ", " + c.towers() + " towers" : "")
        + ", relu";
  }

  /** e.g. "lrn n=5 k=2 alpha=1.0E-4 beta=0.75". */
  private static String describe(ConvBlock.Normalisation n) {
    return "lrn n="
        + n.n()
        + " k="
        + number(n.k())
        + " alpha="
        + number(n.alpha())
        + " beta="
        + number(n.beta());
  }

  /** e.g. "max pool 3x3/2". */
  private static String describe(ConvBlock.Pooling p) {
    return "max pool " + p.kernel() + "x" + p.kernel() + "/" + p.stride();
  }

  private static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  private static String activation(FeedForwardLayer layer) {
    return layer.getActivationFn().toString().toLowerCase(Locale.ROOT);
  }

  private static String shape(InputType type) {
    if (type instanceof InputType.InputTypeConvolutional conv) {
      return conv.getChannels() + "x" + conv.getHeight() + "x" + conv.getWidth();
    }
    return Long.toString(type.arrayElementsPerExample());
  }

  private static String trim(double v) {
    return String.format(Locale.ROOT, "%.4g", v).replaceAll("\\.?0+$", "");
  }

  public List<Row> rows() {
    return rows;
  }

  /** Parameters of the whole network. */
  public long totalParameters() {
    return totalParameters;
  }

  /** Sum of the learned layers' output units (the paper's "650,000 neurons"). */
  public long totalNeurons() {
    return rows.stream().mapToLong(Row::neurons).sum();
  }

  /** The table, then the neuron count, then {@code total parameters: N} on the last line. */
  public String render() {
    String format = "%-7s %-46s %-12s %12s %10s%n";
    StringBuilder out =
        new StringBuilder(
            String.format(Locale.ROOT, format, "layer", "what", "output", "parameters", "neurons"));
    for (Row row : rows) {
      out.append(
          String.format(
              Locale.ROOT,
              format,
              row.name(),
              row.description(),
              row.shape(),
              row.parameters() == 0 ? "" : String.format(Locale.ROOT, "%,d", row.parameters()),
              row.neurons() == 0 ? "" : String.format(Locale.ROOT, "%,d", row.neurons())));
    }
    out.append(String.format(Locale.ROOT, "neurons: %,d%n", totalNeurons()));
    out.append("total parameters: ").append(totalParameters).append(System.lineSeparator());
    return out.toString();
  }
}

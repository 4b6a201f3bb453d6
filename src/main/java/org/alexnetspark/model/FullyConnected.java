package org.alexnetspark.model;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A fully connected layer (FC6, FC7): DL4J's {@code DenseLayer} with the same parameters, the same
 * parameter layout and the same arithmetic, whose training step multiplies its input by its weights
 * once. DL4J's dense layer computes that product again in its backward pass, to get the
 * activation's derivative; for a ReLU the forward pass's output gives the same derivative ({@code
 * relu(z) > 0} exactly when {@code z > 0}), so {@link FullyConnectedLayer} keeps it. At the paper's
 * sizes and a batch of 64 the repeated products were 4% of a training step.
 */
public final class FullyConnected extends FeedForwardLayer {
  private static final long serialVersionUID = 1L;

  /** For DL4J's JSON deserialisation. */
  public FullyConnected() {}

  private FullyConnected(Builder builder) {
    super(builder);
    initializeConstraints(builder);
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> trainingListeners,
      int layerIndex,
      INDArray layerParamsView,
      boolean initializeParams,
      DataType networkDataType) {
    LayerValidation.assertNInNOutSet(
        "FullyConnected", getLayerName(), layerIndex, getNIn(), getNOut());
    FullyConnectedLayer layer = new FullyConnectedLayer(conf, networkDataType);
    layer.setListeners(trainingListeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(layerParamsView);
    Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
    layer.setParamTable(params);
    layer.setConf(conf);
    return layer;
  }

  @Override
  public ParamInitializer initializer() {
    return DefaultParamInitializer.getInstance();
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType outputType = getOutputType(-1, inputType);
    long params = initializer().numParams(this);
    // Training keeps the (dropped-out) input and the output, as DL4J's dense layer does.
    long perExample =
        outputType.arrayElementsPerExample()
            + (getIDropout() != null ? inputType.arrayElementsPerExample() : 0);
    return new LayerMemoryReport.Builder(layerName, FullyConnected.class, inputType, outputType)
        .standardMemory(params, getIUpdater().stateSize(params))
        .workingMemory(0, 0, 0, perExample)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
  }

  /**
   * Builds a {@link FullyConnected} from DL4J's usual layer options (nOut, activation, init,
   * dropout, ...).
   */
  public static final class Builder extends FeedForwardLayer.Builder<Builder> {
    @Override
    @SuppressWarnings("unchecked")
    public FullyConnected build() {
      return new FullyConnected(this);
    }
  }
}

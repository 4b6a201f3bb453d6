package org.alexnetspark.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runtime of a {@link FullyConnected} layer: DL4J's dense layer, except that with a plain ReLU
 * its backward pass takes the activation's derivative from the training forward pass's output
 * instead of multiplying input and weights again. Any other activation, a mask, or a backward pass
 * without a training forward pass on the same input takes DL4J's own path.
 */
final class FullyConnectedLayer extends BaseLayer<FullyConnected> {
  private static final long serialVersionUID = 1L;
  private static final ActivationReLU PLAIN_RELU = new ActivationReLU();

  /** The (dropped-out) input of the last training forward pass, by identity, or null. */
  private transient INDArray cachedInput;

  /** relu(input x W + b) of that pass. */
  private transient INDArray cachedOutput;

  FullyConnectedLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray output = super.activate(training, workspaceMgr);
    boolean reusable =
        training && maskArray == null && PLAIN_RELU.equals(layerConf().getActivationFn());
    // After super.activate, input is the dropped-out input the product was computed from.
    cachedInput = reusable ? input : null;
    cachedOutput = reusable ? output : null;
    return output;
  }

  @Override
  protected Pair<INDArray, INDArray> preOutputWithPreNorm(
      boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
    if (forBackprop && cachedOutput != null && cachedInput == input && maskArray == null) {
      // The ReLU's backward pass needs only where z > 0, which is where relu(z) > 0. (The next
      // layer's dropout may have zeroed some of these outputs in place; the gradient arriving
      // there is zero too, so the result does not change.)
      return new Pair<>(cachedOutput, cachedOutput);
    }
    return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    try {
      return super.backpropGradient(epsilon, workspaceMgr);
    } finally {
      clearCache();
    }
  }

  @Override
  public void clear() {
    super.clear();
    clearCache();
  }

  private void clearCache() {
    cachedInput = null;
    cachedOutput = null;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public void fit(INDArray input, LayerWorkspaceMgr workspaceMgr) {
    throw new UnsupportedOperationException(
        "a fully connected layer is trained through its network");
  }
}

package org.alexnetspark.model;

import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.util.SameDiffUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of a {@link ConvBlock}: DL4J's {@link SameDiffLayer} with its backward pass
 * corrected.
 *
 * <p>DL4J back-propagates through a SameDiff layer by feeding the incoming error to an
 * "external errors" function on the layer's output. In ND4J 1.0.0-M2.1 that path returns twice the
 * true gradient, for the parameters and for the layer's input alike (any graph: a bare matrix
 * product shows it). Stacked blocks compound it: conv5's gradient came out 2x, conv1's 32x. The
 * factor is measured once on a tiny graph and divided out, so that a fixed ND4J needs no change.
 */
final class ConvBlockLayer extends SameDiffLayer {
  private static final long serialVersionUID = 1L;
  private static volatile double correction;

  ConvBlockLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    Pair<Gradient, INDArray> result = super.backpropGradient(epsilon, workspaceMgr);
    double k = correction();
    if (k != 1.0) {
      for (INDArray gradient : result.getFirst().gradientForVariable().values()) {
        gradient.muli(k);
      }
      if (result.getSecond() != null) {
        result.getSecond().muli(k);
      }
    }
    return result;
  }

  /** 1 / (gradient through the external-errors path / true gradient), measured once. */
  static double correction() {
    double k = correction;
    if (k == 0) {
      synchronized (ConvBlockLayer.class) {
        if (correction == 0) {
          correction = 1.0 / externalErrorsFactor();
        }
        k = correction;
      }
    }
    return k;
  }

  /** Gradient of {@code x W} with respect to W through SameDiff's external errors, over x^T e. */
  static double externalErrorsFactor() {
    SameDiff sd = SameDiff.create();
    SDVariable in = sd.placeHolder("in", DataType.DOUBLE, -1, 2);
    SDVariable w = sd.var("w", Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}}));
    ExternalErrorsFunction fn = SameDiffUtils.externalErrors(sd, null, in.mmul(w));
    fn.outputVariable();
    Map<String, INDArray> placeholders = new HashMap<>();
    placeholders.put("in", Nd4j.createFromArray(new double[][] {{1, 0}, {0, 0}}));
    placeholders.put(fn.getGradPlaceholderName(), Nd4j.createFromArray(new double[][] {{1, 0}, {0, 0}}));
    // True dL/dW = x^T e has a single 1 at [0, 0].
    double factor = sd.calculateGradients(placeholders, "w").get("w").getDouble(0, 0);
    if (!(factor > 0.5 && factor < 4.5) || Math.abs(factor - Math.rint(factor)) > 1e-9) {
      throw new IllegalStateException("unexpected SameDiff external-errors gradient factor " + factor);
    }
    return factor;
  }
}

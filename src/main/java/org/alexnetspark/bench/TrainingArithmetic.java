package org.alexnetspark.bench;

import java.util.Map;
import org.alexnetspark.config.ModelConfig;
import org.alexnetspark.config.OptimizerConfig;
import org.alexnetspark.model.AlexNet;
import org.alexnetspark.model.ConvBlock;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic a training image costs, and the machine's matrix-multiply rate that bounds it.
 *
 * <p>Counted from the network's configuration: each convolution does {@code outC x outH x outW x
 * (inC / towers) x k x k} multiply-adds per image, each fully connected layer {@code in x out}.
 * Training runs each of those products three times (forward; backward to the input; backward to the
 * weights), two floating-point operations per multiply-add. ReLU, LRN, pooling, dropout and the
 * update are a few operations per value and left out. For the paper's network at 227x227 this is
 * about 4.35 GFLOP per image.
 */
public final class TrainingArithmetic {
  private TrainingArithmetic() {}

  /** Multiply-adds of one forward pass of one image through {@code model}'s network. */
  public static long forwardMultiplyAdds(ModelConfig model) {
    // Any optimiser: the arithmetic of the layers does not depend on it.
    ComputationGraphConfiguration conf =
        AlexNet.configuration(model, new OptimizerConfig(0.01, 0.9, 0.0005));
    InputType input = AlexNet.inputType(model);
    Map<String, InputType> outputs = conf.getLayerActivationTypes(input);
    long total = 0;
    for (String name : ModelConfig.LEARNED_LAYERS) {
      if (!(conf.getVertices().get(name) instanceof LayerVertex layerVertex)) {
        throw new IllegalStateException("the network has no layer " + name);
      }
      Layer layer = layerVertex.getLayerConf().getLayer();
      String source = conf.getVertexInputs().get(name).get(0);
      InputType in = source.equals(AlexNet.INPUT) ? input : outputs.get(source);
      if (layer instanceof ConvBlock block) {
        InputType.InputTypeConvolutional image = (InputType.InputTypeConvolutional) in;
        ConvBlock.Convolution c = block.getConvolution();
        ConvBlock.Stage out = block.stages(image.getHeight(), image.getWidth()).get(0);
        total +=
            out.channels()
                * out.height()
                * out.width()
                * (image.getChannels() / c.towers())
                * c.kernel()
                * c.kernel();
      } else if (layer instanceof FeedForwardLayer dense) {
        total += dense.getNIn() * dense.getNOut();
      }
    }
    return total;
  }

  /** Floating-point operations of training on one image (forward and backward). */
  public static double trainingFlopsPerImage(ModelConfig model) {
    return 3.0 * 2.0 * forwardMultiplyAdds(model);
  }

  /**
   * The best rate of {@code repeats} single-precision {@code n x n x n} matrix multiplies through
   * ND4J, in FLOP/s (after one unmeasured multiply).
   */
  public static double sgemmFlopsPerSecond(int n, int repeats) {
    Nd4j.getRandom().setSeed(7);
    INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(DataType.FLOAT, n, n);
    a.mmuli(b, c);
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < repeats; i++) {
      long start = System.nanoTime();
      a.mmuli(b, c);
      best = Math.min(best, (System.nanoTime() - start) / 1e9);
    }
    double rate = 2.0 * n * n * (double) n / best;
    a.close();
    b.close();
    c.close();
    return rate;
  }
}

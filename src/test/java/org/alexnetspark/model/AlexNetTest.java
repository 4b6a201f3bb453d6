package org.alexnetspark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.ModelConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.L2Regularization;

class AlexNetTest {
  private static AlexNetConfig paperConfig;
  private static ComputationGraph paper;

  @BeforeAll
  static void buildPaperNetwork() {
    paperConfig = AlexNetConfig.defaults();
    paper = AlexNet.create(paperConfig.model(), paperConfig.optimizer());
  }

  private static AlexNetConfig config(String... overrides) {
    return AlexNetConfig.load(List.of(), List.of(overrides));
  }

  private static Map<String, ModelSummary.Row> rows(ComputationGraph network, ModelConfig model) {
    return ModelSummary.of(network, AlexNet.inputType(model)).rows().stream()
        .collect(Collectors.toMap(ModelSummary.Row::name, r -> r, (a, b) -> a, LinkedHashMap::new));
  }

  @Test
  void paperNetworkHasThePapersParameterCountPerLayerAndInTotal() {
    assertEquals(60_965_224L, paper.numParams());
    // Each count from the paper's shapes: k*k*(inputs per tower)*outputs + outputs.
    Map<String, Long> expected = new LinkedHashMap<>();
    expected.put("conv1", 11L * 11 * 3 * 96 + 96);
    expected.put("conv2", 5L * 5 * 48 * 256 + 256);
    expected.put("conv3", 3L * 3 * 256 * 384 + 384);
    expected.put("conv4", 3L * 3 * 192 * 384 + 384);
    expected.put("conv5", 3L * 3 * 192 * 256 + 256);
    expected.put("fc6", 256L * 6 * 6 * 4096 + 4096);
    expected.put("fc7", 4096L * 4096 + 4096);
    expected.put("fc8", 4096L * 1000 + 1000);
    expected.forEach(
        (layer, count) -> assertEquals(count, paper.getLayer(layer).numParams(), layer));
    assertEquals(60_965_224L, expected.values().stream().mapToLong(Long::longValue).sum());
  }

  @Test
  void paperNetworkHasThePapersFeatureMaps() {
    Map<String, ModelSummary.Row> rows = rows(paper, paperConfig.model());
    assertEquals("3x227x227", rows.get("input").shape());
    assertEquals("96x55x55", rows.get("conv1").shape());
    assertEquals("96x55x55", rows.get("norm1").shape());
    assertEquals("96x27x27", rows.get("pool1").shape());
    assertEquals("256x27x27", rows.get("conv2").shape());
    assertEquals("256x13x13", rows.get("pool2").shape());
    assertEquals("384x13x13", rows.get("conv3").shape());
    assertEquals("384x13x13", rows.get("conv4").shape());
    assertEquals("256x13x13", rows.get("conv5").shape());
    assertEquals("256x6x6", rows.get("pool5").shape());
    assertEquals("4096", rows.get("fc6").shape());
    assertEquals("4096", rows.get("drop6").shape());
    assertEquals("1000", rows.get("fc8").shape());
    assertEquals(
        List.of(
            "input", "conv1", "norm1", "pool1", "conv2", "norm2", "pool2", "conv3", "conv4",
            "conv5", "pool5", "fc6", "drop6", "fc7", "drop7", "fc8"),
        List.copyOf(rows.keySet()));
    // The paper's neuron counts: 290,400-186,624-64,896-64,896-43,264-4096-4096-1000.
    assertEquals(290_400, rows.get("conv1").neurons());
    assertEquals(186_624, rows.get("conv2").neurons());
    assertEquals(43_264, rows.get("conv5").neurons());
  }

  @Test
  void forwardPassGivesAProbabilityPerClass() {
    INDArray images = Nd4j.rand(DataType.FLOAT, 2, 3, 227, 227);
    INDArray probabilities = paper.outputSingle(images);
    assertEquals(List.of(2L, 1000L), List.of(probabilities.shape()[0], probabilities.shape()[1]));
    INDArray sums = probabilities.sum(1);
    assertEquals(1.0, sums.getDouble(0), 1e-4);
    assertEquals(1.0, sums.getDouble(1), 1e-4);
  }

  @Test
  void singleTowerHasTheSameWidthsWithoutTheSplit() {
    AlexNetConfig config = config("model.variant=single-tower");
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    assertEquals(62_378_344L, network.numParams());
    assertEquals(5L * 5 * 96 * 256 + 256, network.getLayer("conv2").numParams());
  }

  @Test
  void scaledNetworkShrinksWidthsInputAndClasses() {
    AlexNetConfig config = config("model.variant=scaled", "model.classes=10", "data.image-size=76");
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    Map<String, ModelSummary.Row> rows = rows(network, config.model());
    assertEquals("3x67x67", rows.get("input").shape());
    assertEquals("24x15x15", rows.get("conv1").shape());
    assertEquals("64x7x7", rows.get("conv2").shape());
    assertEquals("64x1x1", rows.get("pool5").shape());
    assertEquals("256", rows.get("fc7").shape());
    assertEquals("10", rows.get("fc8").shape());
    assertEquals(5L * 5 * 12 * 64 + 64, network.getLayer("conv2").numParams(), "two towers");
    long total =
        (11L * 11 * 3 * 24 + 24)
            + (5L * 5 * 12 * 64 + 64)
            + (3L * 3 * 64 * 96 + 96)
            + (3L * 3 * 48 * 96 + 96)
            + (3L * 3 * 48 * 64 + 64)
            + (64L * 256 + 256)
            + (256L * 256 + 256)
            + (256L * 10 + 10);
    assertEquals(total, network.numParams());
  }

  @Test
  void initialisationFollowsThePaper() {
    for (String layer : ModelConfig.LEARNED_LAYERS) {
      INDArray weights = paper.getParam(layer + "_W");
      assertEquals(0.0, weights.meanNumber().doubleValue(), 5e-4, layer + " weight mean");
      assertEquals(0.01, weights.stdNumber().doubleValue(), 3e-4, layer + " weight std");
      INDArray bias = paper.getParam(layer + "_b");
      double expected = List.of("conv2", "conv4", "conv5", "fc6", "fc7").contains(layer) ? 1 : 0;
      assertEquals(expected, bias.minNumber().doubleValue(), 0.0, layer + " bias");
      assertEquals(expected, bias.maxNumber().doubleValue(), 0.0, layer + " bias");
    }
  }

  @Test
  void sameSeedGivesSameParameters() {
    AlexNetConfig config = config("model.variant=scaled", "model.classes=10", "data.image-size=76");
    ComputationGraph a = AlexNet.create(config.model(), config.optimizer());
    ComputationGraph b = AlexNet.create(config.model(), config.optimizer());
    assertEquals(a.params(), b.params());
    AlexNetConfig other =
        config("model.variant=scaled", "model.classes=10", "data.image-size=76", "model.seed=7");
    assertTrue(!a.params().equals(AlexNet.create(other.model(), other.optimizer()).params()));
  }

  @Test
  void optimiserIsClassicMomentumWithWeightDecayOnWeightsOnly() {
    for (String layer : ModelConfig.LEARNED_LAYERS) {
      var conf = paper.getLayer(layer).conf().getLayer();
      ClassicMomentum updater =
          assertInstanceOf(ClassicMomentum.class, conf.getUpdaterByParam("W"));
      assertEquals(0.01, updater.getLearningRate(0, 0));
      assertEquals(0.9, updater.getMomentum());
      assertEquals(List.of(new L2Regularization(5e-4)), conf.getRegularizationByParam("W"), layer);
      var biasRegularization = conf.getRegularizationByParam("b");
      assertTrue(biasRegularization == null || biasRegularization.isEmpty(), layer);
    }
  }

  @Test
  void dropoutActsOnTheOutputsOfFc6AndFc7() {
    Map<String, ModelSummary.Row> rows = rows(paper, paperConfig.model());
    assertEquals("dropout 0.5 on fc6", rows.get("drop6").description());
    assertEquals("dropout 0.5 on fc7", rows.get("drop7").description());
    assertEquals(null, paper.getLayer("fc6").conf().getLayer().getIDropout());
  }

  @Test
  void configurationRoundTripsThroughJson() {
    ComputationGraphConfiguration conf = paper.getConfiguration();
    ComputationGraphConfiguration again = ComputationGraphConfiguration.fromJson(conf.toJson());
    assertEquals(conf, again);
    assertInstanceOf(
        ConvBlock.class,
        again.getVertices().get("conv2") instanceof LayerVertex v
            ? v.getLayerConf().getLayer()
            : null);
  }

  @Test
  void aNewLearningRateReachesEveryLayerIncludingTheConvolutionBlocks() {
    AlexNetConfig scaled =
        config(
            "model.variant=scaled",
            "model.classes=3",
            "model.dropout=0",
            "optimizer.weight-decay=0",
            "optimizer.momentum=0");
    ComputationGraph network = AlexNet.create(scaled.model(), scaled.optimizer());
    int side = scaled.model().networkInputSize();
    INDArray input = Nd4j.rand(DataType.FLOAT, 4, 3, side, side);
    INDArray labels = Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.FLOAT);
    DataSet batch = new DataSet(input, labels);
    network.fit(batch); // the updaters exist from here on, as in a run whose rate steps down
    network.setLearningRate(0.0);
    Map<String, INDArray> before = new HashMap<>();
    network.paramTable().forEach((name, value) -> before.put(name, value.dup()));
    network.fit(batch);
    // With a rate of 0 (and no momentum) no parameter may move, in any layer.
    network
        .paramTable()
        .forEach(
            (name, value) ->
                assertEquals(before.get(name), value, name + " moved under a learning rate of 0"));
  }

  @Test
  void heSchemeFollowsEachLayersFanIn() {
    AlexNetConfig config =
        config(
            "model.variant=scaled",
            "model.classes=10",
            "data.image-size=76",
            "model.init.scheme=he",
            "model.scaled.width-multiplier=0.5");
    ComputationGraph network = AlexNet.create(config.model(), config.optimizer());
    for (String layer : ModelConfig.LEARNED_LAYERS) {
      INDArray weights = network.getParam(layer + "_W");
      // Conv W is [k, k, inputs per tower, nOut], dense W [nIn, nOut]: fan-in = size / nOut.
      long nOut = weights.size(weights.rank() - 1);
      double fanIn = (double) weights.length() / nOut;
      double expected = Math.sqrt((layer.equals("fc8") ? 1.0 : 2.0) / fanIn);
      assertEquals(expected, weights.stdNumber().doubleValue(), 0.06 * expected, layer + " std");
    }
  }
}

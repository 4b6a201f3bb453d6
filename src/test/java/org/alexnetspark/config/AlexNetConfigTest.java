package org.alexnetspark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.alexnetspark.testing.ConfigRefusal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlexNetConfigTest {

  @Test
  void defaultsAreThePapersValues() {
    AlexNetConfig config = AlexNetConfig.defaults();
    ModelConfig model = config.model();
    assertEquals(ModelVariant.PAPER, model.variant());
    assertEquals(1000, model.classes());
    assertEquals(227, model.networkInputSize());
    assertEquals(4096, model.fcWidth());
    assertEquals(new ModelConfig.Lrn(2, 5, 1e-4, 0.75), model.lrn());
    assertEquals(0.5, model.dropout());
    assertEquals(0.01, model.weightStd());
    assertEquals(Set.of("conv2", "conv4", "conv5", "fc6", "fc7"), model.biasOneLayers());
    assertEquals(new OptimizerConfig(0.01, 0.9, 5e-4), config.optimizer());
    assertEquals(256, config.data().imageSize());
    assertEquals(AugmentConfig.FloatConversion.AUTO, config.augment().floatConversion());
  }

  @Test
  void negativeLearningRateIsRefusedNamingKeyValueAndRule() {
    InvalidConfigException e = ConfigRefusal.of("optimizer.learning-rate=-1");
    assertEquals(1, e.problems().size());
    String problem = e.problems().get(0);
    assertTrue(problem.contains("'optimizer.learning-rate' = -1"), problem);
    assertTrue(problem.contains("must be a number > 0"), problem);
    assertTrue(problem.contains("--set optimizer.learning-rate=-1"), problem);
  }

  @Test
  void unknownKeysAreRefusedWithASuggestion() {
    InvalidConfigException e = ConfigRefusal.of("optimizer.learning-rat=0.1");
    assertTrue(e.getMessage().contains("unknown key 'optimizer.learning-rat'"), e.getMessage());
    assertTrue(e.getMessage().contains("did you mean 'optimizer.learning-rate'"), e.getMessage());
  }

  @Test
  void aRefusedKeyNeverEchoesItsValue() {
    InvalidConfigException e =
        ConfigRefusal.of("fs.s3a.secret.key=Sup3rS3cret", "fs.s3a.access.key=\"AKIA with:colon\"");
    assertTrue(e.getMessage().contains("unknown key 'fs.s3a.secret.key'"), e.getMessage());
    assertTrue(
        !e.getMessage().contains("Sup3rS3cret") && !e.getMessage().contains("AKIA"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("spark.hadoop.fs.s3a.secret.key"),
        "says where Hadoop settings go: " + e.getMessage());
  }

  @Test
  void aStoredConfigurationIsReadWithoutIncludesOrEnvironmentSubstitution(@TempDir Path dir)
      throws IOException {
    Path evil = dir.resolve("evil.conf");
    Files.writeString(evil, "optimizer.learning-rate = 5\n");
    InvalidConfigException include =
        assertThrows(
            InvalidConfigException.class,
            () ->
                AlexNetConfig.fromHocon("include file(\"" + evil + "\")\n", "model/alexnet.conf"));
    assertTrue(include.getMessage().contains("model/alexnet.conf"), include.getMessage());
    assertTrue(include.getMessage().contains("include"), include.getMessage());
    InvalidConfigException env =
        assertThrows(
            InvalidConfigException.class,
            () -> AlexNetConfig.fromHocon("data.decoder = ${HOME}\n", "model/alexnet.conf"));
    assertTrue(env.getMessage().contains("model/alexnet.conf"), env.getMessage());
    // What render() writes reads back unchanged.
    AlexNetConfig defaults = AlexNetConfig.defaults();
    assertEquals(defaults.render(), AlexNetConfig.fromHocon(defaults.render(), "x").render());
  }

  @Test
  void cropLargerThanStoredImageIsRefused() {
    InvalidConfigException e = ConfigRefusal.of("data.image-size=200");
    assertTrue(e.getMessage().contains("'model.input-size' = 227"), e.getMessage());
    assertTrue(e.getMessage().contains("data.image-size = 200"), e.getMessage());
  }

  @Test
  void scaledVariantChecksItsOwnInputSize() {
    AlexNetConfig ok =
        AlexNetConfig.load(List.of(), List.of("model.variant=scaled", "data.image-size=76"));
    assertEquals(67, ok.model().networkInputSize());
    InvalidConfigException e =
        ConfigRefusal.of(
            "model.variant=scaled", "model.scaled.input-size=80", "data.image-size=76");
    assertTrue(e.getMessage().contains("'model.scaled.input-size' = 80"), e.getMessage());
  }

  @Test
  void everyBadValueIsReportedAtOnce() {
    InvalidConfigException e =
        ConfigRefusal.of(
            "model.classes=0",
            "model.lrn.n=4",
            "model.variant=resnet",
            "model.dropout=1",
            "optimizer.momentum=abc",
            "model.input-size=50",
            "model.init.bias-one-layers=[conv9]",
            "augment.float-conversion=gpu",
            "nonsense=1");
    List<String> problems = e.problems();
    assertEquals(9, problems.size(), String.join("\n", problems));
    assertContainsOne(
        problems, "'augment.float-conversion' = \"gpu\": must be one of auto | cpu | backend");
    assertContainsOne(problems, "'model.classes' = 0: must be a whole number >= 2");
    assertContainsOne(problems, "'model.lrn.n' = 4: must be an odd whole number");
    assertContainsOne(
        problems, "'model.variant' = \"resnet\": must be one of paper | single-tower | scaled");
    assertContainsOne(problems, "'model.dropout' = 1: must be a probability in [0, 1)");
    assertContainsOne(problems, "'optimizer.momentum' = \"abc\": must be a number");
    assertContainsOne(problems, "'model.input-size' = 50: must be a whole number >= 67");
    assertContainsOne(problems, "'conv9' is not a layer");
    assertContainsOne(problems, "unknown key 'nonsense'");
  }

  @Test
  void filesLayerOverDefaultsAndSetsOverFiles(@TempDir Path dir) throws IOException {
    Path first =
        Files.writeString(
            dir.resolve("a.conf"),
            "model { variant = scaled, classes = 10 }\noptimizer.learning-rate = 0.05\n");
    Path second = Files.writeString(dir.resolve("b.conf"), "model.classes = 20\n");
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(first, second), List.of("optimizer.learning-rate=0.02", "data.image-size=100"));
    assertEquals(ModelVariant.SCALED, config.model().variant());
    assertEquals(20, config.model().classes());
    assertEquals(0.02, config.optimizer().learningRate());
    assertEquals(0.9, config.optimizer().momentum());
  }

  @Test
  void problemsInFilesNameTheFileAndLine(@TempDir Path dir) throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("bad.conf"), "# comment\nmodel { lrn = 3 }\noptimizer.momentum = 1.5\n");
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class, () -> AlexNetConfig.load(List.of(file), List.of()));
    assertEquals(2, e.problems().size(), e.getMessage());
    assertContainsOne(e.problems(), "'model.lrn' is a section");
    assertContainsOne(
        e.problems(),
        "'optimizer.momentum' = 1.5: must be a number in [0, 1) (set in " + file + " line 3)");
  }

  @Test
  void missingFileAndMalformedSetAreRefused(@TempDir Path dir) {
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () -> AlexNetConfig.load(List.of(dir.resolve("missing.conf")), List.of("novalue")));
    assertContainsOne(e.problems(), "missing.conf: no such file");
    assertContainsOne(e.problems(), "the 1st --set: expected key=value");
    assertTrue(
        !e.getMessage().contains("novalue"), "the text of a malformed --set is not repeated");
  }

  @Test
  void renderedConfigLoadsBackEqual() {
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(),
            List.of(
                "model.variant=scaled",
                "model.classes=10",
                "optimizer.learning-rate=0.03",
                "data.image-size=80"));
    AlexNetConfig again = AlexNetConfig.fromHocon(config.render(), "stored");
    assertEquals(config.model(), again.model());
    assertEquals(config.optimizer(), again.optimizer());
    assertEquals(config.data(), again.data());
    assertEquals(config.render(), again.render());
  }

  private static void assertContainsOne(List<String> problems, String fragment) {
    long matches = problems.stream().filter(p -> p.contains(fragment)).count();
    assertEquals(
        1,
        matches,
        "expected one problem containing <" + fragment + "> in\n" + String.join("\n", problems));
  }
}

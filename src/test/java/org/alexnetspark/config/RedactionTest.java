package org.alexnetspark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RedactionTest {
  private static final String TOKEN = "tok-9f8e7d6c5b4a";

  private static AlexNetConfig load(Map<String, String> environment, String... overrides) {
    return AlexNetConfig.load(List.of(), List.of(), List.of(overrides), environment);
  }

  @Test
  void keysThatLookSecretAreThoseWithASecretWholeWord() {
    for (String secret :
        List.of(
            "fs.s3a.secret.key",
            "fs.s3a.access.key",
            "secret-key",
            "aws_secret_access_key",
            "spark.authenticate.secret",
            "db.password",
            "hive.metastore.passwd",
            "oauth.token",
            "api-key",
            "apiKey",
            "fs.azure.account.key",
            "credential",
            "gcs.credentials.file",
            "ssl.keystore.password",
            "model.init.\"Secret\"")) {
      assertTrue(Redaction.looksSecret(secret), secret + " looks secret");
    }
    for (String plain :
        List.of(
            "train.checkpoint.keep-last",
            "monkey",
            "keystore.type",
            "turnkey",
            "tokenizer",
            "model.variant",
            "data.decoder",
            "optimizer.learning-rate",
            "keys",
            "secretary")) {
      assertFalse(Redaction.looksSecret(plain), plain + " does not look secret");
    }
    // None of this project's own keys looks secret: nothing it needs is hidden by accident.
    assertTrue(
        AlexNetConfig.defaults().settings().keySet().stream().noneMatch(Redaction::looksSecret));
  }

  @Test
  void aBadValueFromTheEnvironmentIsReportedWithoutIt() {
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () -> load(Map.of("TOKEN", TOKEN), "data.decoder=${TOKEN}"));
    assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
    String problem = e.problems().get(0);
    assertTrue(problem.contains("'data.decoder' = <redacted>"), problem);
    assertTrue(
        problem.contains("environment variable TOKEN"), "says where it came from: " + problem);
  }

  @Test
  void aValueFromTheEnvironmentIsUsedButNeverShownOrStored() {
    AlexNetConfig config =
        load(
            Map.of("CLASSES", "17", "DECODER", "opencv"),
            "model.classes=${CLASSES}",
            "data.decoder=${?DECODER}",
            "optimizer.learning-rate=0.02");
    assertEquals(17, config.model().classes(), "the value is used");
    assertEquals(Set.of("model.classes", "data.decoder"), config.redactedKeys());
    assertEquals("\"<redacted>\"", config.settings().get("model.classes"));
    assertEquals("\"<redacted>\"", config.settings().get("data.decoder"));
    assertEquals("0.02", config.settings().get("optimizer.learning-rate"));
    assertTrue(config.summary().contains("model.classes = \"<redacted>\""), config.summary());
    assertFalse(config.summary().contains("17"), config.summary());
    assertFalse(config.render().contains("17"), config.render());
    assertTrue(config.render().contains("classes=\"<redacted>\""), config.render());
    assertFalse(config.summary().contains("opencv"), config.summary());
  }

  @Test
  void aValueDerivedFromTheEnvironmentIsHiddenToo() {
    AlexNetConfig config =
        load(
            Map.of("LAYER", "conv3"),
            "model.init.bias-one-layers=[conv2, ${LAYER}]",
            "data.decoder=${data.decoder}");
    assertEquals(Set.of("model.init.bias-one-layers"), config.redactedKeys());
    assertTrue(config.model().biasOneLayers().contains("conv3"));
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () -> load(Map.of("LAYER", TOKEN), "model.init.bias-one-layers=[conv2, ${LAYER}]"));
    assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
  }

  @Test
  void withoutTheEnvironmentNothingIsHidden() {
    AlexNetConfig config = load(Map.of(), "model.classes=17");
    assertEquals(Set.of(), config.redactedKeys());
    assertEquals("17", config.settings().get("model.classes"));
    InvalidConfigException missing =
        assertThrows(InvalidConfigException.class, () -> load(Map.of(), "model.classes=${NOPE}"));
    assertTrue(missing.getMessage().contains("NOPE"), missing.getMessage());
  }

  @Test
  void aStoredConfigurationWithHiddenValuesReadsBackAndComparesEqual() {
    AlexNetConfig config =
        load(Map.of("WD", "0.0007"), "optimizer.weight-decay=${WD}", "model.classes=17");
    AlexNetConfig stored = AlexNetConfig.fromHocon(config.render(), "run/alexnet.conf");
    // The hidden value is read as its default, and still hidden.
    assertEquals(5e-4, stored.optimizer().weightDecay());
    assertEquals(17, stored.model().classes());
    assertEquals(Set.of("optimizer.weight-decay"), stored.redactedKeys());
    // What resuming compares: the same settings, the hidden one as <redacted> on both sides.
    assertEquals(config.settings(), stored.settings());
    assertEquals(config.render(), stored.render());
    // A run that gives the value directly now does not compare equal: it cannot be checked.
    AlexNetConfig direct = load(Map.of(), "optimizer.weight-decay=0.0007", "model.classes=17");
    assertNotEquals(
        stored.settings().get("optimizer.weight-decay"),
        direct.settings().get("optimizer.weight-decay"));
  }

  @Test
  void aSetOfAnUnknownSecretKeyHidesItsValue() {
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () -> load(Map.of(), "fs.s3a.secret.key=S3CR3T", "fs.s3a.access.key=\"AKIA:x\""));
    assertFalse(e.getMessage().contains("S3CR3T"), e.getMessage());
    assertFalse(e.getMessage().contains("AKIA"), e.getMessage());
    assertTrue(e.getMessage().contains("--set fs.s3a.secret.key=<redacted>"), e.getMessage());
  }

  @Test
  void aSetWithoutEqualsIsReportedByPositionAndKeyOnly() {
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () ->
                load(
                    Map.of(),
                    "model.classes=10",
                    "fs.s3a.secret.key:S3CR3T",
                    "S3CR3T",
                    "=S3CR3T",
                    "fs.s3a.access.key S3CR3T"));
    assertFalse(e.getMessage().contains("S3CR3T"), e.getMessage());
    assertEquals(4, e.problems().size(), e.getMessage());
    assertTrue(
        e.problems().get(0).startsWith("the 2nd --set (fs.s3a.secret.key:...): expected key=value"),
        e.problems().get(0));
    assertTrue(e.problems().get(1).startsWith("the 3rd --set: expected"), e.problems().get(1));
    assertTrue(e.problems().get(2).startsWith("the 4th --set: expected"), e.problems().get(2));
    assertTrue(
        e.problems().get(3).startsWith("the 5th --set (fs.s3a.access.key ...): expected"),
        e.problems().get(3));
  }

  @Test
  void ordinals() {
    assertEquals(
        List.of("1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th"),
        List.of(1, 2, 3, 4, 11, 12, 13, 21, 22, 111).stream().map(AlexNetConfig::ordinal).toList());
  }
}

package org.alexnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.testing.MiniHdfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The YARN attempt of a cluster-mode driver, and which attempt continues which run folder. */
class ApplicationAttemptTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  @Test
  void containerIdsWithAndWithoutAnEpochNameTheApplicationAndTheAttempt() {
    assertEquals(
        Optional.of(new ApplicationAttempt("application_1733390000000_0042", 2)),
        ApplicationAttempt.parse("container_e17_1733390000000_0042_02_000001"));
    assertEquals(
        Optional.of(new ApplicationAttempt("application_1733390000000_0007", 1)),
        ApplicationAttempt.parse("container_1733390000000_0007_01_000003"));
    assertEquals(
        Optional.of(new ApplicationAttempt("application_1_12345", 11)),
        ApplicationAttempt.parse("container_1_12345_11_000001\n"));
    assertEquals(Optional.empty(), ApplicationAttempt.parse("application_1733390000000_0042"));
    assertEquals(Optional.empty(), ApplicationAttempt.parse("container_1733390000000_0042_02"));
    assertEquals(Optional.empty(), ApplicationAttempt.parse(""));
  }

  @Test
  void onlyTheDriverOfAYarnApplicationInClusterModeHasAnAttempt() {
    String container = "container_e03_1733390000000_0042_02_000001";
    String application = "application_1733390000000_0042";
    assertEquals(
        Optional.of(new ApplicationAttempt(application, 2)),
        ApplicationAttempt.of(Map.of("CONTAINER_ID", container), application));
    // Client mode inside some container (spark.yarn.app.id unset), and outside YARN.
    assertEquals(Optional.empty(), ApplicationAttempt.of(Map.of("CONTAINER_ID", container), null));
    assertEquals(Optional.empty(), ApplicationAttempt.of(Map.of(), application));
    // A container of another application.
    assertEquals(
        Optional.empty(),
        ApplicationAttempt.of(Map.of("CONTAINER_ID", container), "application_1733390000000_0043"));
    assertEquals(
        "attempt 2 of application_1733390000000_0042",
        new ApplicationAttempt(application, 2).toString());
  }

  @Test
  void aLaterAttemptContinuesOnlyTheRunItsFirstAttemptClaimed() throws Exception {
    Storage storage = new Storage(HDFS.configuration());
    URI run = HDFS.uri("/runs/attempts-" + System.nanoTime());
    ApplicationAttempt first = new ApplicationAttempt("application_1733390000000_0042", 1);
    ApplicationAttempt second = new ApplicationAttempt("application_1733390000000_0042", 2);
    ApplicationAttempt other = new ApplicationAttempt("application_1733390000000_0043", 2);

    assertFalse(second.continues(storage, run), "nothing claimed: a run folder of nobody's");
    first.claim(storage, run);
    assertEquals(
        "application_1733390000000_0042\n",
        storage.readText(Locations.child(run, ApplicationAttempt.CLAIM_FILE)));
    assertFalse(first.continues(storage, run), "a first attempt never continues a run");
    assertTrue(second.continues(storage, run));
    assertFalse(other.continues(storage, run), "another application's run is not continued");

    // Another application that took the run over (with --resume) replaces the claim.
    new ApplicationAttempt("application_1733390000000_0043", 1).claim(storage, run);
    assertTrue(other.continues(storage, run));
    assertFalse(second.continues(storage, run));
  }
}

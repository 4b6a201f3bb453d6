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

/**
 * The Spark operator's SparkApplication of a driver, and which submission continues which run
 * folder: a restart of the same SparkApplication (a new submission id) does, another application
 * (name, namespace or run generation) does not.
 */
class OperatorApplicationTest {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();

  private static final String SUBMISSION = "0907b7aa-3049-4149-81e8-0d1135b0bc5f";

  @Test
  void theDriversEnvironmentNamesTheApplicationOnlyWithANamespaceAndAName() {
    Map<String, String> env =
        Map.of(
            "ALEXNET_K8S_NAMESPACE", "alexnet",
            "ALEXNET_K8S_APPLICATION", "alexnet-train",
            "ALEXNET_K8S_RUN_GENERATION", "3",
            "ALEXNET_K8S_SUBMISSION_ID", SUBMISSION + "\n");
    assertEquals(
        Optional.of(new OperatorApplication("alexnet", "alexnet-train", "3", SUBMISSION)),
        OperatorApplication.of(env));
    assertEquals(
        "submission "
            + SUBMISSION
            + " of SparkApplication alexnet/alexnet-train (run generation 3)",
        OperatorApplication.of(env).orElseThrow().toString());
    // A label the pod does not have comes through the downward API as an empty value.
    assertEquals(
        Optional.of(new OperatorApplication("alexnet", "alexnet-train", "", "")),
        OperatorApplication.of(
            Map.of(
                "ALEXNET_K8S_NAMESPACE", "alexnet",
                "ALEXNET_K8S_APPLICATION", "alexnet-train",
                "ALEXNET_K8S_RUN_GENERATION", "")));
    // Not started by the operator (no name label), or not on Kubernetes at all.
    assertEquals(
        Optional.empty(),
        OperatorApplication.of(
            Map.of("ALEXNET_K8S_NAMESPACE", "alexnet", "ALEXNET_K8S_APPLICATION", " ")));
    assertEquals(Optional.empty(), OperatorApplication.of(Map.of("ALEXNET_K8S_APPLICATION", "a")));
    assertEquals(Optional.empty(), OperatorApplication.of(Map.of()));
  }

  @Test
  void aRestartContinuesOnlyTheRunItsApplicationClaimed() throws Exception {
    Storage storage = new Storage(HDFS.configuration());
    URI run = HDFS.uri("/runs/operator-" + System.nanoTime());
    OperatorApplication first = new OperatorApplication("alexnet", "alexnet-train", "1", "s-1");
    OperatorApplication restart = new OperatorApplication("alexnet", "alexnet-train", "1", "s-2");
    OperatorApplication nextGeneration =
        new OperatorApplication("alexnet", "alexnet-train", "2", "s-3");
    OperatorApplication otherName = new OperatorApplication("alexnet", "alexnet-train-b", "1", "");
    OperatorApplication otherNamespace = new OperatorApplication("ml", "alexnet-train", "1", "s-2");
    OperatorApplication unlabelled = new OperatorApplication("alexnet", "alexnet-train", "", "s-4");

    assertFalse(restart.continues(storage, run), "no claim yet: a run folder of nobody's");
    first.claim(storage, run);
    assertEquals(
        "alexnet/alexnet-train run-generation=1\nsubmission-id=s-1\n",
        storage.readText(Locations.child(run, OperatorApplication.CLAIM_FILE)));
    assertTrue(restart.continues(storage, run), "the operator's restart, a new submission");
    assertFalse(nextGeneration.continues(storage, run), "a new run generation is a new run");
    assertFalse(otherName.continues(storage, run));
    assertFalse(otherNamespace.continues(storage, run));
    assertFalse(unlabelled.continues(storage, run), "no run generation is not generation 1");

    // An application that took the run over (with --resume) replaces the claim.
    nextGeneration.claim(storage, run);
    assertTrue(
        new OperatorApplication("alexnet", "alexnet-train", "2", "s-5").continues(storage, run));
    assertFalse(restart.continues(storage, run));
    // A YARN application's claim is another file: neither reads the other's.
    assertFalse(
        new ApplicationAttempt("application_1733390000000_0042", 2).continues(storage, run));
  }
}

package org.alexnetspark.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.io.Locations;
import org.alexnetspark.testing.LocalSpark;
import org.alexnetspark.testing.MiniHdfs;
import org.alexnetspark.testing.PreparedFashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code alexnet retrain} twice in a row on Fashion-MNIST: two versions, the better one current.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class RetrainIT {
  @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();
  @RegisterExtension static final LocalSpark SPARK = new LocalSpark();

  @Test
  void twoRetrainsLeaveTwoVersionsAndTheBetterOneCurrent() throws Exception {
    PreparedFashionMnist.Datasets data = PreparedFashionMnist.of(HDFS, SPARK.context(), 60, 20, 72);
    AlexNetConfig config =
        AlexNetConfig.load(
            List.of(Paths.get("src/test/resources/conf/train-small.conf")), List.of());
    RetrainJob job = new RetrainJob(config, data.storage());
    RetrainJob.Request request =
        new RetrainJob.Request(
            HDFS.uri("/registry"),
            "fashion",
            data.train(),
            data.validation(),
            null,
            HDFS.uri("/retrain"));

    RetrainJob.Result first = job.run(SPARK.context(), request, job.check(request));
    assertNull(first.parent());
    assertTrue(first.promoted(), "the first version becomes current");
    ModelRegistry registry = new ModelRegistry(data.storage(), HDFS.uri("/registry"), "fashion");
    assertEquals("v0001", registry.current());

    Thread.sleep(1100); // run folders are named by the second
    RetrainJob.Result second = job.run(SPARK.context(), request, job.check(request));
    assertEquals("v0001", second.parent(), "warm-started from the current version");
    assertEquals(List.of("v0001", "v0002"), registry.versions());
    assertNotEquals(first.run(), second.run(), "a fresh run folder each time");
    assertTrue(data.storage().exists(Locations.child(second.run(), "finished.json")));
    // Both were compared on the same held-out set; the better (or equal) one is current.
    String better = second.candidateError() <= second.currentError() ? "v0002" : "v0001";
    assertEquals(
        better,
        registry.current(),
        "candidate " + second.candidateError() + " against current " + second.currentError());
    assertEquals(second.promoted(), better.equals("v0002"));
    assertEquals(second.candidateError(), registry.entry("v0002").tenCropTop1Error(), 1e-12);
  }
}

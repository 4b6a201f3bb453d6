package org.alexnetspark.spark;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;

/**
 * The YARN application attempt whose driver this process is, in YARN cluster mode (the driver runs
 * in the ApplicationMaster's container). When an attempt fails, YARN starts the application again
 * as a new attempt with the same command line; the attempt number tells the two apart.
 *
 * <p>Read from {@code CONTAINER_ID}, which YARN sets in every container ({@code
 * container_[e<epoch>_]<cluster timestamp>_<application>_<attempt>_<container>}), and only when
 * Spark's ApplicationMaster has set {@code spark.yarn.app.id} for the same application, which it
 * does in cluster mode only: a driver in client mode, or on another cluster manager, has no
 * attempt.
 *
 * <p>A run folder records the application that works in it ({@link #claim}), so that a later
 * attempt of that application continues the run ({@link #continues}) while a run folder of some
 * other application is still refused unless {@code --resume} is asked for.
 *
 * @param applicationId YARN's application id, {@code application_<cluster timestamp>_<number>}
 * @param attempt the attempt number, 1 for the first
 */
public record ApplicationAttempt(String applicationId, int attempt)
    implements RestartableApplication {
  /** The file of a run folder that names the YARN application working in it. */
  public static final String CLAIM_FILE = "yarn-application";

  private static final Pattern CONTAINER_ID =
      Pattern.compile("container_(?:e\\d+_)?(\\d+)_(\\d+)_(\\d+)_(\\d+)");

  /** This process's attempt: present only in the driver of a YARN application in cluster mode. */
  public static Optional<ApplicationAttempt> current() {
    return of(System.getenv(), System.getProperty("spark.yarn.app.id"));
  }

  /**
   * The attempt described by a container's environment.
   *
   * @param env the environment ({@code CONTAINER_ID})
   * @param sparkApplicationId {@code spark.yarn.app.id}, which Spark's ApplicationMaster sets for a
   *     driver in cluster mode, or null
   * @return the attempt, or empty outside the driver of a YARN application in cluster mode
   */
  public static Optional<ApplicationAttempt> of(
      Map<String, String> env, String sparkApplicationId) {
    String containerId = env.get("CONTAINER_ID");
    if (sparkApplicationId == null || containerId == null) {
      return Optional.empty();
    }
    Optional<ApplicationAttempt> attempt = parse(containerId);
    return attempt.filter(a -> a.applicationId().equals(sparkApplicationId));
  }

  /**
   * The application and attempt of a YARN container id, e.g. {@code
   * container_e17_1733390000000_0042_02_000001} is attempt 2 of {@code
   * application_1733390000000_0042}; empty if it is not a container id.
   */
  public static Optional<ApplicationAttempt> parse(String containerId) {
    Matcher matcher = CONTAINER_ID.matcher(containerId.strip());
    if (!matcher.matches()) {
      return Optional.empty();
    }
    String application = "application_" + matcher.group(1) + "_" + matcher.group(2);
    return Optional.of(new ApplicationAttempt(application, Integer.parseInt(matcher.group(3))));
  }

  /** Whether YARN retried the application: this is not its first attempt. */
  public boolean isRetry() {
    return attempt > 1;
  }

  /**
   * Whether this attempt continues the run in {@code runFolder}: it is a later attempt of the
   * application that {@linkplain #claim claimed} the folder.
   */
  @Override
  public boolean continues(Storage storage, URI runFolder) throws IOException {
    if (!isRetry()) {
      return false;
    }
    URI claim = Locations.child(runFolder, CLAIM_FILE);
    return storage.exists(claim) && storage.readText(claim).strip().equals(applicationId);
  }

  /**
   * Records in {@code runFolder} that this application works there, once the folder has been
   * accepted, so that a later attempt continues the run. Replaces the record of an earlier
   * application (a run continued with {@code --resume}).
   */
  @Override
  public void claim(Storage storage, URI runFolder) throws IOException {
    storage.replaceFile(
        Locations.child(runFolder, CLAIM_FILE),
        (applicationId + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "attempt " + attempt + " of " + applicationId;
  }
}

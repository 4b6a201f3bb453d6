package org.alexnetspark.spark;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;

/**
 * The SparkApplication of the Spark operator (Kubernetes) whose driver this process is. With {@code
 * restartPolicy: OnFailure} the operator submits a failed SparkApplication again: a new driver pod
 * with the same arguments and a new submission id. What stays is the SparkApplication: its
 * namespace, its name and the run generation its spec declares (the label {@value
 * #RUN_GENERATION_LABEL}).
 *
 * <p>Read from the environment that the driver pod template of {@code
 * jobs/kubernetes/base/every-spark-application.yaml} sets through the downward API from the driver
 * pod's namespace and labels: the operator labels the driver pod with {@value #NAME_LABEL} (the
 * SparkApplication's name), {@value #SUBMISSION_LABEL} (new for every submission) and the
 * SparkApplication's own labels. Without those variables (any other driver) there is none.
 *
 * <p>The driver pod does not carry the SparkApplication's uid, so a SparkApplication deleted and
 * applied again under the same name and run generation counts as the same one and continues its
 * run. To start a new run, change the run generation, the name or {@code --output}.
 *
 * @param namespace the SparkApplication's namespace
 * @param name the SparkApplication's name
 * @param runGeneration the value of its {@value #RUN_GENERATION_LABEL} label, empty without one
 * @param submissionId the operator's id of this submission, empty if unknown: logged and recorded,
 *     but not part of the identity, since every restart has a new one
 */
public record OperatorApplication(
    String namespace, String name, String runGeneration, String submissionId)
    implements RestartableApplication {
  /** The file of a run folder that names the SparkApplication working in it. */
  public static final String CLAIM_FILE = "kubernetes-application";

  /** The variable holding the driver pod's namespace (downward API: {@code metadata.namespace}). */
  public static final String NAMESPACE_ENV = "ALEXNET_K8S_NAMESPACE";

  /** The variable holding the value of the driver pod's label {@value #NAME_LABEL}. */
  public static final String NAME_ENV = "ALEXNET_K8S_APPLICATION";

  /** The variable holding the value of the driver pod's label {@value #RUN_GENERATION_LABEL}. */
  public static final String RUN_GENERATION_ENV = "ALEXNET_K8S_RUN_GENERATION";

  /** The variable holding the value of the driver pod's label {@value #SUBMISSION_LABEL}. */
  public static final String SUBMISSION_ENV = "ALEXNET_K8S_SUBMISSION_ID";

  /** The operator's label of the driver pod naming its SparkApplication. */
  public static final String NAME_LABEL = "sparkoperator.k8s.io/app-name";

  /** The operator's label of the driver pod naming the submission, new for every restart. */
  public static final String SUBMISSION_LABEL = "sparkoperator.k8s.io/submission-id";

  /**
   * The label of a SparkApplication (copied to its driver pod by the operator) that says which run
   * it is: change it to start a new run in the same run folder's place.
   */
  public static final String RUN_GENERATION_LABEL = "alexnet-spark/run-generation";

  /** This process's SparkApplication: present only in a driver started by the operator. */
  public static Optional<OperatorApplication> current() {
    return of(System.getenv());
  }

  /**
   * The SparkApplication described by a driver's environment.
   *
   * @return the application, or empty unless both its namespace and name are set
   */
  public static Optional<OperatorApplication> of(Map<String, String> env) {
    String namespace = value(env, NAMESPACE_ENV);
    String name = value(env, NAME_ENV);
    if (namespace.isEmpty() || name.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new OperatorApplication(
            namespace, name, value(env, RUN_GENERATION_ENV), value(env, SUBMISSION_ENV)));
  }

  /** What a run folder records of its SparkApplication: namespace, name and run generation. */
  public String identity() {
    return namespace + "/" + name + " run-generation=" + runGeneration;
  }

  /**
   * Whether this driver continues the run in {@code runFolder}: the operator submitted again the
   * SparkApplication (same namespace, name and run generation) that {@linkplain #claim claimed} it.
   */
  @Override
  public boolean continues(Storage storage, URI runFolder) throws IOException {
    URI claim = Locations.child(runFolder, CLAIM_FILE);
    return storage.exists(claim)
        && storage.readText(claim).lines().findFirst().orElse("").equals(identity());
  }

  /**
   * Records in {@code runFolder} that this SparkApplication works there (its identity, then the
   * submission), replacing the record of an earlier one.
   */
  @Override
  public void claim(Storage storage, URI runFolder) throws IOException {
    storage.replaceFile(
        Locations.child(runFolder, CLAIM_FILE),
        (identity() + "\nsubmission-id=" + submissionId + "\n").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "submission "
        + (submissionId.isEmpty() ? "(unknown)" : submissionId)
        + " of SparkApplication "
        + namespace
        + "/"
        + name
        + (runGeneration.isEmpty() ? "" : " (run generation " + runGeneration + ")");
  }

  private static String value(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null ? "" : value.strip();
  }
}

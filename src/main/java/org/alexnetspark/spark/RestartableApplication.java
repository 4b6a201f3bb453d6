package org.alexnetspark.spark;

import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import org.alexnetspark.io.Storage;

/**
 * The application this driver belongs to, on a cluster manager that runs a failed application again
 * with the same command line: YARN ({@link ApplicationAttempt}) and the Spark operator on
 * Kubernetes ({@link OperatorApplication}). A run folder records the application that works in it
 * ({@link #claim}), so that when the cluster manager runs that application again it continues the
 * run ({@link #continues}), while another application's run folder is still refused unless {@code
 * --resume} is asked for.
 */
public interface RestartableApplication {
  /**
   * This driver's application: a YARN application in cluster mode, else a SparkApplication of the
   * Spark operator whose spec passes its identity (jobs/kubernetes/base); empty elsewhere.
   */
  static Optional<RestartableApplication> current() {
    Optional<RestartableApplication> yarn = ApplicationAttempt.current().map(a -> a);
    return yarn.isPresent() ? yarn : OperatorApplication.current().map(a -> a);
  }

  /**
   * Whether this driver continues the run in {@code runFolder}: it runs again the application that
   * {@linkplain #claim claimed} the folder.
   */
  boolean continues(Storage storage, URI runFolder) throws IOException;

  /**
   * Records in {@code runFolder} that this application works there, once the folder has been
   * accepted, so that the application run again continues the run. Replaces the record of an
   * earlier application (a run continued with {@code --resume}).
   */
  void claim(Storage storage, URI runFolder) throws IOException;
}

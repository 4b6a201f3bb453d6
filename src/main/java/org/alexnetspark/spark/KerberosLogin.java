package org.alexnetspark.spark;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import org.alexnetspark.config.InvalidConfigException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.SecurityUtil;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.UserGroupInformation.AuthenticationMethod;
import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the process in to Kerberos from a keytab before anything reads storage, so that the
 * pre-flight checks (which run before Spark starts) and local Spark read a secured HDFS as the
 * job's principal.
 *
 * <p>The principal and keytab are Spark's own keys, {@code spark.kerberos.principal} and {@code
 * spark.kerberos.keytab}: what {@code spark-submit --principal --keytab} sets, and what {@code
 * jobs/local/alexnet} sets from {@code ALEXNET_PRINCIPAL} and {@code ALEXNET_KEYTAB}. A login
 * happens only when the Hadoop configuration says {@code hadoop.security.authentication= kerberos},
 * and never twice: under {@code spark-submit} (client mode) and in a YARN application master
 * (cluster mode) Spark has already logged in as that principal from that keytab, and that login,
 * with the delegation tokens Spark added to it, is left as it is.
 *
 * <p>Without a principal and keytab, a Kerberos configuration is still handed to Hadoop's login, so
 * that a ticket from {@code kinit} (or delegation tokens from {@code HADOOP_TOKEN_FILE_LOCATION})
 * is used. Neither the keytab's content nor any ticket or token is logged; the keytab's path and
 * the principal are, as they say who the job runs as.
 */
public final class KerberosLogin {
  /** Spark's key for the principal ({@code spark-submit --principal}). */
  public static final String PRINCIPAL = "spark.kerberos.principal";

  /** Spark's key for the keytab ({@code spark-submit --keytab}). */
  public static final String KEYTAB = "spark.kerberos.keytab";

  private static final Logger LOG = LoggerFactory.getLogger(KerberosLogin.class);

  /** What {@link #ensure} did. */
  public enum Outcome {
    /** The Hadoop configuration does not ask for Kerberos; nothing to do. */
    NOT_REQUIRED,
    /** Kerberos without a principal and keytab: a ticket cache or delegation tokens are used. */
    NO_KEYTAB,
    /** Already logged in as the principal from a keytab (by spark-submit, or an earlier call). */
    ALREADY_LOGGED_IN,
    /** Logged in now, from the keytab. */
    LOGGED_IN
  }

  private KerberosLogin() {}

  /**
   * Logs in from {@code spark.kerberos.keytab} as {@code spark.kerberos.principal} when both are
   * given and {@code hadoop} asks for Kerberos, unless that login is already in place.
   *
   * @throws InvalidConfigException if only one of the two keys is set or the keytab is not a
   *     readable file
   * @throws LoginFailedException if the KDC refused the login
   */
  public static synchronized Outcome ensure(SparkConf spark, Configuration hadoop) {
    String principal = blankToNull(spark.get(PRINCIPAL, null));
    String keytab = blankToNull(spark.get(KEYTAB, null));
    List<String> problems = new ArrayList<>();
    if ((principal == null) != (keytab == null)) {
      problems.add(
          "'"
              + PRINCIPAL
              + "' and '"
              + KEYTAB
              + "' go together: set both (spark-submit "
              + "--principal P --keytab K; jobs/local: ALEXNET_PRINCIPAL and ALEXNET_KEYTAB) or neither");
    }
    boolean kerberos =
        SecurityUtil.getAuthenticationMethod(hadoop) == AuthenticationMethod.KERBEROS;
    if (!kerberos) {
      if (principal != null && keytab != null) {
        LOG.warn(
            "{} is set, but the Hadoop configuration says hadoop.security.authentication={}: "
                + "no Kerberos login. A secured cluster's core-site.xml (in HADOOP_CONF_DIR) says "
                + "kerberos.",
            PRINCIPAL,
            SecurityUtil.getAuthenticationMethod(hadoop).name().toLowerCase());
      }
      throwIfAny(problems);
      return Outcome.NOT_REQUIRED;
    }
    String keytabPath = keytab == null ? null : localPath(keytab);
    if (keytabPath != null && !new File(keytabPath).canRead()) {
      problems.add("'" + KEYTAB + "' = " + keytab + ": no readable keytab there");
    }
    throwIfAny(problems);
    try {
      if (principal == null) {
        if (!UserGroupInformation.isSecurityEnabled()) {
          // Kerberos came from spark.hadoop.* rather than core-site.xml: tell Hadoop's login.
          UserGroupInformation.setConfiguration(hadoop);
        }
        return Outcome.NO_KEYTAB;
      }
      if (UserGroupInformation.isSecurityEnabled()
          && UserGroupInformation.isLoginKeytabBased()
          && samePrincipal(UserGroupInformation.getLoginUser().getUserName(), principal)) {
        LOG.debug("already logged in as {} from a keytab", principal);
        return Outcome.ALREADY_LOGGED_IN;
      }
      UserGroupInformation.setConfiguration(hadoop);
      UserGroupInformation.loginUserFromKeytab(principal, keytabPath);
      LOG.info("logged in to Kerberos as {} from the keytab {}", principal, keytabPath);
      return Outcome.LOGGED_IN;
    } catch (IOException e) {
      throw new LoginFailedException(principal, keytabPath, e);
    }
  }

  /** Spark's keytab may be a {@code local:} or {@code file:} URI (a file inside the container). */
  private static String localPath(String keytab) {
    try {
      URI uri = new URI(keytab);
      return uri.getScheme() == null || uri.getScheme().length() < 2 ? keytab : uri.getPath();
    } catch (URISyntaxException e) {
      return keytab;
    }
  }

  /** {@code alice@REALM} is {@code alice} given without a realm. */
  private static boolean samePrincipal(String loggedIn, String wanted) {
    return loggedIn.equals(wanted) || (!wanted.contains("@") && loggedIn.startsWith(wanted + "@"));
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }

  private static void throwIfAny(List<String> problems) {
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }

  /** The KDC refused a keytab login (wrong principal for the keytab, unknown principal, no KDC). */
  public static final class LoginFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LoginFailedException(String principal, String keytab, IOException cause) {
      super(
          "could not log in to Kerberos as "
              + principal
              + " from the keytab "
              + keytab
              + ": "
              + rootMessage(cause),
          cause);
    }

    private static String rootMessage(Throwable e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return root == e
          ? String.valueOf(e.getMessage())
          : e.getMessage() + " (" + root.getMessage() + ")";
    }
  }
}

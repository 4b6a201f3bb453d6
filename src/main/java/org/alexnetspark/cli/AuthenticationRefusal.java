package org.alexnetspark.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.login.LoginException;
import javax.security.sasl.SaslException;
import org.alexnetspark.spark.KerberosLogin;
import org.apache.hadoop.ipc.RemoteException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.KerberosAuthException;
import org.ietf.jgss.GSSException;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

/**
 * A secured cluster refused a command because it had no (valid) Kerberos credentials: recognised
 * from the exception's types, and told in one line with what to do.
 *
 * <p>Hadoop's RPC client says so in three ways: {@link AccessControlException} "Client cannot
 * authenticate via:[TOKEN, KERBEROS]" (no ticket, no token), {@link AccessControlException} "SIMPLE
 * authentication is not enabled" (this side's configuration is not Kerberos at all), and a {@link
 * SaslException} / {@link GSSException} ("GSS initiate failed": no valid ticket). An access control
 * exception is also what HDFS throws for "Permission denied", so for that type, and only for it,
 * the message tells the two apart.
 */
final class AuthenticationRefusal {
  /** How to give credentials, for every way of running the commands. */
  static final String HOW_TO_LOG_IN =
      "give a principal and keytab: spark-submit --principal P "
          + "--keytab K (jobs/yarn: PRINCIPAL and KEYTAB; jobs/local: ALEXNET_PRINCIPAL and "
          + "ALEXNET_KEYTAB), or run kinit before the command";

  private static final Pattern SERVER =
      Pattern.compile("(?:DestHost:destPort | to )([\\w.-]+):(\\d+)");

  /** Why the cluster refused. */
  enum Kind {
    /** No Kerberos ticket and no delegation token (or one the cluster did not accept). */
    NO_CREDENTIALS,
    /** This side's Hadoop configuration does not say Kerberos, the cluster's does. */
    NOT_CONFIGURED
  }

  private final Kind kind;
  private final String detail;
  private final String server;

  private AuthenticationRefusal(Kind kind, String detail, String server) {
    this.kind = kind;
    this.detail = detail;
    this.server = server;
  }

  /** The refusal somewhere in {@code failure}'s causes, if it is one. */
  static Optional<AuthenticationRefusal> of(Throwable failure) {
    Kind kind = null;
    String detail = null;
    String server = null;
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = failure; t != null && seen.put(t, true) == null; t = t.getCause()) {
      if (server == null && t.getMessage() != null) {
        Matcher m = SERVER.matcher(t.getMessage());
        if (m.find()) {
          server = m.group(1) + ":" + m.group(2);
        }
      }
      if (kind != null) {
        continue;
      }
      if (t instanceof KerberosLogin.LoginFailedException
          || t instanceof KerberosAuthException
          || t instanceof LoginException) {
        return Optional.empty(); // a login with given credentials failed: its own message says why
      }
      if (isAccessControl(t) && t.getMessage() != null) {
        String message = t.getMessage();
        if (message.contains("SIMPLE authentication is not enabled")) {
          kind = Kind.NOT_CONFIGURED;
          detail = "SIMPLE authentication is not enabled";
        } else if (message.contains("cannot authenticate via")) {
          kind = Kind.NO_CREDENTIALS;
          int at = message.indexOf("Client cannot authenticate via");
          detail = at < 0 ? message : message.substring(at);
        }
      } else if (t instanceof SaslException || t instanceof GSSException) {
        kind = Kind.NO_CREDENTIALS;
        detail = t instanceof GSSException ? t.getMessage() : "GSS initiate failed";
      }
    }
    for (Throwable t = failure; kind == Kind.NO_CREDENTIALS && t != null; t = t.getCause()) {
      if (t instanceof GSSException) {
        detail =
            t.getMessage(); // "No valid credentials provided (... Failed to find any Kerberos tgt)"
        break;
      }
    }
    return kind == null
        ? Optional.empty()
        : Optional.of(new AuthenticationRefusal(kind, detail, server));
  }

  private static boolean isAccessControl(Throwable t) {
    return t instanceof AccessControlException
        || (t instanceof RemoteException remote
            && AccessControlException.class.getName().equals(remote.getClassName()));
  }

  Kind kind() {
    return kind;
  }

  /**
   * One line: what was refused (the command's location on the refusing cluster), that the cluster
   * requires Kerberos, and how to give credentials.
   */
  String message(CommandLine command) {
    String what = refusedLocation(command);
    String reason = detail == null ? "" : " (" + detail.replaceAll("\\s+", " ").trim() + ")";
    if (kind == Kind.NOT_CONFIGURED) {
      return what
          + " refused access: the cluster requires Kerberos, but the Hadoop configuration "
          + "here says hadoop.security.authentication=simple"
          + reason
          + ". Use the cluster's "
          + "core-site.xml and hdfs-site.xml (HADOOP_CONF_DIR), and to log in, "
          + HOW_TO_LOG_IN
          + ".";
    }
    return what
        + " refused access: the cluster requires Kerberos and this command has no valid "
        + "Kerberos credentials"
        + reason
        + ". To log in, "
        + HOW_TO_LOG_IN
        + ".";
  }

  /** The command's first location on the refusing server, else on any remote file system. */
  private String refusedLocation(CommandLine command) {
    List<URI> remote = new ArrayList<>();
    CommandLine.ParseResult parsed = command.getParseResult();
    if (parsed != null) {
      for (ArgSpec arg : parsed.matchedArgs()) {
        for (String value : arg.originalStringValues()) {
          try {
            URI uri = new URI(value);
            if (uri.getScheme() != null
                && uri.getScheme().length() > 1
                && !uri.getScheme().equals("file")) {
              remote.add(uri);
            }
          } catch (URISyntaxException e) {
            // not a location
          }
        }
      }
    }
    for (URI uri : remote) {
      if (server != null && server.equals(uri.getAuthority())) {
        return uri.toString();
      }
    }
    if (!remote.isEmpty()) {
      return remote.get(0).toString();
    }
    return server != null ? "the NameNode at " + server : "the cluster";
  }
}

package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import javax.security.sasl.SaslException;
import org.alexnetspark.testing.CommandRun;
import org.apache.hadoop.ipc.RemoteException;
import org.apache.hadoop.net.NetUtils;
import org.apache.hadoop.security.AccessControlException;
import org.ietf.jgss.GSSException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class AlexNetCommandTest {

  @Test
  void modelPrintsEveryLayerAndEndsWithTheTotal() {
    CommandRun run = CommandRun.of("model", "--variant", "single-tower");
    assertEquals(0, run.exitCode(), run.err());
    assertEquals("total parameters: 62378344", run.lastLine());
    for (String layer : List.of("conv1", "norm1", "pool1", "conv5", "pool5", "fc6", "fc8")) {
      assertTrue(run.out().lines().anyMatch(l -> l.startsWith(layer + " ")), layer);
    }
  }

  @Test
  void scaledModelWithClassesRuns() {
    CommandRun run =
        CommandRun.of(
            "model", "--variant", "scaled", "--classes", "10", "--set", "data.image-size=76");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(
        run.out().lines().anyMatch(l -> l.matches("fc8 +fully connected 10, softmax +10 .*")),
        run.out());
  }

  @Test
  void badConfigurationExitsWithUsageCodeNamingTheKey() {
    CommandRun run = CommandRun.of("model", "--set", "optimizer.learning-rate=-1");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("'optimizer.learning-rate' = -1"), run.err());
    assertEquals("", run.out());
  }

  @Test
  void unknownOptionExitsWithUsageCode() {
    CommandRun run = CommandRun.of("model", "--no-such-option");
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("Unknown option"), run.err());
  }

  @Test
  void helpAndVersionEverywhere() {
    for (String[] args :
        List.of(
            new String[] {"--help"},
            new String[] {"model", "--help"},
            new String[] {"help", "model"})) {
      CommandRun run = CommandRun.of(args);
      assertEquals(0, run.exitCode(), String.join(" ", args));
      assertTrue(run.out().contains("Usage: alexnet"), run.out());
    }
    for (String[] args : List.of(new String[] {"--version"}, new String[] {"model", "--version"})) {
      CommandRun run = CommandRun.of(args);
      assertEquals(0, run.exitCode());
      assertTrue(run.out().startsWith("alexnet-spark "), run.out());
      assertTrue(run.out().contains("dl4j 1.0.0-M2"), run.out());
    }
  }

  @Test
  void noSubcommandIsAUsageError() {
    CommandRun run = CommandRun.of();
    assertEquals(2, run.exitCode());
    assertTrue(run.err().contains("missing subcommand"), run.err());
  }

  /** A command that fails the way a storage call on a secured cluster does. */
  @CommandLine.Command(name = "touch")
  static final class Touch implements Callable<Integer> {
    @CommandLine.Option(names = "--data")
    String data;

    @CommandLine.Option(names = "--output")
    String output;

    final Exception failure;

    Touch(Exception failure) {
      this.failure = failure;
    }

    @Override
    public Integer call() throws Exception {
      throw failure;
    }
  }

  private static CommandRun failWith(Exception failure, String... args) {
    CommandLine line = AlexNetCommand.commandLine();
    line.addSubcommand(new CommandLine(new Touch(failure)));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "touch";
    System.arraycopy(args, 0, all, 1, args.length);
    return new CommandRun(line.execute(all), out.toString(), err.toString());
  }

  private static void assertKerberosAdvice(CommandRun run, String refused) {
    assertEquals(1, run.exitCode(), run.err());
    assertEquals(1, run.err().lines().count(), "one line: " + run.err());
    assertTrue(
        run.err()
            .startsWith("touch: " + refused + " refused access: the cluster requires Kerberos"),
        run.err());
    for (String advice :
        List.of(
            "spark-submit --principal P --keytab K",
            "PRINCIPAL and KEYTAB",
            "ALEXNET_PRINCIPAL and ALEXNET_KEYTAB",
            "kinit")) {
      assertTrue(run.err().contains(advice), advice + " in " + run.err());
    }
    assertTrue(!run.err().contains("\tat ") && !run.err().contains("Exception"), run.err());
  }

  @Test
  void aClusterThatWantsKerberosIsNamedWithHowToLogIn() {
    // As Hadoop's RPC client reports a connection without ticket or token (NetUtils keeps the
    // type).
    Exception noTicket =
        NetUtils.wrapException(
            "nn.example.com",
            8020,
            "edge.example.com",
            0,
            new AccessControlException("Client cannot authenticate via:[TOKEN, KERBEROS]"));
    CommandRun run =
        failWith(
            noTicket, "--data", "file:///tmp/x", "--output", "hdfs://nn.example.com:8020/runs/r1");
    assertKerberosAdvice(run, "hdfs://nn.example.com:8020/runs/r1");
    assertTrue(
        run.err()
            .contains(
                "no valid Kerberos credentials (Client cannot authenticate via:[TOKEN, KERBEROS])"),
        run.err());

    // An expired or missing ticket seen by the GSS layer, wrapped in an I/O error.
    Exception gss =
        new IOException(
            "DestHost:destPort nn.example.com:8020 , LocalHost:localPort edge/10.0.0.1:0. Failed on local exception: javax.security.sasl.SaslException: GSS initiate failed",
            new SaslException(
                "GSS initiate failed",
                new GSSException(GSSException.NO_CRED, -1, "Failed to find any Kerberos tgt")));
    run =
        failWith(
            gss, "--data", "hdfs://other:8020/d", "--output", "hdfs://nn.example.com:8020/runs/r1");
    assertKerberosAdvice(run, "hdfs://nn.example.com:8020/runs/r1");
    assertTrue(run.err().contains("Failed to find any Kerberos tgt"), run.err());

    // This side is not configured for Kerberos at all: the server's refusal, as RemoteException.
    Exception simple =
        new RemoteException(
            AccessControlException.class.getName(),
            "SIMPLE authentication is not enabled.  Available:[TOKEN, KERBEROS]");
    run = failWith(simple, "--data", "hdfs://nn.example.com:8020/d");
    assertKerberosAdvice(run, "hdfs://nn.example.com:8020/d");
    assertTrue(run.err().contains("hadoop.security.authentication=simple"), run.err());
    assertTrue(run.err().contains("HADOOP_CONF_DIR"), run.err());
  }

  @Test
  void permissionDeniedIsNotMistakenForMissingCredentials() {
    Exception denied =
        new AccessControlException(
            "Permission denied: user=alice, access=WRITE, inode=\"/runs\":hdfs:supergroup:drwxr-xr-x");
    CommandRun run = failWith(denied, "--output", "hdfs://nn.example.com:8020/runs/r1");
    assertEquals(1, run.exitCode());
    assertTrue(run.err().contains("Permission denied: user=alice"), run.err());
    assertTrue(!run.err().contains("Kerberos"), run.err());
  }

  @Test
  void aPrincipalWithoutKeytabIsRefusedAsConfiguration() {
    System.setProperty("spark.kerberos.principal", "alice@EXAMPLE.COM");
    try {
      CommandRun run =
          CommandRun.of(
              "models", "list", "--registry", "file:///nonexistent-registry", "--name", "m");
      assertEquals(2, run.exitCode(), run.err());
      assertTrue(
          run.err().contains("'spark.kerberos.principal' and 'spark.kerberos.keytab' go together"),
          run.err());
    } finally {
      System.clearProperty("spark.kerberos.principal");
    }
  }
}

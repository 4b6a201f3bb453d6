package org.alexnetspark.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Kerberised HDFS for tests: a real KDC (MiniKdc) and a MiniDFSCluster with Kerberos RPC, block
 * access tokens, SASL data transfer and HTTPS, in a child JVM ({@link SecureHdfsServer}), so that
 * the JVM-wide Hadoop login of this JVM (and of every other test in it) is never touched: the
 * clients are the commands under test, each in a process of its own, with the credentials they are
 * given and no others. Started by the first test class that registers it, stopped when the run
 * ends.
 *
 * <p>What a user of a secured cluster has, the tests have too: {@link #clientConfiguration()} (a
 * HADOOP_CONF_DIR with core-site.xml and hdfs-site.xml), {@link #krb5Conf()}, a user principal
 * {@link #principal()} with its {@link #keytab()}, and a home folder {@code /user/alice} it owns.
 */
public final class SecureHdfs implements BeforeAllCallback {
  private static final String KEY = SecureHdfs.class.getName();
  private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

  private Server server;

  @Override
  public void beforeAll(ExtensionContext context) {
    server =
        context
            .getRoot()
            .getStore(ExtensionContext.Namespace.GLOBAL)
            .getOrComputeIfAbsent(KEY, key -> Server.start(), Server.class);
  }

  /** {@code hdfs://localhost:port} + {@code path}. */
  public URI uri(String path) {
    return URI.create(server.ready.getProperty("namenode") + path);
  }

  /** The user principal, {@code alice@EXAMPLE.COM}. */
  public String principal() {
    return server.ready.getProperty("principal");
  }

  /** The user principal's keytab. */
  public Path keytab() {
    return Paths.get(server.ready.getProperty("keytab"));
  }

  /** The KDC's krb5.conf (realm, KDC address). */
  public Path krb5Conf() {
    return Paths.get(server.ready.getProperty("krb5.conf"));
  }

  /** A client configuration folder: {@code fs.defaultFS}, Kerberos, the name node's principal. */
  public Path clientConfiguration() {
    return Paths.get(server.ready.getProperty("client.conf"));
  }

  /**
   * Copies the HDFS tree at {@code path} to {@code local} as the HDFS superuser, and returns the
   * listing of what was copied: one line per file or folder, "path owner mode size".
   */
  public List<String> export(String path, Path local) throws IOException {
    return server.export(path, local);
  }

  static final class Server implements ExtensionContext.Store.CloseableResource {
    private final Process process;
    private final Writer commands;
    private final Path work;
    private final Properties ready;
    private int exports;

    private Server(Process process, Path work, Properties ready) {
      this.process = process;
      this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      this.work = work;
      this.ready = ready;
    }

    static Server start() {
      try {
        Path work =
            Paths.get("target", "secure-hdfs", "run-" + ProcessHandle.current().pid())
                .toAbsolutePath();
        deleteTree(work);
        // On the server's classpath before it starts (a folder missing at start-up is ignored):
        // Hadoop reads ssl-server.xml and ssl-client.xml as resources.
        Path ssl = Files.createDirectories(work.resolve("ssl"));
        Path log = work.resolve("server.log");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process process =
            new ProcessBuilder(
                    java,
                    "-Xmx1g",
                    "-cp",
                    ssl + File.pathSeparator + System.getProperty("java.class.path"),
                    SecureHdfsServer.class.getName(),
                    work.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Path readyFile = work.resolve("ready.properties");
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!Files.exists(readyFile)) {
          if (!process.isAlive() || Instant.now().isAfter(deadline)) {
            process.destroyForcibly();
            throw new IllegalStateException(
                "the secured HDFS did not start (see " + log + "):\n" + tail(log, 40));
          }
          Thread.sleep(200);
        }
        Properties ready = new Properties();
        try (var in = Files.newBufferedReader(readyFile, StandardCharsets.UTF_8)) {
          ready.load(in);
        }
        return new Server(process, work, ready);
      } catch (IOException e) {
        throw new UncheckedIOException("could not start the secured HDFS", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    synchronized List<String> export(String path, Path local) throws IOException {
      Path done = work.resolve("export-" + (++exports) + ".done");
      commands.write("export " + path + " " + local.toAbsolutePath() + " " + done + "\n");
      commands.flush();
      Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
      try {
        while (!Files.exists(done)) {
          if (!process.isAlive() || Instant.now().isAfter(deadline)) {
            throw new IOException(
                "the secured HDFS did not export "
                    + path
                    + ":\n"
                    + tail(work.resolve("server.log"), 40));
          }
          Thread.sleep(100);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      String answer = Files.readString(done);
      if (!answer.equals("ok")) {
        throw new IOException("exporting " + path + ": " + answer);
      }
      return Files.readAllLines(
          local.toAbsolutePath().resolveSibling(local.getFileName() + ".listing"));
    }

    @Override
    public void close() throws Exception {
      try {
        commands.write("stop\n");
        commands.close();
      } catch (IOException e) {
        // already gone
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }

    private static String tail(Path log, int lines) {
      try {
        List<String> all = Files.readAllLines(log);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }

    private static void deleteTree(Path root) throws IOException {
      if (!Files.exists(root)) {
        return;
      }
      try (var paths = Files.walk(root)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}

package org.alexnetspark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.security.auth.kerberos.KerberosKey;
import javax.security.auth.kerberos.KerberosPrincipal;
import javax.security.auth.kerberos.KeyTab;
import org.alexnetspark.testing.FashionMnist;
import org.alexnetspark.testing.SecureHdfs;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The commands on a Kerberised HDFS (a real KDC and a secured MiniDFSCluster, {@link SecureHdfs}),
 * run as users run them: {@code jobs/local/alexnet} from the packaged build, one process per
 * command, with the cluster's client configuration in {@code HADOOP_CONF_DIR}, local Spark, and
 * either a keytab ({@code ALEXNET_PRINCIPAL}, {@code ALEXNET_KEYTAB}) or no credentials at all (no
 * ticket cache either: {@code KRB5CCNAME} names a file that does not exist).
 *
 * <ol>
 *   <li>Without credentials, prepare, stats, train and retrain end with exit code 1 and one line
 *       naming the refused location, that the cluster requires Kerberos and how to log in; no stack
 *       trace reaches the console, and nothing is written. A client whose configuration does not
 *       say Kerberos is told so.
 *   <li>With a keytab, the same commands prepare a few hundred Fashion-MNIST images, compute their
 *       statistics, train a small network and retrain it into a registry, all on the secured HDFS,
 *       and every file they write there belongs to the principal.
 *   <li>Under {@code spark-submit --principal --keytab} (local master, client mode), spark-submit
 *       logs in itself; evaluate keeps that login and reads and writes the secured HDFS.
 *   <li>No credential material leaks: the keytab's keys (raw, hex and base64) and the keytab file
 *       itself (hex and base64) appear in no log, no written artifact and no logged configuration;
 *       the keytab's path (not a secret: it says where the file is, and logs name it) appears in no
 *       artifact; no ticket cache is written.
 * </ol>
 */
@Timeout(value = 40, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KerberosIT {
  @RegisterExtension static final SecureHdfs HDFS = new SecureHdfs();

  private static final Path WORK = Paths.get("target", "kerberos-it").toAbsolutePath();
  private static final Path LOGS = WORK.resolve("logs");
  private static final Path NO_TICKET_CACHE = WORK.resolve("no-ticket-cache");
  private static final String HOME = "/user/alice";
  private static final String SMALL = "src/test/resources/conf/train-small.conf";
  private static final List<Path> CAPTURED = new ArrayList<>();
  private static int runs;
  private static Path images;
  private static Path logConfig;

  private record Run(int exitCode, String out, String err) {
    String lastErrLine() {
      List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
      return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
  }

  private enum Credentials {
    KEYTAB,
    NONE,
    NO_CLIENT_CONFIGURATION
  }

  @BeforeAll
  static void images() throws IOException {
    Files.createDirectories(LOGS);
    images = WORK.resolve("fashion-mnist");
    if (!Files.isDirectory(images.resolve("val"))) {
      FashionMnist.tree(new Configuration(), images.toUri(), "train", 30);
      FashionMnist.tree(new Configuration(), images.toUri(), "val", 10);
    }
    // Everything at INFO, Hadoop's security classes and the project at DEBUG: more to search.
    logConfig = WORK.resolve("log4j2-verbose.properties");
    Files.writeString(
        logConfig,
        String.join(
            "\n",
            "status = warn",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.target = SYSTEM_ERR",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = %d{HH:mm:ss} %-5p %c{1}: %m%n",
            "rootLogger.level = info",
            "rootLogger.appenderRef.console.ref = console",
            "logger.security.name = org.apache.hadoop.security",
            "logger.security.level = debug",
            "logger.alexnet.name = org.alexnetspark",
            "logger.alexnet.level = debug",
            ""));
  }

  private static String hdfs(String path) {
    return HDFS.uri(HOME + path).toString();
  }

  /** {@code jobs/local/alexnet ARGS} as a user on the secured cluster runs it. */
  private static Run alexnet(Credentials credentials, boolean verboseLogs, String... args)
      throws Exception {
    ProcessBuilder process = new ProcessBuilder();
    List<String> command =
        new ArrayList<>(List.of(Paths.get("jobs", "local", "alexnet").toAbsolutePath().toString()));
    command.addAll(List.of(args));
    process.command(command);
    Map<String, String> env = process.environment();
    for (String inherited :
        List.of(
            "ALEXNET_PRINCIPAL",
            "ALEXNET_KEYTAB",
            "HADOOP_CONF_DIR",
            "JAVA_OPTS",
            "ALEXNET_LOG_CONFIG",
            "KRB5_CONFIG",
            "KRB5CCNAME")) {
      env.remove(inherited);
    }
    env.put("ALEXNET_HEAP", "2g");
    env.put("KRB5_CONFIG", HDFS.krb5Conf().toString());
    env.put("KRB5CCNAME", "FILE:" + NO_TICKET_CACHE);
    env.put(
        "JAVA_OPTS",
        "-Dspark.local.dir="
            + WORK.resolve("spark-local")
            + (verboseLogs ? " -Dspark.logConf=true" : ""));
    if (credentials != Credentials.NO_CLIENT_CONFIGURATION) {
      env.put("HADOOP_CONF_DIR", HDFS.clientConfiguration().toString());
    }
    if (credentials == Credentials.KEYTAB) {
      env.put("ALEXNET_PRINCIPAL", HDFS.principal());
      env.put("ALEXNET_KEYTAB", HDFS.keytab().toString());
    }
    if (verboseLogs) {
      env.put("ALEXNET_LOG_CONFIG", logConfig.toString());
    }
    String name =
        String.format(
            Locale.ROOT,
            "%02d-%s-%s",
            ++runs,
            args[0],
            credentials.name().toLowerCase(Locale.ROOT));
    Path out = LOGS.resolve(name + ".out");
    Path err = LOGS.resolve(name + ".err");
    process
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    Process started = process.start();
    started.getOutputStream().close();
    if (!started.waitFor(20, TimeUnit.MINUTES)) {
      started.destroyForcibly();
      throw new AssertionError(String.join(" ", args) + " did not finish; see " + err);
    }
    CAPTURED.add(out);
    CAPTURED.add(err);
    return new Run(started.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static void assertRefused(Run run, String command, String location) {
    assertEquals(1, run.exitCode(), run.err());
    String line = run.lastErrLine();
    assertTrue(
        line.startsWith(
            command + ": " + location + " refused access: the cluster requires " + "Kerberos"),
        line);
    for (String advice :
        List.of(
            "spark-submit --principal P --keytab K",
            "jobs/yarn: PRINCIPAL and KEYTAB",
            "jobs/local: ALEXNET_PRINCIPAL and ALEXNET_KEYTAB",
            "kinit")) {
      assertTrue(line.contains(advice), advice + " in: " + line);
    }
    assertFalse(run.err().contains("\tat "), "no stack trace on the console:\n" + run.err());
    assertEquals("", run.out());
  }

  @Test
  @Order(1)
  void withoutCredentialsEveryCommandIsRefusedInOneLine() throws Exception {
    Run prepare =
        alexnet(
            Credentials.NONE,
            false,
            "prepare",
            "--input",
            images.toString(),
            "--split",
            "train",
            "--output",
            hdfs("/train"));
    assertRefused(prepare, "prepare", hdfs("/train"));
    assertTrue(
        prepare
            .lastErrLine()
            .contains(
                "no valid Kerberos credentials (Client cannot "
                    + "authenticate via:[TOKEN, KERBEROS])"),
        prepare.lastErrLine());

    assertRefused(
        alexnet(Credentials.NONE, false, "stats", "--data", hdfs("/train")),
        "stats",
        hdfs("/train"));
    assertRefused(
        alexnet(
            Credentials.NONE,
            false,
            "train",
            "--conf",
            SMALL,
            "--data",
            hdfs("/train"),
            "--val",
            hdfs("/val"),
            "--output",
            hdfs("/runs/refused")),
        "train",
        hdfs("/train"));
    assertRefused(
        alexnet(
            Credentials.NONE,
            false,
            "retrain",
            "--conf",
            SMALL,
            "--registry",
            hdfs("/registry"),
            "--name",
            "fashion",
            "--data",
            hdfs("/train"),
            "--val",
            hdfs("/val"),
            "--held-out",
            hdfs("/heldout"),
            "--output",
            hdfs("/retrain")),
        "retrain",
        hdfs("/registry"));

    // A client configured for simple authentication is refused by the name node itself.
    Run simple =
        alexnet(Credentials.NO_CLIENT_CONFIGURATION, false, "stats", "--data", hdfs("/train"));
    assertRefused(simple, "stats", hdfs("/train"));
    assertTrue(
        simple.lastErrLine().contains("says hadoop.security.authentication=simple"),
        simple.lastErrLine());

    List<String> listing = HDFS.export(HOME, WORK.resolve("refused"));
    assertEquals(1, listing.size(), "nothing written:\n" + listing);
  }

  @Test
  @Order(2)
  void withAKeytabPrepareStatsTrainAndRetrainRunOnTheSecuredHdfs() throws Exception {
    Run train =
        alexnet(
            Credentials.KEYTAB,
            true,
            "prepare",
            "--verbose",
            "--input",
            images.toString(),
            "--split",
            "train",
            "--output",
            hdfs("/train"),
            "--conf",
            SMALL,
            "--set",
            "data.shard-bytes=1m");
    assertEquals(0, train.exitCode(), train.err());
    assertTrue(train.out().contains("prepared 300 images of 10 classes"), train.out());
    assertTrue(
        train
            .err()
            .contains(
                "logged in to Kerberos as "
                    + HDFS.principal()
                    + " from the keytab "
                    + HDFS.keytab()),
        train.err());

    Run val =
        alexnet(
            Credentials.KEYTAB,
            true,
            "prepare",
            "--input",
            images.toString(),
            "--split",
            "val",
            "--label-map-from",
            hdfs("/train"),
            "--output",
            hdfs("/val"),
            "--conf",
            SMALL,
            "--set",
            "data.shard-bytes=1m");
    assertEquals(0, val.exitCode(), val.err());
    assertTrue(val.out().contains("prepared 100 images of 10 classes"), val.out());

    Run stats =
        alexnet(Credentials.KEYTAB, true, "stats", "--data", hdfs("/train"), "--conf", SMALL);
    assertEquals(0, stats.exitCode(), stats.err());
    assertTrue(stats.out().contains("images: 300"), stats.out());

    Run fit =
        alexnet(
            Credentials.KEYTAB,
            true,
            "train",
            "--verbose",
            "--conf",
            SMALL,
            "--set",
            "train.epochs=1",
            "--data",
            hdfs("/train"),
            "--val",
            hdfs("/val"),
            "--output",
            hdfs("/runs/r1"));
    assertEquals(0, fit.exitCode(), fit.err());
    assertTrue(fit.out().contains("epoch 1: validation top-1"), fit.out());

    // A held-out set apart from the validation set (another manifest), as retrain requires.
    Run heldOut =
        alexnet(
            Credentials.KEYTAB,
            true,
            "prepare",
            "--input",
            images.toString(),
            "--split",
            "val",
            "--label-map-from",
            hdfs("/train"),
            "--output",
            hdfs("/heldout"),
            "--conf",
            SMALL,
            "--set",
            "data.jpeg-quality=90");
    assertEquals(0, heldOut.exitCode(), heldOut.err());

    Run retrain =
        alexnet(
            Credentials.KEYTAB,
            true,
            "retrain",
            "--conf",
            SMALL,
            "--set",
            "train.epochs=1",
            "--registry",
            hdfs("/registry"),
            "--name",
            "fashion",
            "--data",
            hdfs("/train"),
            "--val",
            hdfs("/val"),
            "--held-out",
            hdfs("/heldout"),
            "--output",
            hdfs("/retrain"));
    assertEquals(0, retrain.exitCode(), retrain.err());
    assertTrue(retrain.out().contains("v0001 promoted to current"), retrain.out());

    Path exported = WORK.resolve("exported");
    List<String> listing = HDFS.export(HOME, exported);
    for (String file :
        List.of(
            "train/manifest.json",
            "val/manifest.json",
            "train/stats.json",
            "train/mean-image.npy",
            "runs/r1/metrics.jsonl",
            "runs/r1/model/model.json",
            "runs/r1/model/alexnet.conf",
            "runs/r1/model/model.zip",
            "registry/fashion/v0001/registry.json")) {
      assertTrue(
          Files.isRegularFile(exported.resolve(file)), file + " in\n" + String.join("\n", listing));
    }
    try (Stream<Path> runFolders = Files.list(exported.resolve("retrain/runs"))) {
      Path run = runFolders.findFirst().orElseThrow();
      assertTrue(Files.isRegularFile(run.resolve("run.json")), run.toString());
      assertTrue(Files.isRegularFile(run.resolve("finished.json")), run.toString());
    }
    for (String entry : listing) {
      assertEquals("alice", entry.split(" ")[1], "written as the principal: " + entry);
    }
  }

  /**
   * Under spark-submit with --principal and --keytab, spark-submit logs in itself (client mode, as
   * on YARN); the command finds that login in place and keeps it rather than logging in again.
   */
  @Test
  @Order(3)
  void underSparkSubmitItsOwnLoginIsKept() throws Exception {
    Path jar;
    try (Stream<Path> jars = Files.list(Paths.get("target"))) {
      jar =
          jars.filter(
                  p -> p.getFileName().toString().matches("alexnet-spark-[^-]+(-SNAPSHOT)?\\.jar"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("package the project first"));
    }
    String opens = Files.readString(Paths.get("target", "jvm.options")).strip();
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx2g");
    command.addAll(List.of(opens.split("\\s+")));
    command.addAll(
        List.of(
            "-Djava.security.krb5.conf=" + HDFS.krb5Conf(),
            "-Dlog4j2.configurationFile=" + logConfig,
            "-cp",
            HDFS.clientConfiguration()
                + File.pathSeparator
                + Paths.get("target", "lib").toAbsolutePath()
                + "/*",
            "org.apache.spark.deploy.SparkSubmit",
            "--master",
            "local[2]",
            "--principal",
            HDFS.principal(),
            "--keytab",
            HDFS.keytab().toString(),
            "--conf",
            "spark.local.dir=" + WORK.resolve("spark-local"),
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            "spark.ui.enabled=false",
            "--class",
            AlexNetCommand.class.getName(),
            jar.toAbsolutePath().toString(),
            "evaluate",
            "--conf",
            SMALL,
            "--model",
            hdfs("/registry/fashion/v0001"),
            "--data",
            hdfs("/val"),
            "--output",
            hdfs("/evaluated")));
    ProcessBuilder process = new ProcessBuilder(command);
    process.environment().put("KRB5CCNAME", "FILE:" + NO_TICKET_CACHE);
    process.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Path out = LOGS.resolve(String.format(Locale.ROOT, "%02d-spark-submit-evaluate.out", ++runs));
    Path err = LOGS.resolve(String.format(Locale.ROOT, "%02d-spark-submit-evaluate.err", runs));
    Process started = process.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    started.getOutputStream().close();
    assertTrue(started.waitFor(15, TimeUnit.MINUTES), "spark-submit finished");
    CAPTURED.add(out);
    CAPTURED.add(err);
    String log = Files.readString(err);
    assertEquals(0, started.exitValue(), log);
    assertTrue(Files.readString(out).contains("100 images"), Files.readString(out));
    assertTrue(
        log.contains("Login successful for user " + HDFS.principal()), "spark-submit logged in");
    assertTrue(log.contains("already logged in as " + HDFS.principal() + " from a keytab"), log);
    assertFalse(log.contains("logged in to Kerberos as"), "no second login");
    List<String> listing = HDFS.export(HOME + "/evaluated", WORK.resolve("evaluated"));
    assertTrue(
        listing.stream().anyMatch(l -> l.startsWith(HOME + "/evaluated/eval.json alice ")),
        String.join("\n", listing));
  }

  @Test
  @Order(4)
  void noCredentialMaterialInLogsArtifactsOrConfiguration() throws Exception {
    Path exported = WORK.resolve("exported");
    assertTrue(Files.isDirectory(exported), "the keytab runs come first");
    HDFS.export(HOME, exported.resolveSibling("exported-last")); // with what spark-submit wrote
    exported = exported.resolveSibling("exported-last");
    byte[] keytabFile = Files.readAllBytes(HDFS.keytab());
    Map<String, byte[]> secrets = new LinkedHashMap<>();
    KerberosKey[] keys =
        KeyTab.getInstance(HDFS.keytab().toFile()).getKeys(new KerberosPrincipal(HDFS.principal()));
    assertTrue(keys.length > 0, "the keytab holds the principal's keys");
    for (KerberosKey key : keys) {
      assertTrue(contains(keytabFile, key.getEncoded()), "the search finds a key where it is");
    }
    for (KerberosKey key : keys) {
      byte[] raw = key.getEncoded();
      String type = "key type " + key.getKeyType();
      secrets.put(type + " (raw)", raw);
      secrets.put(
          type + " (hex)", HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII));
      secrets.put(
          type + " (HEX)",
          HexFormat.of().withUpperCase().formatHex(raw).getBytes(StandardCharsets.US_ASCII));
      secrets.put(
          type + " (base64)",
          Base64.getEncoder().encodeToString(raw).getBytes(StandardCharsets.US_ASCII));
    }
    secrets.put(
        "keytab file (hex)",
        HexFormat.of().formatHex(keytabFile).getBytes(StandardCharsets.US_ASCII));
    secrets.put(
        "keytab file (base64)",
        Base64.getEncoder().encodeToString(keytabFile).getBytes(StandardCharsets.US_ASCII));

    List<Path> artifacts;
    try (Stream<Path> files = Files.walk(exported)) {
      artifacts = files.filter(Files::isRegularFile).toList();
    }
    List<Path> searched = new ArrayList<>(CAPTURED);
    searched.addAll(artifacts);
    assertTrue(artifacts.size() > 20, "artifacts: " + artifacts);
    String logs = String.join("\n", CAPTURED.stream().map(KerberosIT::read).toList());
    assertTrue(logs.contains("effective configuration"), "the effective configuration was logged");
    assertTrue(logs.contains("Spark configuration"), "Spark's configuration was logged");
    for (Path file : searched) {
      byte[] content = Files.readAllBytes(file);
      for (Map.Entry<String, byte[]> secret : secrets.entrySet()) {
        assertFalse(contains(content, secret.getValue()), secret.getKey() + " found in " + file);
      }
    }
    byte[] keytabPath = HDFS.keytab().toString().getBytes(StandardCharsets.UTF_8);
    for (Path file : artifacts) {
      assertFalse(
          contains(Files.readAllBytes(file), keytabPath), "keytab path in artifact " + file);
    }
    assertFalse(Files.exists(NO_TICKET_CACHE), "no ticket cache written");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}

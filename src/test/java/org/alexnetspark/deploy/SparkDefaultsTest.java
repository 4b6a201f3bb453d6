package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.internal.config.ConfigEntry$;
import org.apache.spark.internal.config.Kryo$;
import org.apache.spark.internal.config.Network$;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.serializer.KryoRegistrator;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * conf/spark-defaults.conf, the Spark properties of every cluster job: the keys exist, the named
 * classes exist, and the memory settings add up for the paper's network.
 */
class SparkDefaultsTest {
  /**
   * Parameters and momentum of the paper's network, as float32: one worker result or partial sum.
   */
  private static final long PARAMETERS_AND_MOMENTUM = 60_965_224L * 4 * 2;

  /**
   * YARN's keys live in Spark's YARN module, which is not on this classpath: the ones used here.
   */
  private static final Set<String> YARN_KEYS =
      Set.of(
          "spark.yarn.maxAppAttempts",
          "spark.yarn.am.attemptFailuresValidityInterval",
          "spark.yarn.appMasterEnv.GLIBC_TUNABLES");

  /** Prefixes of Spark's keys that carry a name of their own (environment variables). */
  private static final List<String> NAMED_KEY_PREFIXES =
      List.of("spark.executorEnv.", "spark.kubernetes.driverEnv.");

  @Test
  void everyKeyIsOneSparkKnows() throws IOException {
    // Spark registers its configuration entries when the objects that declare them are loaded.
    assertNotNull(org.apache.spark.internal.config.package$.MODULE$);
    assertNotNull(Kryo$.MODULE$);
    assertNotNull(Network$.MODULE$);
    for (String key : Project.sparkDefaults().stringPropertyNames()) {
      if (key.startsWith("spark.yarn.")) {
        assertTrue(YARN_KEYS.contains(key), key + " is not one of the YARN keys this test knows");
      } else if (NAMED_KEY_PREFIXES.stream().anyMatch(key::startsWith)) {
        String variable = key.substring(key.lastIndexOf('.') + 1);
        assertTrue(
            variable.matches("[A-Z_][A-Z0-9_]*"),
            key + " names an environment variable (upper case, digits, underscores)");
      } else {
        assertNotNull(
            ConfigEntry$.MODULE$.findEntry(key), key + " is not a Spark configuration key");
      }
    }
  }

  @Test
  void kryoWithTheProjectsRegistratorAndABufferForAWholeWorkerResult() throws Exception {
    Properties spark = Project.sparkDefaults();
    assertEquals(
        "org.apache.spark.serializer.KryoSerializer", spark.getProperty("spark.serializer"));
    Class<?> registrator = Class.forName(spark.getProperty("spark.kryo.registrator"));
    assertTrue(
        KryoRegistrator.class.isAssignableFrom(registrator), registrator + " is a KryoRegistrator");
    long buffer = bytes(spark, "spark.kryoserializer.buffer.max");
    assertTrue(buffer >= PARAMETERS_AND_MOMENTUM, "Kryo's buffer holds one worker's result");
    assertTrue(buffer < 2048L << 20, "Spark refuses a Kryo buffer of 2048m or more");
  }

  @Test
  void jvmOptionsCarryTheJava17OpensOfThePomAndJavaCppsSettings() throws IOException {
    Properties spark = Project.sparkDefaults();
    String opens = Project.words(Project.pomProperty("spark.java17.opens"));
    for (String role : new String[] {"driver", "executor"}) {
      String options = Project.words(spark.getProperty("spark." + role + ".extraJavaOptions", ""));
      assertTrue(
          options.startsWith(opens + " "),
          role + " options begin with pom.xml's spark.java17.opens");
      for (String property : new String[] {"cachedir", "maxbytes", "maxphysicalbytes"}) {
        assertNotNull(
            javaCpp(options, property), role + " options set org.bytedeco.javacpp." + property);
      }
    }
  }

  @Test
  void everyJvmGetsThePomsMallocTunables() throws IOException {
    Properties spark = Project.sparkDefaults();
    String tunables = Project.pomProperty("native.malloc.tunables");
    assertEquals("glibc.malloc.hugetlb=1", tunables);
    for (String key :
        List.of(
            "spark.executorEnv.GLIBC_TUNABLES",
            "spark.yarn.appMasterEnv.GLIBC_TUNABLES",
            "spark.kubernetes.driverEnv.GLIBC_TUNABLES")) {
      assertEquals(tunables, spark.getProperty(key), key);
    }
    String launcher = Files.readString(Project.ROOT.resolve("jobs/local/alexnet"));
    assertTrue(
        launcher.contains("export GLIBC_TUNABLES=\"${GLIBC_TUNABLES-" + tunables + "}\""),
        "jobs/local/alexnet exports " + tunables + " unless GLIBC_TUNABLES is set");
  }

  @Test
  void javaCppLimitsFitInsideTheMemoryOverhead() throws IOException {
    Properties spark = Project.sparkDefaults();
    for (String role : new String[] {"driver", "executor"}) {
      long heap = bytes(spark, "spark." + role + ".memory");
      long overhead = bytes(spark, "spark." + role + ".memoryOverhead");
      String options = spark.getProperty("spark." + role + ".extraJavaOptions");
      // Parsed by JavaCPP itself, as the JVM will.
      long maxBytes = Pointer.parseBytes(javaCpp(options, "maxbytes"), heap);
      long maxPhysical = Pointer.parseBytes(javaCpp(options, "maxphysicalbytes"), heap);
      String where =
          role
              + " (heap "
              + heap
              + ", overhead "
              + overhead
              + ", maxbytes "
              + maxBytes
              + ", maxphysicalbytes "
              + maxPhysical
              + ")";
      assertTrue(
          maxBytes < overhead,
          where
              + ": tracked off-heap memory leaves room in the overhead "
              + "for what JavaCPP does not track");
      assertTrue(maxPhysical >= heap + maxBytes, where + ": the process may reach heap + maxbytes");
      assertTrue(
          maxPhysical < heap + overhead, where + ": JavaCPP fails before the container limit");
    }
  }

  @Test
  void theDriverTakesThePartialSumsOfAnAveragingRound() throws IOException {
    Properties spark = Project.sparkDefaults();
    long maxResult = bytes(spark, "spark.driver.maxResultSize");
    long heap = bytes(spark, "spark.driver.memory");
    // dl4j-spark averages with treeAggregate(depth 2): the driver receives one partial sum per
    // partition left after Spark's tree reduction.
    int most = 0;
    for (int workers = 1; workers <= 64; workers++) {
      most = Math.max(most, partialSumsAtTheDriver(workers, 2));
    }
    assertEquals(8, most);
    assertTrue(
        maxResult >= most * PARAMETERS_AND_MOMENTUM,
        "spark.driver.maxResultSize holds " + most + " partial sums of parameters and momentum");
    assertTrue(maxResult < heap, "the results fit in the driver's heap");
  }

  @Test
  void aFixedSetOfWorkersRetriesAndAnEventLog() throws IOException {
    Properties spark = Project.sparkDefaults();
    assertEquals("false", spark.getProperty("spark.dynamicAllocation.enabled"));
    assertEquals(
        1.0, Double.parseDouble(spark.getProperty("spark.scheduler.minRegisteredResourcesRatio")));
    assertTrue(
        JavaUtils.timeStringAsSec(
                spark.getProperty("spark.scheduler.maxRegisteredResourcesWaitingTime"))
            >= 60);
    assertTrue(Integer.parseInt(spark.getProperty("spark.task.maxFailures")) >= 2);
    assertTrue(Integer.parseInt(spark.getProperty("spark.yarn.maxAppAttempts")) >= 2);
    assertEquals("true", spark.getProperty("spark.eventLog.enabled"));
    assertNotNull(spark.getProperty("spark.eventLog.dir"));
  }

  @Test
  void connectionsAreAuthenticatedAndEncryptedWithASecretThatIsNotInTheFile() throws IOException {
    Properties spark = Project.sparkDefaults();
    for (String key :
        List.of(
            "spark.authenticate", "spark.network.crypto.enabled", "spark.io.encryption.enabled")) {
      assertEquals("true", spark.getProperty(key), key);
    }
    // YARN and local mode make a secret per application, Kubernetes mounts one: a secret written
    // here would be shared by every job and readable by whoever reads the file.
    for (String key : spark.stringPropertyNames()) {
      assertFalse(key.startsWith("spark.authenticate.secret"), key + " is not set here");
    }
  }

  @Test
  void log4jConfigurationIsShippedBesideTheProperties() throws IOException {
    Properties log4j = new Properties();
    try (var reader = Files.newBufferedReader(Project.LOG4J)) {
      log4j.load(reader);
    }
    Map<String, String> expected =
        Map.of(
            "logger.alexnet.name",
            "org.alexnetspark",
            "logger.alexnet.level",
            "info",
            "rootLogger.appenderRef.console.ref",
            "console");
    expected.forEach((key, value) -> assertEquals(value, log4j.getProperty(key), key));
  }

  /** Spark's RDD.treeAggregate: how many partial results reach the driver. */
  static int partialSumsAtTheDriver(int partitions, int depth) {
    int scale = Math.max((int) Math.ceil(Math.pow(partitions, 1.0 / depth)), 2);
    int remaining = partitions;
    while (remaining > scale + (int) Math.ceil((double) remaining / scale)) {
      remaining /= scale;
    }
    return remaining;
  }

  private static long bytes(Properties spark, String key) {
    String value = spark.getProperty(key);
    assertNotNull(value, key + " is set");
    return JavaUtils.byteStringAsBytes(value);
  }

  private static String javaCpp(String options, String property) {
    Matcher matcher =
        Pattern.compile("-Dorg\\.bytedeco\\.javacpp\\." + property + "=(\\S+)").matcher(options);
    return matcher.find() ? matcher.group(1) : null;
  }
}

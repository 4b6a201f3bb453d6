package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Spark operator specs of jobs/kubernetes/: they validate against the operator's CRD schemas
 * (from ../shared/k8s; those tests skip, saying so, where the CRDs are absent), run existing (or
 * planned) subcommands with options they take from the jar the image holds, carry
 * conf/spark-defaults.conf, run as a non-root user without privileges, and request GPUs where the
 * stage trains or infers.
 */
class KubernetesSpecsTest {
  private static final String API_VERSION = "sparkoperator.k8s.io/v1beta2";
  private static final String SPARK_CONFIG_MAP = "alexnet-spark-conf";

  /** The Secret holding spark.authenticate's shared secret, and its key. */
  private static final String AUTH_SECRET = "alexnet-spark-auth";

  private static final String AUTH_SECRET_KEY = "secret";
  private static final Set<String> GPU_SUBCOMMANDS =
      Set.of("train", "evaluate", "predict", "features", "retrain");

  /** Every resource of jobs/kubernetes/, by file name. */
  private static final Map<String, JsonNode> RESOURCES = new LinkedHashMap<>();

  @BeforeAll
  static void load() throws IOException {
    YAMLMapper yaml = new YAMLMapper();
    try (Stream<Path> files = Files.list(Project.KUBERNETES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        RESOURCES.put(file.getFileName().toString(), yaml.readTree(file.toFile()));
      }
    }
  }

  @Test
  void everySpecValidatesAgainstTheOperatorsSchema() throws IOException {
    Path crds = crds();
    OperatorSchema application =
        OperatorSchema.load(crds.resolve("sparkoperator.k8s.io_sparkapplications.yaml"));
    OperatorSchema scheduled =
        OperatorSchema.load(crds.resolve("sparkoperator.k8s.io_scheduledsparkapplications.yaml"));
    int checked = 0;
    for (Map.Entry<String, JsonNode> resource : RESOURCES.entrySet()) {
      String kind = resource.getValue().path("kind").asText();
      OperatorSchema schema =
          switch (kind) {
            case "SparkApplication" -> application;
            case "ScheduledSparkApplication" -> scheduled;
            default -> null;
          };
      if (schema == null) {
        continue;
      }
      checked++;
      assertEquals(API_VERSION, resource.getValue().path("apiVersion").asText(), resource.getKey());
      assertEquals(Set.of(), schema.problems(resource.getValue()), resource.getKey());
    }
    assertTrue(checked >= 7, "all specs were checked");
  }

  @Test
  void theSchemaCheckFindsMisspeltMisplacedAndMistypedFields() throws IOException {
    OperatorSchema application =
        OperatorSchema.load(crds().resolve("sparkoperator.k8s.io_sparkapplications.yaml"));
    ObjectNode train = RESOURCES.get("train.yaml").deepCopy();
    ((ObjectNode) train.path("spec").path("executor")).putObject("gpus").put("quantity", 2);
    ((ObjectNode) train.path("spec").path("driver").path("securityContext"))
        .put("runAsNonroot", true);
    ((ObjectNode) train.path("spec").path("sparkConf")).put("spark.task.maxFailures", 4);
    ((ObjectNode) train.path("spec")).put("mainApplicationFiles", "local:///x.jar");
    Set<String> problems = application.problems(train);
    assertEquals(4, problems.size(), problems.toString());
    String all = problems.toString();
    for (String field :
        List.of("gpus", "runAsNonroot", "spark.task.maxFailures", "mainApplicationFiles")) {
      assertTrue(all.contains(field), field + " in " + all);
    }
  }

  @Test
  void everyStageHasASparkApplication() {
    Set<String> stages = new HashSet<>();
    for (Application app : applications()) {
      List<String> arguments = app.arguments();
      String split = CommandSurface.values(arguments, "--split").stream().findFirst().orElse("");
      stages.add((arguments.get(0) + " " + split).strip());
    }
    assertTrue(
        stages.containsAll(
            Set.of("prepare train", "prepare val", "stats", "train", "evaluate", "retrain")),
        stages.toString());
  }

  @Test
  void applicationsRunExistingCommandsFromTheJarOfTheirImage() throws Exception {
    String sparkVersion = Project.pomProperty("spark.version");
    Map<String, String> siteConfigMaps = siteConfigMaps();
    for (Application app : applications()) {
      JsonNode spec = app.spec();
      assertEquals(
          sparkVersion,
          spec.path("sparkVersion").asText(),
          app.where() + ": pom.xml's spark.version");
      assertEquals("Java", spec.path("type").asText(), app.where());
      assertEquals("cluster", spec.path("mode").asText(), app.where());
      assertDoesNotThrow(() -> Class.forName(spec.path("mainClass").asText()), app.where());
      String dockerfile = Files.readString(app.dockerfile());
      String jar = spec.path("mainApplicationFile").asText();
      assertTrue(jar.startsWith("local://"), app.where() + ": the jar is in the image");
      assertTrue(
          dockerfile.contains(" " + jar.substring("local://".length()) + "\n"),
          app.where() + ": " + app.dockerfile().getFileName() + " copies the jar to " + jar);
      CommandSurface.check(app.where(), app.arguments());
      // --conf files are mounted from the site ConfigMap.
      for (String conf : CommandSurface.values(app.arguments(), "--conf")) {
        assertTrue(
            mountedFrom(spec, conf, siteConfigMaps),
            app.where() + ": " + conf + " is a key of a mounted ConfigMap");
      }
    }
  }

  @Test
  void applicationsCarryTheSparkPropertiesOfConfSparkDefaults() throws IOException {
    Properties defaults = Project.sparkDefaults();
    for (Application app : applications()) {
      JsonNode spec = app.spec();
      assertEquals(SPARK_CONFIG_MAP, spec.path("sparkConfigMap").asText(), app.where());
      assertFalse(
          spec.path("hadoopConfigMap").asText().isEmpty(), app.where() + ": HDFS configuration");
      JsonNode sparkConf = spec.path("sparkConf");
      for (String key : defaults.stringPropertyNames()) {
        if (key.startsWith("spark.yarn.")) {
          continue;
        }
        assertTrue(
            sparkConf.has(key),
            app.where() + ": sparkConf lacks " + key + " of conf/spark-defaults.conf");
        assertEquals(
            Project.words(defaults.getProperty(key)),
            Project.words(sparkConf.path(key).asText()),
            app.where() + ": " + key + " differs from conf/spark-defaults.conf");
      }
      // The operator turns these fields into Spark properties after sparkConf: they must agree.
      agree(app, "driver", "cores", "spark.driver.cores");
      agree(app, "driver", "memory", "spark.driver.memory");
      agree(app, "driver", "memoryOverhead", "spark.driver.memoryOverhead");
      agree(app, "executor", "cores", "spark.executor.cores");
      agree(app, "executor", "memory", "spark.executor.memory");
      agree(app, "executor", "memoryOverhead", "spark.executor.memoryOverhead");
      assertTrue(
          spec.path("executor").path("instances").asInt() > 0,
          app.where() + ": a fixed executor count");
    }
  }

  @Test
  void driverAndExecutorsAuthenticateWithTheSameMountedSecret() throws IOException {
    for (Application app : applications()) {
      JsonNode sparkConf = app.spec().path("sparkConf");
      String file = sparkConf.path("spark.authenticate.secret.file").asText();
      assertTrue(file.startsWith("/"), app.where() + ": spark.authenticate.secret.file");
      // One file for both roles; a secret written in the spec would be readable by all.
      for (String key :
          List.of(
              "spark.authenticate.secret",
              "spark.authenticate.secret.driver.file",
              "spark.authenticate.secret.executor.file")) {
        assertTrue(sparkConf.path(key).isMissingNode(), app.where() + ": " + key + " is not set");
      }
      for (String role : List.of("driver", "executor")) {
        boolean mounted = false;
        for (JsonNode secret : app.spec().path(role).path("secrets")) {
          mounted |=
              secret.path("name").asText().equals(AUTH_SECRET)
                  && secret.path("secretType").asText().equals("Generic")
                  && file.equals(
                      secret.path("path").asText().replaceAll("/$", "") + "/" + AUTH_SECRET_KEY);
        }
        assertTrue(
            mounted,
            app.where() + ": the " + role + " mounts the Secret " + AUTH_SECRET + " at " + file);
      }
    }
    String configmaps = Files.readString(Project.KUBERNETES.resolve("configmaps"));
    assertTrue(
        configmaps.contains(
            "create secret generic " + AUTH_SECRET + " --from-file=" + AUTH_SECRET_KEY + "="),
        "jobs/kubernetes/configmaps makes the Secret, with the key the specs read");
  }

  @Test
  void podsRunAsANonRootUserWithoutPrivileges() {
    for (Application app : applications()) {
      for (String role : List.of("driver", "executor")) {
        JsonNode context = app.spec().path(role).path("securityContext");
        String where = app.where() + " " + role;
        assertEquals(185, context.path("runAsUser").asInt(), where);
        assertTrue(context.path("runAsNonRoot").asBoolean(), where);
        assertFalse(context.path("allowPrivilegeEscalation").asBoolean(true), where);
        assertEquals("[\"ALL\"]", context.path("capabilities").path("drop").toString(), where);
        assertEquals("RuntimeDefault", context.path("seccompProfile").path("type").asText(), where);
      }
    }
  }

  @Test
  void stagesThatTrainOrInferGetTwoGpusPerExecutorFromTheGpuImage() throws IOException {
    int executorCores =
        Integer.parseInt(Project.sparkDefaults().getProperty("spark.executor.cores"));
    String gpuDockerfile = Files.readString(Project.DOCKERFILE_GPU);
    int gpuStages = 0;
    for (Application app : applications()) {
      JsonNode spec = app.spec();
      JsonNode sparkConf = spec.path("sparkConf");
      boolean gpu = GPU_SUBCOMMANDS.contains(app.arguments().get(0));
      assertEquals(
          gpu,
          app.dockerfile().equals(Project.DOCKERFILE_GPU),
          app.where() + ": image " + spec.path("image"));
      if (!gpu) {
        assertTrue(
            spec.path("executor").path("gpu").isMissingNode()
                && spec.path("driver").path("gpu").isMissingNode(),
            app.where());
        sparkConf
            .fieldNames()
            .forEachRemaining(
                key -> assertFalse(key.contains(".resource.gpu."), app.where() + ": " + key));
        continue;
      }
      gpuStages++;
      // The driver only averages and checkpoints: it runs ND4J's CPU backend, which the CUDA build
      // carries too, and asks for no GPU.
      assertTrue(
          spec.path("driver").path("gpu").isMissingNode(), app.where() + ": a driver without GPU");
      assertTrue(sparkConf.path("spark.driver.resource.gpu.amount").isMissingNode(), app.where());
      for (String role : List.of("executor")) {
        JsonNode request = spec.path(role).path("gpu");
        String where = app.where() + " " + role;
        assertEquals("nvidia.com/gpu", request.path("name").asText(), where);
        assertEquals(role.equals("executor") ? 2 : 1, request.path("quantity").asInt(), where);
        String prefix = "spark." + role + ".resource.gpu.";
        assertEquals(
            request.path("quantity").asText(),
            sparkConf.path(prefix + "amount").asText(),
            where + ": Spark schedules what the pod gets");
        assertEquals("nvidia.com", sparkConf.path(prefix + "vendor").asText(), where);
        String script = sparkConf.path(prefix + "discoveryScript").asText();
        assertEquals("/opt/alexnet/conf/gpu-discovery.sh", script, where);
        assertTrue(
            gpuDockerfile.contains("COPY conf/ /opt/alexnet/conf/")
                && Files.isRegularFile(Project.GPU_DISCOVERY),
            where + ": the GPU image holds the discovery script");
        assertFalse(
            spec.path(role).path("nodeSelector").isEmpty(), where + ": placed on GPU nodes");
        assertFalse(
            spec.path(role).path("tolerations").isEmpty(),
            where + ": tolerates the GPU nodes' taint");
      }
      assertEquals("1", sparkConf.path("spark.task.resource.gpu.amount").asText(), app.where());
      assertEquals(
          executorCores,
          2 * sparkConf.path("spark.task.cpus").asInt(),
          app.where() + ": one task slot per GPU");
    }
    assertTrue(gpuStages >= 4, "train, evaluate, retrain and the nightly retraining");
  }

  @Test
  void trainContinuesFromItsCheckpointsWhenTheOperatorRestartsIt() {
    JsonNode train = RESOURCES.get("train.yaml").path("spec");
    assertEquals("OnFailure", train.path("restartPolicy").path("type").asText());
    assertTrue(train.path("restartPolicy").path("onFailureRetries").asInt() >= 1);
    List<String> arguments = new Application("train.yaml", train).arguments();
    assertEquals("train", arguments.get(0));
    assertTrue(
        arguments.contains("--resume"),
        "every submission resumes from the latest checkpoint, if any");
  }

  @Test
  void nightlyRetrainingNeverOverlapsAndKeepsSomeHistory() {
    JsonNode nightly = RESOURCES.get("retrain-nightly.yaml");
    assertEquals("ScheduledSparkApplication", nightly.path("kind").asText());
    JsonNode spec = nightly.path("spec");
    assertFalse(spec.path("schedule").asText().isBlank());
    assertEquals("Forbid", spec.path("concurrencyPolicy").asText());
    assertTrue(spec.path("successfulRunHistoryLimit").asInt() >= 1);
    assertTrue(spec.path("failedRunHistoryLimit").asInt() >= 1);
    List<String> arguments =
        new Application("retrain-nightly.yaml", spec.path("template")).arguments();
    assertEquals("retrain", arguments.get(0));
    assertEquals(
        1,
        CommandSurface.values(arguments, "--output").size(),
        "an --output root; retrain makes the run folder");
  }

  /** A SparkApplication spec (or the template of a scheduled one). */
  private record Application(String where, JsonNode spec) {
    List<String> arguments() {
      List<String> arguments = new ArrayList<>();
      spec.path("arguments").forEach(argument -> arguments.add(argument.asText()));
      assertFalse(arguments.isEmpty(), where + ": arguments");
      return arguments;
    }

    Path dockerfile() {
      String image = spec.path("image").asText();
      if (image.startsWith("alexnet-spark-gpu:")) {
        return Project.DOCKERFILE_GPU;
      }
      assertTrue(image.startsWith("alexnet-spark:"), where + ": an image of docker/, not " + image);
      return Project.DOCKERFILE;
    }
  }

  private static List<Application> applications() {
    List<Application> applications = new ArrayList<>();
    RESOURCES.forEach(
        (file, resource) -> {
          switch (resource.path("kind").asText()) {
            case "SparkApplication" ->
                applications.add(new Application(file, resource.path("spec")));
            case "ScheduledSparkApplication" ->
                applications.add(
                    new Application(file + " (template)", resource.path("spec").path("template")));
            default -> {}
          }
        });
    assertTrue(applications.size() >= 7, "found the specs: " + RESOURCES.keySet());
    return applications;
  }

  /** ConfigMaps defined in jobs/kubernetes/: name to the keys they hold, comma-separated. */
  private static Map<String, String> siteConfigMaps() {
    Map<String, String> maps = new LinkedHashMap<>();
    RESOURCES.values().stream()
        .filter(r -> r.path("kind").asText().equals("ConfigMap"))
        .forEach(
            map -> {
              List<String> keys = new ArrayList<>();
              map.path("data").fieldNames().forEachRemaining(keys::add);
              maps.put(map.path("metadata").path("name").asText(), String.join(",", keys));
            });
    return maps;
  }

  /** Whether the driver mounts {@code file} from a volume of one of these ConfigMaps. */
  private static boolean mountedFrom(JsonNode spec, String file, Map<String, String> configMaps) {
    for (JsonNode mount : spec.path("driver").path("volumeMounts")) {
      String folder = mount.path("mountPath").asText().replaceAll("/$", "") + "/";
      if (!file.startsWith(folder)) {
        continue;
      }
      for (JsonNode volume : spec.path("volumes")) {
        String map = volume.path("configMap").path("name").asText();
        if (volume.path("name").asText().equals(mount.path("name").asText())
            && configMaps.containsKey(map)) {
          return List.of(configMaps.get(map).split(",")).contains(file.substring(folder.length()));
        }
      }
    }
    return false;
  }

  private static void agree(Application app, String role, String field, String key) {
    JsonNode value = app.spec().path(role).path(field);
    JsonNode property = app.spec().path("sparkConf").path(key);
    if (!value.isMissingNode() && !property.isMissingNode()) {
      assertEquals(
          property.asText(),
          value.asText(),
          app.where() + ": " + role + "." + field + " and " + key);
    }
  }

  private static Path crds() {
    Path crds = Project.operatorCrds();
    Assumptions.assumeTrue(
        crds != null,
        "the Spark operator's CRDs are not at ../shared/k8s (or -Dalexnet.k8s.crds): "
            + "specs not validated against their schema");
    assertNotNull(crds);
    return crds;
  }
}

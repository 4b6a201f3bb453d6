package org.alexnetspark.deploy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.alexnetspark.spark.OperatorApplication;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The kustomizations of jobs/kubernetes/ (a base of the stages, components, and the overlays a
 * platform team applies), rendered with {@code kubectl kustomize} (tests skip, saying so, without
 * kubectl): every overlay renders; its Spark operator resources validate against the operator's CRD
 * schemas (from ../shared/k8s; those tests skip, saying so, where the CRDs are absent), use the
 * fully qualified images set once in components/site, run existing subcommands with options they
 * take from the jar the image holds, carry conf/spark-defaults.conf, authenticate with the mounted
 * Secret, run as a non-root user without privileges, request local disk, expose metrics, and
 * request GPUs (schedulable with only NVIDIA's device plugin) where the stage trains or infers.
 */
class KubernetesSpecsTest {
  private static final String API_VERSION = "sparkoperator.k8s.io/v1beta2";
  private static final String SPARK_CONFIG_MAP = "alexnet-spark-conf";

  /** The Secret holding spark.authenticate's shared secret, and its key. */
  private static final String AUTH_SECRET = "alexnet-spark-auth";

  private static final String AUTH_SECRET_KEY = "secret";
  private static final Set<String> GPU_SUBCOMMANDS =
      Set.of("train", "evaluate", "predict", "features", "retrain");

  /** The label of NVIDIA's GPU Feature Discovery, which the device plugin alone does not set. */
  private static final String GFD_LABEL = "nvidia.com/gpu.present";

  private static final Path OVERLAYS = Project.KUBERNETES.resolve("overlays");
  private static final Path SITE = Project.KUBERNETES.resolve("components/site/kustomization.yaml");
  private static final List<String> GPU_OVERLAYS = List.of("gpu", "kerberos", "nightly");

  /** Rendered overlays, by name. */
  private static final Map<String, List<JsonNode>> RENDERED = new HashMap<>();

  @Test
  void everyOverlayRendersAndIsTested() throws Exception {
    Set<String> overlays = new TreeSet<>();
    try (Stream<Path> folders = Files.list(OVERLAYS)) {
      folders.filter(Files::isDirectory).forEach(f -> overlays.add(f.getFileName().toString()));
    }
    assertEquals(
        new TreeSet<>(List.of("cpu", "gpu", "kerberos", "nightly")),
        overlays,
        "the overlays these tests know");
    for (String overlay : overlays) {
      assertFalse(rendered(overlay).isEmpty(), overlay + " renders nothing");
    }
    assertEquals(6, count(rendered("cpu"), "SparkApplication"), "cpu: the six stages");
    assertEquals(6, count(rendered("gpu"), "SparkApplication"), "gpu: the six stages");
    assertEquals(6, count(rendered("kerberos"), "SparkApplication"), "kerberos: the six stages");
    assertEquals(0, count(rendered("nightly"), "SparkApplication"), "nightly: only the schedule");
    assertEquals(1, count(rendered("nightly"), "ScheduledSparkApplication"), "nightly");
  }

  @Test
  void everySpecValidatesAgainstTheOperatorsSchema() throws Exception {
    Path crds = crds();
    OperatorSchema application =
        OperatorSchema.load(crds.resolve("sparkoperator.k8s.io_sparkapplications.yaml"));
    OperatorSchema scheduled =
        OperatorSchema.load(crds.resolve("sparkoperator.k8s.io_scheduledsparkapplications.yaml"));
    int checked = 0;
    for (String overlay : overlays()) {
      for (JsonNode resource : rendered(overlay)) {
        String kind = resource.path("kind").asText();
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
        String where = overlay + ": " + resource.path("metadata").path("name").asText();
        assertEquals(API_VERSION, resource.path("apiVersion").asText(), where);
        assertEquals(Set.of(), schema.problems(resource), where);
      }
    }
    assertEquals(19, checked, "6 + 6 + 6 + 1 specs were checked");
  }

  @Test
  void theSchemaCheckFindsMisspeltMisplacedAndMistypedFields() throws Exception {
    OperatorSchema application =
        OperatorSchema.load(crds().resolve("sparkoperator.k8s.io_sparkapplications.yaml"));
    ObjectNode train = named(rendered("gpu"), "alexnet-train").deepCopy();
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
  void imagesAreFullyQualifiedAndSetOnceForEveryOverlay() throws Exception {
    JsonNode site = new YAMLMapper().readTree(SITE.toFile());
    Map<String, String> images = new HashMap<>();
    for (JsonNode image : site.path("images")) {
      images.put(
          image.path("name").asText(),
          image.path("newName").asText() + ":" + image.path("newTag").asText());
    }
    assertEquals(Set.of("alexnet-spark", "alexnet-spark-gpu"), images.keySet(), SITE.toString());
    String namespace = site.path("namespace").asText();
    assertFalse(namespace.isBlank(), SITE + " sets the namespace");
    for (String overlay : overlays()) {
      for (JsonNode resource : rendered(overlay)) {
        assertEquals(
            namespace,
            resource.path("metadata").path("namespace").asText(),
            overlay + ": " + resource.path("metadata").path("name").asText());
      }
      for (Application app : applications(overlay)) {
        String image = app.spec().path("image").asText();
        String registry = image.substring(0, Math.max(0, image.indexOf('/')));
        assertTrue(
            registry.contains(".") || registry.contains(":") || registry.equals("localhost"),
            app.where() + ": " + image + " names no registry host (ErrImagePull on a cluster)");
        String name = image.substring(image.lastIndexOf('/') + 1, image.lastIndexOf(':'));
        assertEquals(images.get(name), image, app.where() + ": the image of " + SITE);
      }
    }
  }

  @Test
  void everyStageHasASparkApplication() throws Exception {
    for (String overlay : List.of("cpu", "gpu", "kerberos")) {
      Set<String> stages = new HashSet<>();
      for (Application app : applications(overlay)) {
        List<String> arguments = app.arguments();
        String split = CommandSurface.values(arguments, "--split").stream().findFirst().orElse("");
        stages.add((arguments.get(0) + " " + split).strip());
      }
      assertEquals(
          Set.of("prepare train", "prepare val", "stats", "train", "evaluate", "retrain"),
          stages,
          overlay);
    }
  }

  @Test
  void applicationsRunExistingCommandsFromTheJarOfTheirImage() throws Exception {
    String sparkVersion = Project.pomProperty("spark.version");
    for (String overlay : overlays()) {
      Map<String, String> siteConfigMaps = configMaps(overlay);
      for (Application app : applications(overlay)) {
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
            app.where() + ": " + app.dockerfile().getFileName() + " puts the jar at " + jar);
        CommandSurface.check(app.where(), app.arguments());
        // --conf files are mounted from the site ConfigMap, which the overlay carries.
        for (String conf : CommandSurface.values(app.arguments(), "--conf")) {
          assertTrue(
              mountedFrom(spec, conf, siteConfigMaps),
              app.where() + ": " + conf + " is a key of a mounted ConfigMap of the overlay");
        }
      }
    }
  }

  @Test
  void applicationsCarryTheSparkPropertiesOfConfSparkDefaults() throws Exception {
    Properties defaults = Project.sparkDefaults();
    for (String overlay : overlays()) {
      for (Application app : applications(overlay)) {
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
  }

  @Test
  void driverAndExecutorsAuthenticateWithTheSameMountedSecret() throws Exception {
    for (String overlay : overlays()) {
      for (Application app : applications(overlay)) {
        JsonNode sparkConf = app.spec().path("sparkConf");
        String file = sparkConf.path("spark.authenticate.secret.file").asText();
        assertTrue(file.startsWith("/"), app.where() + ": spark.authenticate.secret.file");
        assertEquals("true", sparkConf.path("spark.authenticate").asText(), app.where());
        assertEquals("true", sparkConf.path("spark.network.crypto.enabled").asText(), app.where());
        assertEquals("true", sparkConf.path("spark.io.encryption.enabled").asText(), app.where());
        // One file for both roles; a secret written in the spec would be readable by all.
        for (String key :
            List.of(
                "spark.authenticate.secret",
                "spark.authenticate.secret.driver.file",
                "spark.authenticate.secret.executor.file")) {
          assertTrue(sparkConf.path(key).isMissingNode(), app.where() + ": " + key + " is not set");
        }
        for (String role : List.of("driver", "executor")) {
          assertTrue(
              mountsSecret(app.spec().path(role), AUTH_SECRET, file, AUTH_SECRET_KEY),
              app.where() + ": the " + role + " mounts the Secret " + AUTH_SECRET + " at " + file);
        }
      }
    }
    String configmaps = Files.readString(Project.KUBERNETES.resolve("configmaps"));
    assertTrue(
        configmaps.contains(
            "create secret generic " + AUTH_SECRET + " --from-file=" + AUTH_SECRET_KEY + "="),
        "jobs/kubernetes/configmaps makes the Secret, with the key the specs read");
  }

  @Test
  void podsRunAsANonRootUserWithoutPrivileges() throws Exception {
    for (String overlay : overlays()) {
      for (Application app : applications(overlay)) {
        for (String role : List.of("driver", "executor")) {
          JsonNode context = app.spec().path(role).path("securityContext");
          String where = app.where() + " " + role;
          assertEquals(185, context.path("runAsUser").asInt(), where);
          assertTrue(context.path("runAsNonRoot").asBoolean(), where);
          assertFalse(context.path("allowPrivilegeEscalation").asBoolean(true), where);
          assertEquals("[\"ALL\"]", context.path("capabilities").path("drop").toString(), where);
          assertEquals(
              "RuntimeDefault", context.path("seccompProfile").path("type").asText(), where);
        }
      }
    }
  }

  @Test
  void driversAndExecutorsRequestLocalDiskForTheNativeLibraries() throws Exception {
    for (String overlay : overlays()) {
      for (Application app : applications(overlay)) {
        for (String role : List.of("driver", "executor")) {
          String where = app.where() + " " + role;
          JsonNode containers =
              app.spec().path(role).path("template").path("spec").path("containers");
          assertEquals(1, containers.size(), where + ": one container in the pod template");
          // Spark takes the container of its own name (or the first) from the pod template.
          assertEquals("spark-kubernetes-" + role, containers.get(0).path("name").asText(), where);
          String request =
              containers
                  .get(0)
                  .path("resources")
                  .path("requests")
                  .path("ephemeral-storage")
                  .asText();
          assertTrue(
              gibibytes(request) >= (role.equals("executor") ? 8 : 2),
              where
                  + ": ephemeral-storage request "
                  + request
                  + " (JavaCPP unpacks over 1 GB of natives per JVM)");
        }
      }
    }
  }

  @Test
  void metricsGoToPrometheusThroughSparksOwnServlet() throws Exception {
    for (String overlay : overlays()) {
      for (Application app : applications(overlay)) {
        JsonNode monitoring = app.spec().path("monitoring");
        assertTrue(monitoring.path("exposeDriverMetrics").asBoolean(), app.where());
        assertTrue(monitoring.path("exposeExecutorMetrics").asBoolean(), app.where());
        // No JMX exporter agent: the images carry none (see every-spark-application.yaml).
        assertTrue(monitoring.path("prometheus").isMissingNode(), app.where());
        String file = monitoring.path("metricsPropertiesFile").asText();
        assertTrue(
            file.startsWith("/opt/alexnet/conf/"),
            app.where() + ": " + file + " is a file of conf/, which the images copy");
        Path source =
            Project.ROOT.resolve("conf").resolve(file.substring("/opt/alexnet/conf/".length()));
        if (Files.exists(source)) {
          assertTrue(
              Files.readString(source).contains("PrometheusServlet"),
              source + " configures Spark's PrometheusServlet");
        }
        assertEquals(
            "true",
            app.spec().path("sparkConf").path("spark.ui.prometheus.enabled").asText(),
            app.where() + ": the driver serves its executors' metrics");
        JsonNode annotations = app.spec().path("driver").path("annotations");
        assertEquals("true", annotations.path("prometheus.io/scrape").asText(), app.where());
        assertEquals(
            "/metrics/prometheus", annotations.path("prometheus.io/path").asText(), app.where());
      }
    }
  }

  @Test
  void stagesThatTrainOrInferGetTwoGpusPerExecutorFromTheGpuImage() throws Exception {
    int executorCores =
        Integer.parseInt(Project.sparkDefaults().getProperty("spark.executor.cores"));
    String gpuDockerfile = Files.readString(Project.DOCKERFILE_GPU);
    for (String overlay : overlays()) {
      int gpuStages = 0;
      for (Application app : applications(overlay)) {
        JsonNode spec = app.spec();
        JsonNode sparkConf = spec.path("sparkConf");
        boolean gpu =
            GPU_OVERLAYS.contains(overlay) && GPU_SUBCOMMANDS.contains(app.arguments().get(0));
        assertEquals(
            gpu,
            app.dockerfile().equals(Project.DOCKERFILE_GPU),
            app.where() + ": image " + spec.path("image"));
        // The device plugin alone must do: no label of GPU Feature Discovery is required.
        assertTrue(
            spec.path("executor").path("nodeSelector").path(GFD_LABEL).isMissingNode()
                && spec.path("driver").path("nodeSelector").path(GFD_LABEL).isMissingNode(),
            app.where() + ": " + GFD_LABEL + " only with components/gpu-feature-discovery");
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
        // The driver only averages and checkpoints: it runs ND4J's CPU backend, which the CUDA
        // build carries too, and asks for no GPU.
        assertTrue(
            spec.path("driver").path("gpu").isMissingNode(),
            app.where() + ": a driver without GPU");
        assertTrue(sparkConf.path("spark.driver.resource.gpu.amount").isMissingNode(), app.where());
        JsonNode executor = spec.path("executor");
        String where = app.where() + " executor";
        assertEquals("nvidia.com/gpu", executor.path("gpu").path("name").asText(), where);
        assertEquals(2, executor.path("gpu").path("quantity").asInt(), where);
        assertEquals(
            "2",
            sparkConf.path("spark.executor.resource.gpu.amount").asText(),
            where + ": Spark schedules what the pod gets");
        assertEquals(
            "nvidia.com", sparkConf.path("spark.executor.resource.gpu.vendor").asText(), where);
        assertEquals(
            "/opt/alexnet/conf/gpu-discovery.sh",
            sparkConf.path("spark.executor.resource.gpu.discoveryScript").asText(),
            where);
        assertTrue(
            gpuDockerfile.contains("COPY conf/ /opt/alexnet/conf/")
                && Files.isRegularFile(Project.GPU_DISCOVERY),
            where + ": the GPU image holds the discovery script");
        boolean tolerated = false;
        for (JsonNode toleration : executor.path("tolerations")) {
          tolerated |=
              toleration.path("key").asText().equals("nvidia.com/gpu")
                  && toleration.path("operator").asText().equals("Exists")
                  && toleration.path("effect").asText().equals("NoSchedule");
        }
        assertTrue(tolerated, where + ": tolerates the GPU nodes' taint nvidia.com/gpu");
        assertEquals("1", sparkConf.path("spark.task.resource.gpu.amount").asText(), app.where());
        assertEquals(
            executorCores,
            2 * sparkConf.path("spark.task.cpus").asInt(),
            app.where() + ": one task slot per GPU");
      }
      int expected = overlay.equals("cpu") ? 0 : overlay.equals("nightly") ? 1 : 3;
      assertEquals(expected, gpuStages, overlay + ": train, evaluate and retrain on GPUs");
    }
  }

  @Test
  void theGpuFeatureDiscoveryComponentAddsItsNodeSelectorToGpuExecutorsOnly() throws Exception {
    // A kustomization as a platform team would write it: the GPU overlay plus the component.
    Path folder = Project.ROOT.resolve("target/kustomize-gpu-feature-discovery");
    Files.createDirectories(folder);
    Files.writeString(
        folder.resolve("kustomization.yaml"),
        String.join(
            "\n",
            "apiVersion: kustomize.config.k8s.io/v1beta1",
            "kind: Kustomization",
            "resources:",
            "  - " + folder.relativize(OVERLAYS.resolve("gpu")),
            "components:",
            "  - "
                + folder.relativize(Project.KUBERNETES.resolve("components/gpu-feature-discovery")),
            ""));
    List<JsonNode> objects = Kustomize.render(folder);
    int selected = 0;
    for (JsonNode object : objects) {
      if (!object.path("kind").asText().equals("SparkApplication")) {
        continue;
      }
      Application app = new Application("gfd: " + name(object), object.path("spec"));
      boolean gpu = GPU_SUBCOMMANDS.contains(app.arguments().get(0));
      assertEquals(
          gpu ? "true" : "",
          app.spec().path("executor").path("nodeSelector").path(GFD_LABEL).asText(),
          app.where());
      selected += gpu ? 1 : 0;
    }
    assertEquals(3, selected);
  }

  @Test
  void theKerberosOverlayLogsInFromAMountedKeytabWithTheClustersKrb5Conf() throws Exception {
    List<JsonNode> objects = rendered("kerberos");
    JsonNode krb5 = named(objects, "alexnet-krb5");
    assertEquals("ConfigMap", krb5.path("kind").asText());
    assertTrue(krb5.path("data").path("krb5.conf").asText().contains("[realms]"), "krb5.conf");
    for (Application app : applications("kerberos")) {
      JsonNode sparkConf = app.spec().path("sparkConf");
      assertEquals(
          "alexnet-krb5",
          sparkConf.path("spark.kubernetes.kerberos.krb5.configMapName").asText(),
          app.where());
      assertTrue(
          sparkConf.path("spark.kerberos.principal").asText().contains("@"),
          app.where() + ": spark.kerberos.principal");
      String keytab = sparkConf.path("spark.kerberos.keytab").asText();
      String folder = keytab.substring(0, Math.max(0, keytab.lastIndexOf('/')));
      assertTrue(
          mountsSecret(
              app.spec().path("driver"),
              "alexnet-kerberos-keytab",
              keytab,
              keytab.substring(folder.length() + 1)),
          app.where() + ": the driver mounts the keytab Secret at " + keytab);
      assertTrue(
          mountsSecret(
              app.spec().path("driver"),
              AUTH_SECRET,
              sparkConf.path("spark.authenticate.secret.file").asText(),
              AUTH_SECRET_KEY),
          app.where() + ": the keytab is added to the driver's secrets, not in their place");
    }
    for (String overlay : List.of("cpu", "gpu", "nightly")) {
      for (Application app : applications(overlay)) {
        assertTrue(
            app.spec().path("sparkConf").path("spark.kerberos.keytab").isMissingNode(),
            app.where());
      }
    }
    assertTrue(
        Files.readString(Project.KUBERNETES.resolve("configmaps"))
            .contains("create secret generic alexnet-kerberos-keytab --from-file=alexnet.keytab="),
        "jobs/kubernetes/configmaps makes the keytab Secret");
  }

  @Test
  void trainContinuesOnlyItsOwnRunWhenTheOperatorRestartsIt() throws Exception {
    for (String overlay : List.of("cpu", "gpu", "kerberos")) {
      JsonNode resource = named(rendered(overlay), "alexnet-train");
      JsonNode train = resource.path("spec");
      String where = overlay + ": alexnet-train";
      assertEquals("OnFailure", train.path("restartPolicy").path("type").asText(), where);
      assertTrue(train.path("restartPolicy").path("onFailureRetries").asInt() >= 1, where);
      List<String> arguments = new Application(where, train).arguments();
      assertEquals("train", arguments.get(0), where);
      // The application decides: a restart continues the run its SparkApplication claimed, any
      // other application is refused a run folder with checkpoints.
      assertFalse(
          arguments.contains("--resume"), where + ": --resume would continue any earlier run");
      assertFalse(
          resource
              .path("metadata")
              .path("labels")
              .path(OperatorApplication.RUN_GENERATION_LABEL)
              .asText()
              .isBlank(),
          where + ": a run generation, which the operator copies to the driver pod");
    }
    // Every driver is told its SparkApplication, from the labels the operator gives the driver pod.
    Map<String, String> fieldPaths =
        Map.of(
            OperatorApplication.NAMESPACE_ENV, "metadata.namespace",
            OperatorApplication.NAME_ENV, label(OperatorApplication.NAME_LABEL),
            OperatorApplication.RUN_GENERATION_ENV, label(OperatorApplication.RUN_GENERATION_LABEL),
            OperatorApplication.SUBMISSION_ENV, label(OperatorApplication.SUBMISSION_LABEL));
    for (String overlay : overlays()) {
      for (Application app : applications(overlay)) {
        JsonNode env =
            app.spec()
                .path("driver")
                .path("template")
                .path("spec")
                .path("containers")
                .path(0)
                .path("env");
        Map<String, String> found = new HashMap<>();
        env.forEach(
            variable ->
                found.put(
                    variable.path("name").asText(),
                    variable.path("valueFrom").path("fieldRef").path("fieldPath").asText()));
        assertEquals(fieldPaths, found, app.where() + ": the driver's SparkApplication");
      }
    }
    // The operator's label names, as in its source (submission.go: driverConfOption).
    assertEquals("sparkoperator.k8s.io/app-name", OperatorApplication.NAME_LABEL);
    assertEquals("sparkoperator.k8s.io/submission-id", OperatorApplication.SUBMISSION_LABEL);
  }

  private static String label(String name) {
    return "metadata.labels['" + name + "']";
  }

  @Test
  void nightlyRetrainingIsTheRetrainStageOnAScheduleThatNeverOverlaps() throws Exception {
    JsonNode nightly = named(rendered("nightly"), "alexnet-retrain-nightly");
    assertEquals("ScheduledSparkApplication", nightly.path("kind").asText());
    JsonNode spec = nightly.path("spec");
    assertFalse(spec.path("schedule").asText().isBlank());
    assertEquals("Forbid", spec.path("concurrencyPolicy").asText());
    assertTrue(spec.path("successfulRunHistoryLimit").asInt() >= 1);
    assertTrue(spec.path("failedRunHistoryLimit").asInt() >= 1);
    List<String> arguments = new Application("nightly", spec.path("template")).arguments();
    assertEquals("retrain", arguments.get(0));
    assertEquals(
        1,
        CommandSurface.values(arguments, "--output").size(),
        "an --output root; retrain makes the run folder");
    assertEquals(
        named(rendered("gpu"), "alexnet-retrain").path("spec"),
        spec.path("template"),
        "the template is the GPU overlay's retrain stage");
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
      String name = image.substring(image.lastIndexOf('/') + 1).replaceFirst(":.*", "");
      if (name.equals("alexnet-spark-gpu")) {
        return Project.DOCKERFILE_GPU;
      }
      assertEquals("alexnet-spark", name, where + ": an image of docker/, not " + image);
      return Project.DOCKERFILE;
    }
  }

  private static List<String> overlays() {
    return List.of("cpu", "gpu", "kerberos", "nightly");
  }

  private static synchronized List<JsonNode> rendered(String overlay) throws Exception {
    List<JsonNode> objects = RENDERED.get(overlay);
    if (objects == null) {
      objects = Kustomize.render(OVERLAYS.resolve(overlay));
      RENDERED.put(overlay, objects);
    }
    return objects;
  }

  private static List<Application> applications(String overlay) throws Exception {
    List<Application> applications = new ArrayList<>();
    for (JsonNode resource : rendered(overlay)) {
      switch (resource.path("kind").asText()) {
        case "SparkApplication" ->
            applications.add(
                new Application(overlay + ": " + name(resource), resource.path("spec")));
        case "ScheduledSparkApplication" ->
            applications.add(
                new Application(
                    overlay + ": " + name(resource) + " (template)",
                    resource.path("spec").path("template")));
        default -> {}
      }
    }
    assertFalse(applications.isEmpty(), overlay + " renders no Spark application");
    return applications;
  }

  private static String name(JsonNode resource) {
    return resource.path("metadata").path("name").asText();
  }

  private static JsonNode named(List<JsonNode> objects, String name) {
    return objects.stream()
        .filter(o -> name(o).equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("nothing named " + name + " rendered"));
  }

  private static long count(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).count();
  }

  /** ConfigMaps an overlay renders: name to the keys they hold, comma-separated. */
  private static Map<String, String> configMaps(String overlay) throws Exception {
    Map<String, String> maps = new LinkedHashMap<>();
    for (JsonNode map : rendered(overlay)) {
      if (map.path("kind").asText().equals("ConfigMap")) {
        List<String> keys = new ArrayList<>();
        map.path("data").fieldNames().forEachRemaining(keys::add);
        maps.put(name(map), String.join(",", keys));
      }
    }
    return maps;
  }

  /**
   * Whether a driver or executor mounts {@code key} of the Secret {@code secret} as {@code file}.
   */
  private static boolean mountsSecret(JsonNode role, String secret, String file, String key) {
    boolean mounted = false;
    for (JsonNode entry : role.path("secrets")) {
      mounted |=
          entry.path("name").asText().equals(secret)
              && entry.path("secretType").asText().equals("Generic")
              && file.equals(entry.path("path").asText().replaceAll("/$", "") + "/" + key);
    }
    return mounted;
  }

  /** A Kubernetes quantity in binary or decimal giga-units, as gibibytes (roughly). */
  private static double gibibytes(String quantity) {
    Matcher m = Pattern.compile("(\\d+)(Gi|G|Mi|M|Ti|T)").matcher(quantity);
    if (!m.matches()) {
      return 0;
    }
    double value = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "Ti", "T" -> value * 1024;
      case "Gi", "G" -> value;
      default -> value / 1024;
    };
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

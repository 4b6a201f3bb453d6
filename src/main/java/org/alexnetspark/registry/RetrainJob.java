package org.alexnetspark.registry;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.eval.EvaluationJob;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Sha256;
import org.alexnetspark.io.Storage;
import org.alexnetspark.model.ModelInfo;
import org.alexnetspark.model.ModelStore;
import org.alexnetspark.train.TrainJob;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet retrain}: the scheduled retraining of a registered model.
 *
 * <ol>
 *   <li>Skips (no run folder, no Spark) when the current version was trained on the same data
 *       (manifest digests) with the same configuration, unless forced.
 *   <li>Refuses, before anything runs, a held-out set that is the validation set (by manifest
 *       digest), and a warm start whose parent has another class count, label map or network.
 *   <li>Holds the registry's retraining lock for the whole run: one retraining per model at once.
 *   <li>Fine-tunes the current version with the {@code retrain.*} recipe (a first version trains
 *       with the full {@code train.*} recipe) in a run folder identified by its inputs' digests, so
 *       that a restart continues it.
 *   <li>Evaluates candidate and current version on the same held-out images (ten crops) and judges
 *       them with the {@link PromotionGate}; registers the candidate with that report; promotes it
 *       only if the gate says so and the current version is still the one it was compared against
 *       (compare-and-swap).
 * </ol>
 *
 * <p>A crash anywhere is picked up by the next run with the same inputs: training continues from
 * its checkpoint, a finished model is not trained again, a registered candidate is not registered
 * again (it is found by its run id) and its promotion is decided again from its stored report.
 */
public final class RetrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(RetrainJob.class);
  static final String RUN_FILE = "run.json";
  static final String FINISHED_FILE = "finished.json";
  static final String RETRAIN_LOCK = "retrain.lock";

  /** The provenance file of a saved model folder (written by {@link ModelStore}). */
  private static final String MODEL_INFO_FILE = "model.json";

  private static final DateTimeFormatter RUN_NAME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  /**
   * @param registry the registry's root
   * @param name the model's name in it
   * @param data the training set
   * @param validation the validation set (the schedule and the choice of the best epoch)
   * @param heldOut the set candidate and current are compared on: never the validation set
   * @param output the root of the run folders
   * @param force retrain even when the current version is up to date
   */
  public record Request(
      URI registry,
      String name,
      URI data,
      URI validation,
      URI heldOut,
      URI output,
      boolean force) {}

  /**
   * What a run is, stored as {@code run.json}: a restart continues an unfinished run with the same
   * id. Locations are recorded for people; the id is made of digests only.
   */
  record RunInputs(
      String id,
      String registry,
      String name,
      String parent,
      String dataManifestSha256,
      String validationManifestSha256,
      String heldOutManifestSha256,
      String configurationSha256,
      String data,
      String validation,
      String heldOut) {}

  /**
   * What was checked before Spark starts. Holds the registry's retraining lock until the run ends
   * (or {@link #close}).
   *
   * @param upToDate the "up to date" line when there is nothing to do, else null
   * @param registered the version already registered by this run (a restart), or null
   */
  public record Checked(
      String upToDate,
      RunInputs inputs,
      URI run,
      String parent,
      String registered,
      AlexNetConfig trainingConfig,
      TrainJob.Checked training,
      TrainJob.Request trainRequest,
      EvaluationJob.Checked current,
      String labelMapSha256,
      RegistryLock lock)
      implements AutoCloseable {

    /** Whether {@link #run} needs Spark. */
    public boolean needsSpark() {
      return upToDate == null && registered == null;
    }

    @Override
    public void close() throws IOException {
      if (lock != null) {
        lock.close();
      }
    }
  }

  /**
   * The outcome.
   *
   * @param version the candidate's version in the registry (null when up to date)
   * @param parent the version it started from and was compared against, or null
   * @param candidateError the candidate's ten-crop top-1 error on the held-out set
   * @param currentError the current version's, or NaN if there was none
   * @param promoted whether the candidate is now current
   * @param gate the comparison, or null
   * @param outcome what happened, in one line
   * @param run the run folder (null when up to date)
   */
  public record Result(
      String version,
      String parent,
      double candidateError,
      double currentError,
      boolean promoted,
      PromotionGate.Report gate,
      String outcome,
      URI run) {}

  private final AlexNetConfig config;
  private final Storage storage;
  private Consumer<String> notices = LOG::info;

  public RetrainJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
  }

  /** Where "registry is locked, retrying" lines go (the log by default). */
  public RetrainJob withNotices(Consumer<String> notices) {
    this.notices = notices;
    return this;
  }

  /**
   * Everything that can be checked without Spark: the datasets' manifests, whether there is
   * anything to do, the held-out set, the parent against the new data, the run folder.
   *
   * @throws InvalidConfigException (exit 2) naming every refusal
   */
  public Checked check(Request request) throws IOException {
    ModelRegistry registry = registry(request);
    if (request.heldOut() == null) {
      throw new InvalidConfigException(
          List.of(
              "no held-out set (--held-out): candidate and current version must be compared on"
                  + " images that chose nothing during training; the validation set "
                  + request.validation()
                  + " chose the learning-rate cuts and the best epoch. Prepare a separate set"
                  + " with --label-map-from "
                  + request.data()));
    }
    Manifest train = Manifest.read(storage, request.data());
    String dataSha = manifestSha256(request.data());
    String validationSha = manifestSha256(request.validation());
    String heldOutSha = manifestSha256(request.heldOut());
    List<String> problems = new ArrayList<>();
    if (heldOutSha.equals(validationSha)) {
      problems.add(
          "the held-out set "
              + request.heldOut()
              + " is the validation set "
              + request.validation()
              + " (the same manifest, SHA-256 "
              + heldOutSha
              + "): the validation set chose the learning-rate cuts and the best epoch, so a"
              + " comparison on it favours the candidate. Pass a separate held-out set"
              + " (prepared with --label-map-from "
              + request.data()
              + ") as --held-out");
    }
    if (heldOutSha.equals(dataSha)) {
      problems.add(
          "the held-out set "
              + request.heldOut()
              + " is the training set (the same manifest): pass a separate held-out set");
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    String configSha = Sha256.of(config.render());
    String current = registry.current();
    String labelMapSha = labelMapSha256(train.labels());

    if (current != null && !request.force()) {
      RegistryEntry entry = registry.entry(current);
      if (dataSha.equals(entry.dataManifestSha256())
          && validationSha.equals(entry.validationManifestSha256())
          && configSha.equals(entry.configurationSha256())) {
        String line =
            "current version "
                + current
                + " is up to date (data "
                + shortSha(dataSha)
                + ", validation "
                + shortSha(validationSha)
                + ", configuration "
                + shortSha(configSha)
                + "); --force retrains anyway";
        return new Checked(line, null, null, current, null, null, null, null, null, null, null);
      }
    }

    AlexNetConfig trainingConfig = config;
    URI parentLocation = null;
    if (current != null) {
      parentLocation = registry.location(current);
      checkParent(parentLocation, current, train, request.data());
      trainingConfig = fineTuning();
    }

    String id =
        Sha256.of(
            String.join(
                "\n",
                storage.qualify(request.registry()).toString(),
                request.name(),
                String.valueOf(current),
                dataSha,
                validationSha,
                heldOutSha,
                configSha));
    RunInputs inputs =
        new RunInputs(
            id,
            request.registry().toString(),
            request.name(),
            current,
            dataSha,
            validationSha,
            heldOutSha,
            configSha,
            request.data().toString(),
            request.validation().toString(),
            request.heldOut().toString());

    RegistryLock lock =
        registry.lock(
            RETRAIN_LOCK,
            "retrain from " + (current == null ? "scratch" : current),
            new RegistryLock.Timing(retrainLockExpiry(), lockTimeout()));
    try {
      // Under the lock: nothing else retrains this model now, and the registry's state read
      // above is still what this run starts from.
      if (!Objects.equals(current, registry.current())) {
        throw new IOException(
            "the current version of "
                + registry.folder()
                + " changed from "
                + current
                + " to "
                + registry.current()
                + " while waiting for the retraining lock; run retrain again");
      }
      String registered = registry.versionOfRun(id);
      if (registered != null && request.force() && finished(registry.entry(registered).run())) {
        // Asked to retrain again on the same inputs: a new run. A registered candidate whose run
        // did not finish (a crash before its promotion was decided) is still decided first.
        registered = null;
      }
      if (current == null && registered == null && !registry.versions().isEmpty()) {
        throw new InvalidConfigException(
            List.of(
                registry.folder()
                    + " has versions "
                    + registry.versions()
                    + " but no current one (none was ever promoted): a candidate would become"
                    + " current without being compared. Promote the right one first with"
                    + " 'alexnet models promote'"));
      }
      EvaluationJob.Checked currentChecked =
          current == null
              ? null
              : new HeldOutEvaluation(config, storage).check(parentLocation, request.heldOut());
      if (registered != null) {
        LOG.info("{} was already registered from this run's inputs ({})", registered, id);
        return new Checked(
            null,
            inputs,
            null,
            current,
            registered,
            trainingConfig,
            null,
            null,
            currentChecked,
            labelMapSha,
            lock);
      }
      URI run = unfinishedRun(request, id);
      if (run == null) {
        run =
            Locations.child(
                request.output(),
                "runs",
                RUN_NAME.format(Instant.now()) + "-" + id.substring(0, 12));
      }
      TrainJob.Request trainRequest =
          new TrainJob.Request(request.data(), request.validation(), run, true, parentLocation);
      TrainJob.Checked training = new TrainJob(trainingConfig, storage).check(trainRequest);
      return new Checked(
          null,
          inputs,
          run,
          current,
          null,
          trainingConfig,
          training,
          trainRequest,
          currentChecked,
          labelMapSha,
          lock);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** Retrains (or picks up where a crashed run stopped), judges and maybe promotes. */
  public Result run(JavaSparkContext spark, Request request, Checked checked) throws IOException {
    if (checked.upToDate() != null) {
      return new Result(
          null, checked.parent(), Double.NaN, Double.NaN, false, null, checked.upToDate(), null);
    }
    try (checked) {
      ModelRegistry registry = registry(request);
      if (checked.registered() != null) {
        RegistryEntry entry = registry.entry(checked.registered());
        return decide(registry, checked, checked.registered(), entry, URI.create(entry.run()));
      }
      URI run = checked.run();
      URI runFile = Locations.child(run, RUN_FILE);
      if (!storage.exists(runFile)) {
        storage.writeFile(
            runFile,
            false,
            out -> out.write(Json.write(checked.inputs()).getBytes(StandardCharsets.UTF_8)));
      }
      URI model = Locations.child(run, "model");
      if (completeModel(model)) {
        LOG.info("{} holds a finished model: not trained again", run);
      } else {
        LOG.info(
            "retraining {} in {} from {}",
            registry.folder(),
            run,
            checked.parent() == null ? "scratch (no current version)" : checked.parent());
        model =
            new TrainJob(checked.trainingConfig(), storage)
                .run(spark, checked.trainRequest(), checked.training())
                .model();
      }
      HeldOutEvaluation evaluation = new HeldOutEvaluation(config, storage);
      EvaluationJob.Checked candidateChecked = evaluation.check(model, request.heldOut());
      Map<String, PromotionGate.ImageResult> candidate = evaluation.run(spark, candidateChecked);
      PromotionGate.Report gate = null;
      double top1 = error(candidate, true);
      double top5 = error(candidate, false);
      if (checked.parent() != null) {
        Map<String, PromotionGate.ImageResult> current = evaluation.run(spark, checked.current());
        gate =
            PromotionGate.judge(
                checked.parent(),
                candidate,
                current,
                candidateChecked.manifest().labels(),
                config.retrain().gate());
        storage.writeText(Locations.child(run, "gate.json"), Json.write(gate));
      }
      RunInputs inputs = checked.inputs();
      RegistryEntry entry =
          new RegistryEntry(
              null,
              checked.parent(),
              request.heldOut().toString(),
              inputs.heldOutManifestSha256(),
              top1,
              top5,
              inputs.dataManifestSha256(),
              inputs.validationManifestSha256(),
              inputs.configurationSha256(),
              checked.labelMapSha256(),
              inputs.id(),
              run.toString(),
              gate,
              null);
      String version = registry.register(model, entry);
      ModelRegistry.faults.at("after-register-before-promote");
      return decide(registry, checked, version, registry.entry(version), run);
    }
  }

  /** Promotes {@code version} if its gate allows and the current version is still its parent. */
  private Result decide(
      ModelRegistry registry, Checked checked, String version, RegistryEntry entry, URI run)
      throws IOException {
    PromotionGate.Report gate = entry.gate();
    String parent = entry.parent();
    boolean promoted = false;
    String outcome;
    if (parent != null && (gate == null || !gate.promote())) {
      outcome =
          version
              + " registered, not promoted: "
              + (gate == null ? "it has no comparison with " + parent : gate.decision());
    } else {
      String reason =
          parent == null ? "first version: nothing to compare against" : gate.decision();
      ModelRegistry.Swap swap = registry.promoteIf(parent, version, reason);
      promoted = swap.promoted();
      outcome =
          promoted
              ? version + " promoted to current: " + reason
              : version
                  + " registered, not promoted: it was compared against "
                  + parent
                  + ", but the current version became "
                  + swap.current()
                  + " meanwhile; compare again with another retrain, or promote it by hand";
    }
    LOG.info("{}", outcome);
    Result result =
        new Result(
            version,
            parent,
            entry.tenCropTop1Error(),
            gate == null ? Double.NaN : gate.currentTop1Error(),
            promoted,
            gate,
            outcome,
            run);
    if (run != null && storage.exists(run)) {
      storage.writeText(Locations.child(run, FINISHED_FILE), Json.write(result));
    }
    return result;
  }

  /** The configuration a warm start fine-tunes with: {@code retrain.*} over {@code train.*}. */
  AlexNetConfig fineTuning() {
    StringBuilder hocon = new StringBuilder(config.render()).append('\n');
    for (String override : config.retrain().trainingOverrides()) {
      hocon.append(override).append('\n');
    }
    return AlexNetConfig.fromHocon(hocon.toString(), "the retraining recipe (retrain.*)");
  }

  /**
   * Refuses a parent that does not fit the new data or the configured network: class count, label
   * map (by digest) and network settings, read from its folder without loading it.
   */
  private void checkParent(URI parent, String version, Manifest train, URI data)
      throws IOException {
    SealedFolder.Seal seal = SealedFolder.check(storage, parent);
    ModelStore store = new ModelStore(storage);
    ModelInfo info =
        Json.read(
            store.readText(parent, seal, MODEL_INFO_FILE),
            ModelInfo.class,
            Locations.child(parent, MODEL_INFO_FILE).toString());
    AlexNetConfig parentConfig =
        AlexNetConfig.fromHocon(
            store.readText(parent, seal, ModelStore.CONFIG_FILE),
            Locations.child(parent, ModelStore.CONFIG_FILE).toString());
    List<String> problems = new ArrayList<>();
    int classes = train.labels().size();
    if (info.classes() != classes) {
      problems.add(
          "the current version "
              + version
              + " has "
              + info.classes()
              + " classes, the training set "
              + data
              + " "
              + classes
              + ": a warm start cannot change the output layer; train a new model with"
              + " 'alexnet train' and register it under another name");
    } else if (!info.labels().isEmpty()
        && !labelMapSha256(info.labels()).equals(labelMapSha256(train.labels()))) {
      List<String> differences = new ArrayList<>();
      for (int i = 0; i < classes && differences.size() < 5; i++) {
        Label was = info.labels().get(i);
        Label is = train.labels().get(i);
        if (!was.equals(is)) {
          differences.add(
              "output "
                  + i
                  + ": "
                  + was.wnid()
                  + " ("
                  + was.name()
                  + ") -> "
                  + is.wnid()
                  + " ("
                  + is.name()
                  + ")");
        }
      }
      problems.add(
          "the training set "
              + data
              + " has another label map than the current version "
              + version
              + " (SHA-256 "
              + shortSha(labelMapSha256(train.labels()))
              + " against "
              + shortSha(labelMapSha256(info.labels()))
              + "; "
              + String.join(", ", differences)
              + "): the parent's outputs would be trained on other classes. Prepare the data"
              + " with --label-map-from the parent's training set ("
              + info.trainingData()
              + ")");
    }
    SortedMap<String, String> was = network(parentConfig);
    SortedMap<String, String> is = network(config);
    if (!was.equals(is)) {
      List<String> changed = new ArrayList<>();
      for (String key : union(was, is)) {
        if (!Objects.equals(was.get(key), is.get(key))) {
          changed.add(key + ": " + was.get(key) + " -> " + is.get(key));
        }
      }
      problems.add(
          "the configured network differs from the current version "
              + version
              + "'s ("
              + String.join(", ", changed)
              + "): a warm start needs the same network; set these back, or train a new model");
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }

  /** The settings that shape the network ({@code model.*} but its initialisation). */
  private static SortedMap<String, String> network(AlexNetConfig config) {
    SortedMap<String, String> network = new TreeMap<>();
    config
        .settings()
        .forEach(
            (key, value) -> {
              if (key.startsWith("model.")
                  && !key.startsWith("model.init.")
                  && !key.equals("model.seed")) {
                network.put(key, value);
              }
            });
    return network;
  }

  private static List<String> union(SortedMap<String, String> a, SortedMap<String, String> b) {
    TreeMap<String, String> all = new TreeMap<>(a);
    all.putAll(b);
    return new ArrayList<>(all.keySet());
  }

  /** SHA-256 of a label map: one "index, wnid, name" line per class. */
  static String labelMapSha256(List<Label> labels) {
    StringBuilder text = new StringBuilder();
    for (Label label : labels) {
      text.append(label.index())
          .append('\t')
          .append(label.wnid())
          .append('\t')
          .append(label.name())
          .append('\n');
    }
    return Sha256.of(text.toString());
  }

  private String manifestSha256(URI dataset) throws IOException {
    Manifest.read(storage, dataset); // a prepared dataset, or refused naming it
    return Sha256.of(storage.readText(Manifest.manifestUri(dataset)));
  }

  private static String shortSha(String sha) {
    return "sha256 " + sha.substring(0, 12);
  }

  private static double error(Map<String, PromotionGate.ImageResult> results, boolean top1) {
    long right = results.values().stream().filter(r -> top1 ? r.top1() : r.top5()).count();
    return 1 - (double) right / Math.max(1, results.size());
  }

  private boolean finished(String run) throws IOException {
    return run != null && storage.exists(Locations.child(URI.create(run), FINISHED_FILE));
  }

  private boolean completeModel(URI model) throws IOException {
    if (!storage.exists(model)) {
      return false;
    }
    try {
      SealedFolder.check(storage, model);
      return true;
    } catch (SealedFolder.IncompleteException e) {
      return false;
    }
  }

  private ModelRegistry registry(Request request) {
    return new ModelRegistry(storage, request.registry(), request.name())
        .withLocking(new RegistryLock.Timing(Duration.ofMinutes(10), lockTimeout()), notices);
  }

  private Duration lockTimeout() {
    return Duration.ofSeconds(Math.round(config.retrain().lockTimeoutMinutes() * 60));
  }

  /** The retraining lock lasts the fine-tuning budget plus two hours (a day without a budget). */
  private Duration retrainLockExpiry() {
    double budget = config.retrain().timeBudgetMinutes();
    return budget == 0 ? Duration.ofHours(24) : Duration.ofMinutes(Math.round(budget) + 120);
  }

  /** The newest run folder with this id that did not finish, or null. */
  private URI unfinishedRun(Request request, String id) throws IOException {
    URI runs = Locations.child(request.output(), "runs");
    FileSystem fs = storage.fileSystem(runs);
    if (!fs.exists(new Path(runs))) {
      return null;
    }
    List<FileStatus> folders =
        Arrays.stream(fs.listStatus(new Path(runs)))
            .filter(FileStatus::isDirectory)
            .filter(s -> !s.getPath().getName().startsWith("."))
            .sorted(Comparator.comparing((FileStatus s) -> s.getPath().getName()).reversed())
            .toList();
    for (FileStatus folder : folders) {
      URI run = folder.getPath().toUri();
      URI runFile = Locations.child(run, RUN_FILE);
      if (storage.exists(runFile)
          && !storage.exists(Locations.child(run, FINISHED_FILE))
          && id.equals(
              Json.read(storage.readText(runFile), RunInputs.class, runFile.toString()).id())) {
        LOG.info("continuing the unfinished run {} (the same inputs)", run);
        return run;
      }
    }
    return null;
  }
}

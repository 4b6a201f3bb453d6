package org.alexnetspark.registry;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.eval.EvaluationJob;
import org.alexnetspark.eval.EvaluationReport;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.alexnetspark.train.TrainJob;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet retrain}: the scheduled retraining of a registered model. Warm-starts from the
 * registry's current version (from scratch when there is none), trains on the current training set
 * in a fresh run folder {@code <output>/runs/<UTC start time>} (or continues the newest unfinished
 * one started with the same inputs), evaluates the candidate and the current version on the same
 * held-out set (ten crops), registers the candidate as a new version, and promotes it only if its
 * top-1 error is not worse than the current one's by more than {@code retrain.margin}.
 */
public final class RetrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(RetrainJob.class);
  static final String RUN_FILE = "run.json";
  static final String FINISHED_FILE = "finished.json";
  private static final DateTimeFormatter RUN_NAME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  /**
   * @param registry the registry's root
   * @param name the model's name in it
   * @param data the training set
   * @param validation the validation set (the schedule and the choice of the best epoch)
   * @param heldOut the set candidate and current are compared on (the validation set if null)
   * @param output the root of the run folders
   */
  public record Request(
      URI registry, String name, URI data, URI validation, URI heldOut, URI output) {
    URI comparedOn() {
      return heldOut != null ? heldOut : validation;
    }
  }

  /**
   * What a run is: stored as {@code run.json}; a restart continues an unfinished run only if it is
   * the same.
   */
  record RunInputs(
      String registry,
      String name,
      String parent,
      String data,
      String validation,
      String heldOut,
      String config) {}

  /** What was checked before Spark starts. */
  public record Checked(
      URI run, String parent, TrainJob.Checked training, TrainJob.Request trainRequest) {}

  /**
   * The outcome.
   *
   * @param version the candidate's version in the registry
   * @param parent the version it started from, or null
   * @param candidateError the candidate's ten-crop top-1 error on the held-out set
   * @param currentError the current version's, or NaN if there was none
   * @param promoted whether the candidate is now current
   * @param run the run folder
   */
  public record Result(
      String version,
      String parent,
      double candidateError,
      double currentError,
      boolean promoted,
      URI run) {}

  private final AlexNetConfig config;
  private final Storage storage;

  public RetrainJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
  }

  public Checked check(Request request) throws IOException {
    ModelRegistry registry = new ModelRegistry(storage, request.registry(), request.name());
    String parent = registry.current();
    RunInputs inputs =
        new RunInputs(
            request.registry().toString(),
            request.name(),
            parent,
            request.data().toString(),
            request.validation().toString(),
            request.comparedOn().toString(),
            config.render());
    URI run = unfinishedRun(request, inputs);
    if (run == null) {
      run = Locations.child(request.output(), "runs", RUN_NAME.format(Instant.now()));
    }
    TrainJob.Request train =
        new TrainJob.Request(
            request.data(),
            request.validation(),
            run,
            true,
            parent == null ? null : registry.location(parent));
    TrainJob.Checked training = new TrainJob(config, storage).check(train);
    return new Checked(run, parent, training, train);
  }

  public Result run(JavaSparkContext spark, Request request, Checked checked) throws IOException {
    ModelRegistry registry = new ModelRegistry(storage, request.registry(), request.name());
    URI run = checked.run();
    URI runFile = Locations.child(run, RUN_FILE);
    if (!storage.exists(runFile)) {
      storage.writeFile(
          runFile,
          false,
          out ->
              out.write(
                  Json.write(
                          new RunInputs(
                              request.registry().toString(),
                              request.name(),
                              checked.parent(),
                              request.data().toString(),
                              request.validation().toString(),
                              request.comparedOn().toString(),
                              config.render()))
                      .getBytes(StandardCharsets.UTF_8)));
    }
    LOG.info(
        "retraining {} in {} from {}",
        registry.folder(),
        run,
        checked.parent() == null ? "scratch (no current version)" : checked.parent());
    TrainJob.Result trained =
        new TrainJob(config, storage).run(spark, checked.trainRequest(), checked.training());

    EvaluationReport candidate =
        evaluate(
            spark,
            trained.model(),
            request.comparedOn(),
            Locations.child(run, "evaluation", "candidate"));
    double candidateError = candidate.tenCropTop1Error();
    double currentError =
        checked.parent() == null
            ? Double.NaN
            : evaluate(
                    spark,
                    registry.location(checked.parent()),
                    request.comparedOn(),
                    Locations.child(run, "evaluation", "current"))
                .tenCropTop1Error();
    String version =
        registry.register(
            trained.model(),
            new RegistryEntry(
                null,
                checked.parent(),
                request.comparedOn().toString(),
                candidateError,
                candidate.tenCropTop5Error(),
                checked.training().dataSha256(),
                run.toString(),
                null));
    boolean promote =
        checked.parent() == null || candidateError <= currentError + config.retrain().margin();
    String why =
        checked.parent() == null
            ? "first version"
            : String.format(
                Locale.ROOT,
                "ten-crop top-1 error %.4f against %.4f of %s " + "(margin %.4f)",
                candidateError,
                currentError,
                checked.parent(),
                config.retrain().margin());
    if (promote) {
      registry.promote(version, why);
    } else {
      LOG.info(
          "keeping {} as the current version: the candidate {} has {}",
          checked.parent(),
          version,
          why);
    }
    Result result =
        new Result(version, checked.parent(), candidateError, currentError, promote, run);
    storage.writeText(Locations.child(run, FINISHED_FILE), Json.write(result));
    return result;
  }

  private EvaluationReport evaluate(JavaSparkContext spark, URI model, URI data, URI output)
      throws IOException {
    EvaluationJob job = new EvaluationJob(config, storage);
    EvaluationJob.Request request = new EvaluationJob.Request(model, data, output);
    return job.run(spark, request, job.check(request));
  }

  /** The newest run folder that did not finish and was started with the same inputs, or null. */
  private URI unfinishedRun(Request request, RunInputs inputs) throws IOException {
    URI runs = Locations.child(request.output(), "runs");
    FileSystem fs = storage.fileSystem(runs);
    if (!fs.exists(new Path(runs))) {
      return null;
    }
    List<FileStatus> folders =
        Arrays.stream(fs.listStatus(new Path(runs)))
            .filter(FileStatus::isDirectory)
            .sorted(Comparator.comparing((FileStatus s) -> s.getPath().getName()).reversed())
            .toList();
    for (FileStatus folder : folders) {
      URI run = folder.getPath().toUri();
      if (storage.exists(Locations.child(run, FINISHED_FILE))) {
        return null; // the newest run finished: start a new one
      }
      URI runFile = Locations.child(run, RUN_FILE);
      if (storage.exists(runFile)
          && inputs.equals(
              Json.read(storage.readText(runFile), RunInputs.class, runFile.toString()))) {
        LOG.info("continuing the unfinished run {}", run);
        return run;
      }
      return null; // the newest unfinished run had other inputs: leave it, start a new one
    }
    return null;
  }
}

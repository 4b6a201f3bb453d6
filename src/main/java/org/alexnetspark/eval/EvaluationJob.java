package org.alexnetspark.eval;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.IlsvrcDevkit;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchReader;
import org.alexnetspark.inference.DatasetPass;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.BuildInfo;
import org.alexnetspark.io.HadoopConf;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Sha256;
import org.alexnetspark.io.Storage;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet evaluate}: a model's top-1 and top-5 error on a prepared dataset, with the centre
 * crop and with the paper's average of the softmax outputs of ten crops (four corners and the
 * centre, and their mirrors), per class, with confusion matrices; one pass of Spark reading ten
 * crops gives both. With several models, each is counted alone and the average of their softmax
 * outputs over the same crops too (the paper's "5 CNNs"). Writes {@code eval.json} ({@link
 * EvaluationReport}), {@code confusion.csv} and {@code confusion.png} (ten crops; of the average
 * with several models) into the output folder, and with the ILSVRC-2012 devkit an ILSVRC submission
 * file ({@link IlsvrcSubmission}).
 */
public final class EvaluationJob {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluationJob.class);
  public static final String REPORT = "eval.json";
  public static final String CONFUSION_CSV = "confusion.csv";
  public static final String CONFUSION_PNG = "confusion.png";

  /**
   * @param models trained model folders: one, or several whose softmax outputs are averaged
   * @param data a prepared dataset with the models' label map
   * @param output folder for the report, the confusion matrix and its picture
   * @param devkit the ILSVRC-2012 devkit ({@code ILSVRC2012_devkit_t12.tar.gz}) to write an ILSVRC
   *     submission file ({@link IlsvrcSubmission#FILE}) with, or null for none
   */
  public record Request(List<URI> models, URI data, URI output, URI devkit) {
    public Request {
      models = List.copyOf(models);
      if (models.isEmpty()) {
        throw new IllegalArgumentException("no model to evaluate");
      }
    }

    /** One model, no submission. */
    public Request(URI model, URI data, URI output) {
      this(List.of(model), data, output, null);
    }
  }

  /**
   * Everything read and checked before Spark starts.
   *
   * @param submission the submission to write, or null
   */
  public record Checked(
      List<TrainedModel> models,
      Manifest manifest,
      List<Minibatch> batches,
      String manifestSha256,
      IlsvrcSubmission submission) {
    /** The first (or only) model. */
    public TrainedModel model() {
      return models.get(0);
    }
  }

  private final AlexNetConfig config;
  private final Storage storage;

  public EvaluationJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
  }

  /**
   * Loads the models and the dataset's plan (every shard checked), and checks they fit: the models
   * one another (label map, class count, input and stored image size) and the data; with a devkit,
   * that a submission can be made of the data.
   */
  public Checked check(Request request) throws IOException {
    List<TrainedModel> models = new ArrayList<>();
    for (URI location : request.models()) {
      models.add(TrainedModel.load(storage, location));
    }
    Manifest manifest = Manifest.read(storage, request.data());
    List<String> problems = new ArrayList<>(agreement(models));
    TrainedModel model = models.get(0);
    int classes = model.config().model().classes();
    if (manifest.labels().size() != classes) {
      problems.add(
          request.data()
              + " has "
              + manifest.labels().size()
              + " classes, the model "
              + model.location()
              + " "
              + classes);
    } else if (!model.info().labels().isEmpty()
        && !wnids(model.info().labels()).equals(wnids(manifest.labels()))) {
      problems.add(
          request.data()
              + " has another label map than the model "
              + model.location()
              + "; prepare it with --label-map-from the model's training set ("
              + model.info().trainingData()
              + ")");
    }
    String imageSize = DatasetPass.imageSizeProblem(model, manifest, request.data());
    if (imageSize != null) {
      problems.add(imageSize);
    }
    IlsvrcSubmission submission = null;
    if (request.devkit() != null) {
      IlsvrcSubmission.Checked checked =
          IlsvrcSubmission.check(
              IlsvrcDevkit.read(storage, request.devkit()),
              request.devkit(),
              manifest.labels(),
              manifest.records(),
              request.data());
      problems.addAll(checked.problems());
      submission = checked.submission();
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    // Ten network inputs per image: keep a forward pass near train.eval-batch inputs.
    List<Minibatch> batches =
        DatasetPass.plan(
            storage, manifest, request.data(), config.train().evalBatch(), Preset.TEN_CROP);
    String sha = Sha256.of(storage.readText(Manifest.manifestUri(request.data())));
    return new Checked(List.copyOf(models), manifest, batches, sha, submission);
  }

  /**
   * How the models differ from the first in what averaging needs alike: the classes (count and
   * label map) and the input and stored image sizes.
   */
  static List<String> agreement(List<TrainedModel> models) {
    List<String> problems = new ArrayList<>();
    TrainedModel first = models.get(0);
    for (int m = 1; m < models.size(); m++) {
      TrainedModel other = models.get(m);
      String which =
          "model "
              + (m + 1)
              + " ("
              + other.location()
              + ") cannot be averaged with model 1 ("
              + first.location()
              + "): ";
      int classes = other.config().model().classes();
      if (classes != first.config().model().classes()) {
        problems.add(
            which + "it has " + classes + " classes, model 1 " + first.config().model().classes());
      } else if (!wnids(other.info().labels()).equals(wnids(first.info().labels()))) {
        problems.add(
            which
                + "its label map differs"
                + firstDifference(other.info().labels(), first.info().labels())
                + "; average models trained on one training set's label map");
      }
      if (other.inputSize() != first.inputSize()) {
        problems.add(
            which
                + "its input is "
                + other.inputSize()
                + " pixels square, model 1's "
                + first.inputSize());
      }
      if (other.storedSize() != first.storedSize()) {
        problems.add(
            which
                + "it was trained on images stored at "
                + other.storedSize()
                + " pixels, model 1 on "
                + first.storedSize());
      }
    }
    return problems;
  }

  private static String firstDifference(List<Label> labels, List<Label> first) {
    for (int i = 0; i < Math.min(labels.size(), first.size()); i++) {
      if (!labels.get(i).wnid().equals(first.get(i).wnid())) {
        return " (class "
            + i
            + " is "
            + labels.get(i).wnid()
            + ", model 1's "
            + first.get(i).wnid()
            + ")";
      }
    }
    return " (" + labels.size() + " labels, model 1 " + first.size() + ")";
  }

  public EvaluationReport run(JavaSparkContext spark, Request request, Checked checked)
      throws IOException {
    List<TrainedModel> models = checked.models();
    int classes = models.get(0).config().model().classes();
    LOG.info(
        "evaluating {} on {} images of {} (centre crop and ten crops{})",
        request.models(),
        checked.manifest().records(),
        request.data(),
        models.size() > 1 ? ", and the average of the models' softmax outputs" : "");
    // Models normalised alike share an augmenter and a reader: their images are read once.
    List<Broadcast<Augmenter>> augmenters = new ArrayList<>();
    List<MinibatchReader> readers = new ArrayList<>();
    List<TrainedModel> readerModels = new ArrayList<>();
    int[] readerOf = new int[models.size()];
    Evaluator.Pass pass;
    try {
      for (int m = 0; m < models.size(); m++) {
        TrainedModel model = models.get(m);
        int r = 0;
        while (r < readerModels.size() && !readerModels.get(r).sameEvaluationInputs(model)) {
          r++;
        }
        if (r == readerModels.size()) {
          Broadcast<Augmenter> augmenter = spark.broadcast(model.evaluationAugmenter());
          augmenters.add(augmenter);
          readerModels.add(model);
          readers.add(
              new MinibatchReader(
                  augmenter::value,
                  new HadoopConf(storage.hadoopConfiguration()),
                  new MinibatchReader.Options(
                      config.data().decoder(), classes, Preset.TEN_CROP, 0, 0)));
        }
        readerOf[m] = r;
      }
      pass =
          Evaluator.evaluate(
              spark,
              models.stream().map(TrainedModel::network).toList(),
              checked.batches(),
              new Evaluator.Inputs(readers, readerOf),
              classes,
              true,
              checked.submission() != null);
    } finally {
      augmenters.forEach(Broadcast::destroy);
    }
    URI submission = null;
    if (checked.submission() != null) {
      submission = Locations.child(request.output(), IlsvrcSubmission.FILE);
      storage.writeText(submission, checked.submission().text(pass.ranked()));
    }
    EvaluationReport report = report(request, checked, pass, submission);
    Evaluator.Counts counts = pass.average();
    write(request.output(), report, counts.tenCrop(), checked.manifest().labels());
    LOG.info(
        "{} images: centre crop top-1 error {}, top-5 error {}; ten crops top-1 error {}, "
            + "top-5 error {}{}",
        report.images(),
        report.top1Error(),
        report.top5Error(),
        report.tenCropTop1Error(),
        report.tenCropTop5Error(),
        report.averaged() ? " (average of " + models.size() + " models)" : "");
    return report;
  }

  private EvaluationReport report(
      Request request, Checked checked, Evaluator.Pass pass, URI submission) {
    Tally centre = pass.average().centre();
    Tally ten = pass.average().tenCrop();
    List<EvaluationReport.ClassResult> classes = new ArrayList<>();
    for (Label label : checked.manifest().labels()) {
      int c = label.index();
      classes.add(
          new EvaluationReport.ClassResult(
              c,
              label.wnid(),
              label.name(),
              centre.images()[c],
              centre.classAccuracy(c),
              ten.classAccuracy(c)));
    }
    List<EvaluationReport.ModelResult> models = new ArrayList<>();
    for (int m = 0; m < checked.models().size(); m++) {
      TrainedModel model = checked.models().get(m);
      Evaluator.Counts own = pass.members().get(m);
      Map<String, Object> modelInfo =
          Json.mapper().convertValue(model.info(), new TypeReference<Map<String, Object>>() {});
      modelInfo.remove("labels"); // listed per class
      models.add(
          new EvaluationReport.ModelResult(
              request.models().get(m).toString(),
              modelInfo,
              1 - own.centre().top1Accuracy(),
              1 - own.centre().top5Accuracy(),
              1 - own.tenCrop().top1Accuracy(),
              1 - own.tenCrop().top5Accuracy()));
    }
    return new EvaluationReport(
        centre.totalImages(),
        centre.top1Accuracy(),
        centre.top5Accuracy(),
        ten.top1Accuracy(),
        ten.top5Accuracy(),
        1 - centre.top1Accuracy(),
        1 - centre.top5Accuracy(),
        1 - ten.top1Accuracy(),
        1 - ten.top5Accuracy(),
        models,
        classes,
        submission == null ? null : submission.toString(),
        new EvaluationReport.Provenance(
            request.data().toString(),
            checked.manifestSha256(),
            config.render(),
            BuildInfo.versions(),
            Instant.now().toString()));
  }

  private void write(URI output, EvaluationReport report, Tally tenCrop, List<Label> labels)
      throws IOException {
    storage.writeText(Locations.child(output, REPORT), Json.write(report));
    int k = labels.size();
    StringBuilder csv = new StringBuilder("true\\predicted");
    for (Label label : labels) {
      csv.append(',').append(label.wnid());
    }
    csv.append('\n');
    for (int t = 0; t < k; t++) {
      csv.append(labels.get(t).wnid());
      for (int p = 0; p < k; p++) {
        csv.append(',').append(tenCrop.confusion()[t * k + p]);
      }
      csv.append('\n');
    }
    storage.writeText(Locations.child(output, CONFUSION_CSV), csv.toString());
    var picture =
        ConfusionChart.draw(
            tenCrop.confusion(),
            labels.stream().map(Label::name).toList(),
            String.format(
                Locale.ROOT,
                "Confusion (ten crops): top-1 accuracy %.2f%% on %,d images",
                100 * tenCrop.top1Accuracy(),
                tenCrop.totalImages()));
    storage.writeFile(
        Locations.child(output, CONFUSION_PNG), true, out -> ImageIO.write(picture, "png", out));
  }

  private static List<String> wnids(List<Label> labels) {
    return labels.stream().map(Label::wnid).toList();
  }
}

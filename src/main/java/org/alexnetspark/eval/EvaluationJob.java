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
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.Minibatch;
import org.alexnetspark.data.MinibatchPlan;
import org.alexnetspark.data.MinibatchReader;
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
 * crops gives both. Writes {@code eval.json} ({@link EvaluationReport}), {@code confusion.csv} and
 * {@code confusion.png} (ten crops) into the output folder.
 */
public final class EvaluationJob {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluationJob.class);
  public static final String REPORT = "eval.json";
  public static final String CONFUSION_CSV = "confusion.csv";
  public static final String CONFUSION_PNG = "confusion.png";

  /**
   * @param model a trained model folder
   * @param data a prepared dataset with the model's label map
   * @param output folder for the report, the confusion matrix and its picture
   */
  public record Request(URI model, URI data, URI output) {}

  /** Everything read and checked before Spark starts. */
  public record Checked(
      TrainedModel model, Manifest manifest, List<Minibatch> batches, String manifestSha256) {}

  private final AlexNetConfig config;
  private final Storage storage;

  public EvaluationJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
  }

  /** Loads the model and the dataset's plan (every shard checked), and checks they fit. */
  public Checked check(Request request) throws IOException {
    TrainedModel model = TrainedModel.load(storage, request.model());
    Manifest manifest = Manifest.read(storage, request.data());
    List<String> problems = new ArrayList<>();
    int classes = model.config().model().classes();
    if (manifest.labels().size() != classes) {
      problems.add(
          request.data()
              + " has "
              + manifest.labels().size()
              + " classes, the model "
              + request.model()
              + " "
              + classes);
    } else if (!model.info().labels().isEmpty()
        && !wnids(model.info().labels()).equals(wnids(manifest.labels()))) {
      problems.add(
          request.data()
              + " has another label map than the model "
              + request.model()
              + "; prepare it with --label-map-from the model's training set ("
              + model.info().trainingData()
              + ")");
    }
    if (manifest.imageSize() != model.storedSize()) {
      problems.add(
          "the images of "
              + request.data()
              + " are stored at "
              + manifest.imageSize()
              + " pixels, the model was trained on "
              + model.storedSize()
              + "; prepare the data with "
              + "data.image-size = "
              + model.storedSize());
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    // Ten network inputs per image: keep a forward pass near train.eval-batch inputs.
    int imagesPerBatch = Math.max(1, config.train().evalBatch() / Preset.TEN_CROP.cropsPerImage());
    List<Minibatch> batches =
        MinibatchPlan.of(storage.hadoopConfiguration(), manifest, request.data(), imagesPerBatch)
            .inOrder();
    String sha = Sha256.of(storage.readText(Manifest.manifestUri(request.data())));
    return new Checked(model, manifest, batches, sha);
  }

  public EvaluationReport run(JavaSparkContext spark, Request request, Checked checked)
      throws IOException {
    TrainedModel model = checked.model();
    int classes = model.config().model().classes();
    LOG.info(
        "evaluating {} on {} images of {} (centre crop and ten crops)",
        request.model(),
        checked.manifest().records(),
        request.data());
    Broadcast<Augmenter> augmenter = spark.broadcast(model.evaluationAugmenter());
    Evaluator.Counts counts;
    try {
      MinibatchReader reader =
          new MinibatchReader(
              augmenter::value,
              new HadoopConf(storage.hadoopConfiguration()),
              new MinibatchReader.Options(config.data().decoder(), classes, Preset.TEN_CROP, 0, 0));
      counts = Evaluator.evaluate(spark, model.network(), checked.batches(), reader, classes, true);
    } finally {
      augmenter.destroy();
    }
    EvaluationReport report = report(request, checked, counts);
    write(request.output(), report, counts.tenCrop(), checked.manifest().labels());
    LOG.info(
        "{} images: centre crop top-1 error {}, top-5 error {}; ten crops top-1 error {}, "
            + "top-5 error {}",
        report.images(),
        report.top1Error(),
        report.top5Error(),
        report.tenCropTop1Error(),
        report.tenCropTop5Error());
    return report;
  }

  private EvaluationReport report(Request request, Checked checked, Evaluator.Counts counts) {
    Tally centre = counts.centre();
    Tally ten = counts.tenCrop();
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
    Map<String, Object> modelInfo =
        Json.mapper()
            .convertValue(checked.model().info(), new TypeReference<Map<String, Object>>() {});
    modelInfo.remove("labels"); // listed per class above
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
        classes,
        new EvaluationReport.Provenance(
            request.model().toString(),
            modelInfo,
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

package org.alexnetspark.features;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.data.Label;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardReader;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.ImageCodec;
import org.alexnetspark.inference.ImageFiles;
import org.alexnetspark.inference.TrainedModel;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code alexnet neighbors}: for each query image file, the {@code k} dataset images whose feature
 * vectors are nearest to its own (the paper's Figure 4). The queries' vectors are computed on the
 * driver the way the table's were (same model, same crops); the search runs on Spark over the
 * features table ({@link NeighborSearch}); the neighbours' stored JPEGs are then read from the
 * dataset's shards (the table's {@code shard} and {@code row_group} columns, resolved in {@code
 * --data}) and drawn with the queries as a {@link ContactSheet} PNG.
 */
public final class NeighborsJob {
  private static final Logger LOG = LoggerFactory.getLogger(NeighborsJob.class);

  /**
   * @param model the model the features were computed with
   * @param features a table written by {@code alexnet features}
   * @param data the prepared dataset the table was computed from
   * @param output the PNG to write (replaced if it exists)
   * @param k neighbours per query
   * @param images the query image files (paths, URIs, folders, globs)
   */
  public record Request(
      URI model, URI features, URI data, URI output, int k, List<String> images) {}

  /** Everything read and checked before Spark starts. */
  public record Checked(
      TrainedModel model, Manifest manifest, FeatureTable table, List<ImageFiles.Source> sources) {}

  /**
   * A query image and its neighbours, nearest first.
   *
   * @param classNames the neighbours' class names (the dataset's label map), in the same order
   */
  public record Query(String image, List<Neighbor> neighbours, List<String> classNames) {}

  /** A query image that could not be used, and why. */
  public record Failure(String image, String error) {}

  /** The queries answered, and those that could not be read. */
  public record Result(List<Query> queries, List<Failure> failures) {}

  private final AlexNetConfig config;
  private final Storage storage;

  public NeighborsJob(AlexNetConfig config, Storage storage) {
    this.config = config;
    this.storage = storage;
  }

  /** Loads the model, the dataset's manifest and the table's description; lists the queries. */
  public Checked check(Request request) throws IOException {
    List<String> problems = new ArrayList<>();
    if (request.k() < 1) {
      problems.add("--k must be at least 1, got " + request.k());
    }
    if (request.images().isEmpty()) {
      problems.add("give at least one query image");
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    TrainedModel model = TrainedModel.load(storage, request.model());
    Manifest manifest = Manifest.read(storage, request.data());
    FeatureTable table = FeatureTable.read(storage, request.features());
    int width = model.config().model().fcWidth();
    if (table.width() != width) {
      problems.add(
          "the vectors of "
              + request.features()
              + " have "
              + table.width()
              + " values, the model "
              + request.model()
              + " makes "
              + width
              + "; give the model "
              + "the features were computed with ("
              + table.model()
              + ")");
    }
    if (!model.location().equals(URI.create(table.model()))) {
      LOG.warn(
          "the features of {} were computed with {}, the queries use {}",
          request.features(),
          table.model(),
          request.model());
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return new Checked(
        model, manifest, table, ImageFiles.expand(storage.hadoopConfiguration(), request.images()));
  }

  public Result run(JavaSparkContext spark, Request request, Checked checked) throws IOException {
    TrainedModel model = checked.model();
    Preset preset = checked.table().preset();
    ImageFiles files = new ImageFiles(storage.hadoopConfiguration(), model);
    List<ImageFiles.Loaded> queries = new ArrayList<>();
    List<Failure> failures = new ArrayList<>();
    for (ImageFiles.Source source : checked.sources()) {
      ImageFiles.Loaded loaded = files.load(source);
      if (loaded.ok()) {
        queries.add(loaded);
      } else {
        failures.add(new Failure(source.name(), loaded.error()));
      }
    }
    if (queries.isEmpty()) {
      throw new IOException(
          "none of the query images could be used: "
              + failures.stream()
                  .map(f -> f.image() + ": " + f.error())
                  .collect(Collectors.joining("; ")));
    }
    float[][] vectors = vectors(model, files, queries, preset);
    LOG.info(
        "searching {} for the {} nearest images to {} queries",
        request.features(),
        request.k(),
        queries.size());
    List<List<Neighbor>> nearest =
        NeighborSearch.nearest(spark, request.features(), vectors, request.k());

    List<Query> answered = new ArrayList<>();
    List<ContactSheet.Line> lines = new ArrayList<>();
    Map<String, BufferedImage> pictures = pictures(request.data(), checked.manifest(), nearest);
    for (int q = 0; q < queries.size(); q++) {
      ImageFiles.Loaded query = queries.get(q);
      List<String> names =
          nearest.get(q).stream().map(n -> className(checked.manifest(), n)).toList();
      answered.add(new Query(query.source().name(), nearest.get(q), names));
      List<ContactSheet.Cell> cells = new ArrayList<>();
      for (int n = 0; n < names.size(); n++) {
        Neighbor neighbour = nearest.get(q).get(n);
        cells.add(
            new ContactSheet.Cell(
                pictures.get(neighbour.key()),
                names.get(n),
                String.format(Locale.ROOT, "distance %.4g", neighbour.distance())));
      }
      lines.add(
          new ContactSheet.Line(
              new ContactSheet.Cell(
                  ContactSheet.picture(query.image()),
                  "query",
                  new Path(query.source().uri()).getName()),
              cells));
    }
    BufferedImage sheet = ContactSheet.draw(lines, request.k());
    storage.writeFile(request.output(), true, out -> ImageIO.write(sheet, "png", out));
    LOG.info("wrote {}", request.output());
    return new Result(answered, failures);
  }

  /** The queries' feature vectors, a batch of about {@code train.eval-batch} inputs at a time. */
  private float[][] vectors(
      TrainedModel model, ImageFiles files, List<ImageFiles.Loaded> queries, Preset preset) {
    int perBatch = Math.max(1, config.train().evalBatch() / preset.cropsPerImage());
    List<float[]> vectors = new ArrayList<>();
    for (int from = 0; from < queries.size(); from += perBatch) {
      List<Image> images =
          queries.subList(from, Math.min(queries.size(), from + perBatch)).stream()
              .map(ImageFiles.Loaded::image)
              .toList();
      vectors.addAll(
          List.of(
              FeatureVectors.of(
                  model.network(), files.inputs(images, preset), preset.cropsPerImage())));
    }
    return vectors.toArray(float[][]::new);
  }

  /**
   * The stored pictures of the neighbours, by key: each row group holding one is read once from the
   * shard of that name in {@code data}.
   */
  private Map<String, BufferedImage> pictures(
      URI data, Manifest manifest, List<List<Neighbor>> nearest) throws IOException {
    Set<String> shardFiles =
        manifest.shards().stream().map(Manifest.Shard::file).collect(Collectors.toSet());
    Map<String, Map<Integer, Set<String>>> wanted = new HashMap<>();
    for (List<Neighbor> neighbours : nearest) {
      for (Neighbor n : neighbours) {
        wanted
            .computeIfAbsent(n.shard(), s -> new HashMap<>())
            .computeIfAbsent(n.rowGroup(), g -> new HashSet<>())
            .add(n.key());
      }
    }
    Map<String, BufferedImage> pictures = new HashMap<>();
    for (var shard : wanted.entrySet()) {
      String file = Locations.path(shard.getKey()).getName();
      if (!shardFiles.contains(file)) {
        throw new IOException(
            "the features name shard "
                + shard.getKey()
                + ", which is not a "
                + "shard of "
                + data
                + "; give the dataset the features were computed from");
      }
      URI location = Locations.child(data, file);
      try (ShardReader reader =
          ShardReader.open(storage.hadoopConfiguration(), new Path(location))) {
        for (var group : shard.getValue().entrySet()) {
          for (StoredImage stored : reader.readRowGroup(group.getKey())) {
            if (group.getValue().contains(stored.key())) {
              Image image = new Image();
              if (ImageCodec.decode(stored.jpeg(), image)) {
                pictures.put(stored.key(), ContactSheet.picture(image));
              }
            }
          }
        }
      }
    }
    return pictures;
  }

  private static String className(Manifest manifest, Neighbor neighbour) {
    List<Label> labels = manifest.labels();
    return neighbour.label() >= 0 && neighbour.label() < labels.size()
        ? labels.get(neighbour.label()).name()
        : neighbour.wnid();
  }
}

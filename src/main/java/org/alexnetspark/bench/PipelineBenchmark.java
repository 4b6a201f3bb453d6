package org.alexnetspark.bench;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnetspark.augment.Augmenter;
import org.alexnetspark.augment.ByteCrops;
import org.alexnetspark.augment.Preset;
import org.alexnetspark.config.AugmentConfig;
import org.alexnetspark.config.DataConfig;
import org.alexnetspark.data.Manifest;
import org.alexnetspark.data.ShardReader;
import org.alexnetspark.data.StoredImage;
import org.alexnetspark.image.Image;
import org.alexnetspark.image.JpegDecoder;
import org.alexnetspark.image.JpegDecoder.PackedImage;
import org.alexnetspark.io.Storage;
import org.alexnetspark.prepare.IdxImageTree;
import org.alexnetspark.prepare.ImagePreparer;
import org.alexnetspark.stats.DatasetStats;
import org.alexnetspark.stats.StatsJob;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How fast one core turns stored JPEGs into training inputs, against libjpeg-turbo's own decoder
 * ({@code tjbench}, Debian package libjpeg-turbo-progs) on the very same files.
 *
 * <p>Single-threaded rates over a sample of the dataset's stored images: libjpeg-turbo decoding
 * alone (tjbench), our decoding ({@code data.decoder}, as training decodes: one int per pixel)
 * alone, our decoding plus the training augmentation written as byte crops (what an executor does
 * for GPU workers, whose backend converts the crops to floats: {@code augment.float-conversion}),
 * and our decoding plus the augmentation written into a float batch (the CPU backend's path). The
 * rate of that conversion on this JVM's ND4J backend is reported beside them. Ours are measured
 * twice: file by file as tjbench measures (each file repeated on its own, so its tables and data
 * stay in the caches; the ratio to tjbench compares like with like), and cycling through the sample
 * as training does, which costs the decoder itself about a fifth more per image here. The target is
 * at least 0.7 of libjpeg-turbo's rate for decoding plus augmentation as a GPU executor runs it
 * (byte crops).
 */
public final class PipelineBenchmark {
  private static final Pattern FPS =
      Pattern.compile("Decompress\\s+-->\\s+Frame rate:\\s+([0-9.]+)");

  /**
   * @param files sample JPEGs measured
   * @param imageSize side of the stored images
   * @param turbo tjbench's single-core rate in images/s, or NaN if tjbench was not available
   * @param decoder the decoder used for training ({@code data.decoder})
   * @param decode its decoding rate as training decodes (one int per pixel), images/s on one core,
   *     measured as tjbench measures (each file on its own, then files / sum of per-file times)
   * @param augment its decoding plus training augmentation written as byte crops, measured the same
   *     way
   * @param augmentFloats its decoding plus training augmentation written as floats, measured the
   *     same way
   * @param decodeCycling decoding rate cycling through the sample, file after file
   * @param augmentCycling decoding plus augmentation into byte crops, cycling through the sample
   * @param augmentFloatsCycling decoding plus augmentation into floats, cycling through the sample
   * @param conversion images/s of the byte crops' conversion to floats by ND4J's backend, a
   *     minibatch at a time with all of ND4J's threads
   * @param conversionBatch crops per converted minibatch
   * @param backend ND4J's backend that converted them
   * @param opencv decoding rate of the bundled OpenCV codec cycling through the sample
   * @param vectorised whether the augmentation ran its Vector API loops
   * @param note how tjbench was run, or why not
   * @param source what the images are
   */
  public record Result(
      int files,
      int imageSize,
      double turbo,
      String decoder,
      double decode,
      double augment,
      double augmentFloats,
      double decodeCycling,
      double augmentCycling,
      double augmentFloatsCycling,
      double conversion,
      int conversionBatch,
      String backend,
      double opencv,
      boolean vectorised,
      String note,
      String source) {

    /** The report: the rates and their ratios to tjbench's. */
    public String render() {
      StringBuilder out = new StringBuilder();
      out.append(
          String.format(
              Locale.ROOT,
              "sample: %d stored JPEGs of %dx%d (%s), one core each%n",
              files,
              imageSize,
              imageSize,
              source));
      if (!Double.isNaN(turbo)) {
        out.append(
            String.format(
                Locale.ROOT, "%-50s %,10.0f images/s%n", "libjpeg-turbo decode (tjbench):", turbo));
      }
      line(out, "decode (" + decoder + "), file by file:", decode);
      line(out, "decode (" + decoder + ") + train augmentation, file by file:", augment);
      line(out, "  the same into floats, file by file:", augmentFloats);
      line(out, "decode (" + decoder + "), cycling through the sample:", decodeCycling);
      line(out, "decode + train augmentation, cycling:", augmentCycling);
      line(out, "  the same into floats, cycling:", augmentFloatsCycling);
      if (!decoder.equals("opencv")) {
        line(out, "decode (opencv), cycling, for comparison:", opencv);
      }
      out.append(
          String.format(
              Locale.ROOT,
              "%-50s %,10.0f images/s  (%s, minibatches of %d, all of ND4J's threads)%n",
              "byte crops to floats by ND4J:",
              conversion,
              backend,
              conversionBatch));
      if (!Double.isNaN(turbo)) {
        out.append(
            String.format(
                Locale.ROOT,
                "ratio (decode + augmentation) / libjpeg-turbo: %.2f (target >= 0.70), "
                    + "both file by file; into floats: %.2f%n",
                augment / turbo,
                augmentFloats / turbo));
      }
      out.append(
          "train augmentation: crop and mirror written as bytes, as executors do for GPU workers,"
              + " whose backend then subtracts the mean, adds the colour noise and scales"
              + " (augment.float-conversion); \"into floats\" does all of it on the core, as on"
              + " the CPU backend");
      out.append(System.lineSeparator());
      out.append(
          vectorised
              ? "augmentation rows: Vector API"
              : "augmentation rows: plain loops (start the JVM with "
                  + "--add-modules=jdk.incubator.vector for the vectorised ones)");
      out.append(System.lineSeparator());
      out.append(note).append(System.lineSeparator());
      return out.toString();
    }

    private void line(StringBuilder out, String label, double rate) {
      out.append(
          String.format(Locale.ROOT, "%-50s %,10.0f images/s%s%n", label, rate, ratio(rate)));
    }

    private String ratio(double rate) {
      return Double.isNaN(turbo)
          ? ""
          : String.format(Locale.ROOT, "  (%.2f of libjpeg-turbo)", rate / turbo);
    }
  }

  /** Crops per minibatch converted by ND4J in the conversion rate: the paper's batch. */
  private static final int CONVERSION_BATCH = 128;

  /** tjbench's {@code -benchtime} and {@code -warmup} per file, and ours file by file. */
  private static final double BENCH_SECONDS = 0.5;

  private static final double WARMUP_SECONDS = 0.2;

  private final Storage storage;

  public PipelineBenchmark(Storage storage) {
    this.storage = storage;
  }

  /** The rates on a sample of the stored JPEGs of a prepared dataset. */
  public Result run(
      URI dataset,
      AugmentConfig augmentConfig,
      JpegDecoder.Kind decoderKind,
      int cropSize,
      int sampleSize,
      double secondsPerRate)
      throws IOException, InterruptedException {
    Manifest manifest = Manifest.read(storage, dataset);
    int size = manifest.imageSize();
    List<byte[]> jpegs = sample(manifest, dataset, sampleSize);
    return run(
        jpegs,
        size,
        augmenter(dataset, augmentConfig, size, cropSize),
        augmentConfig,
        decoderKind,
        secondsPerRate,
        "stored images of " + dataset);
  }

  /**
   * The rates on the first Fashion-MNIST training images (Debian's dataset-fashion-mnist) made into
   * stored images the way {@code alexnet prepare} makes them ({@code data.image-size}, RGB JPEG of
   * {@code data.jpeg-quality}) from the JPEGs {@code alexnet convert-idx} writes.
   */
  public Result runOnFashionMnist(
      DataConfig data,
      AugmentConfig augmentConfig,
      int cropSize,
      int sampleSize,
      double secondsPerRate)
      throws IOException, InterruptedException {
    URI images = Path.of(IdxImageTree.FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz").toUri();
    if (!Files.exists(Path.of(images))) {
      throw new FileNotFoundException(
          images.getPath()
              + " is missing: install Debian's "
              + "dataset-fashion-mnist, or give a prepared dataset with --data");
    }
    ImagePreparer preparer = new ImagePreparer(data);
    List<byte[]> jpegs = new ArrayList<>();
    for (byte[] grey :
        IdxImageTree.firstImagesAsJpeg(storage.hadoopConfiguration(), images, sampleSize)) {
      if (!(preparer.prepare(grey) instanceof ImagePreparer.Prepared prepared)) {
        throw new IOException("a Fashion-MNIST image was refused by the preparation");
      }
      jpegs.add(prepared.jpeg());
    }
    int size = data.imageSize();
    return run(
        jpegs,
        size,
        neutralAugmenter(augmentConfig, size, cropSize),
        augmentConfig,
        data.decoder(),
        secondsPerRate,
        "Fashion-MNIST photos (28x28 greyscale) prepared as "
            + size
            + "x"
            + size
            + " RGB JPEGs of quality "
            + data.jpegQuality());
  }

  private Result run(
      List<byte[]> jpegs,
      int size,
      Augmenter augmenter,
      AugmentConfig augmentConfig,
      JpegDecoder.Kind decoderKind,
      double secondsPerRate,
      String source)
      throws IOException, InterruptedException {
    JpegDecoder decoder = JpegDecoder.of(decoderKind);
    JpegDecoder opencv = JpegDecoder.of(JpegDecoder.Kind.OPENCV);
    // Decoded as training decodes (BatchAssembler): one int per pixel.
    Work decode = (jpeg, image, i) -> decodeOrFail(decoder, jpeg, image);
    float[] batch = new float[augmenter.floatsPerImage(Preset.TRAIN)];
    // A fresh random stream per call, as every image of an epoch gets: crops and mirrors vary.
    Work augmentFloats =
        (jpeg, image, i) -> {
          decodeOrFail(decoder, jpeg, image);
          augmenter.apply(
              Preset.TRAIN, image, Augmenter.random(augmentConfig.seed(), 0, "k" + i), batch, 0);
        };
    ByteCrops crops = new ByteCrops(augmenter.cropSize());
    Work augment =
        (jpeg, image, i) -> {
          decodeOrFail(decoder, jpeg, image);
          crops.clear(1);
          augmenter.apply(
              Preset.TRAIN, image, Augmenter.random(augmentConfig.seed(), 0, "k" + i), crops);
        };
    Image bgr = new Image();
    Work opencvDecode =
        (jpeg, image, i) -> {
          if (!opencv.decode(jpeg, bgr)) {
            throw new IllegalStateException("a stored JPEG did not decode");
          }
        };
    // Cycling first: its seconds per rate also bring the code to its compiled steady state, which
    // a file-by-file rate started cold would measure in part.
    double decodeCycling = cycling(secondsPerRate, jpegs, decode);
    double augmentCycling = cycling(secondsPerRate, jpegs, augment);
    double augmentFloatsCycling = cycling(secondsPerRate, jpegs, augmentFloats);
    double opencvCycling = cycling(secondsPerRate, jpegs, opencvDecode);
    double conversion = conversion(secondsPerRate, jpegs, decoder, augmenter, augmentConfig.seed());
    FileByFile byFile = fileByFile(jpegs, decode, augment, augmentFloats);
    String note =
        Double.isNaN(byFile.turbo())
            ? "tjbench not installed (Debian: libjpeg-turbo-progs)"
            : String.format(
                Locale.ROOT,
                "file by file, as tjbench measures: each file decoded to BGR by tjbench for %.1f s"
                    + " after %.1f s of warm-up, then by us (decode; decode + augmentation) the"
                    + " same way, file after file; rate = files / sum of per-file times;"
                    + " \"cycling\" rates run over the whole sample in turn for %.1f s",
                BENCH_SECONDS,
                WARMUP_SECONDS,
                secondsPerRate);
    return new Result(
        jpegs.size(),
        size,
        byFile.turbo(),
        decoder.name(),
        byFile.decode(),
        byFile.augment(),
        byFile.augmentFloats(),
        decodeCycling,
        augmentCycling,
        augmentFloatsCycling,
        conversion,
        CONVERSION_BATCH,
        Nd4j.getBackend().getClass().getSimpleName(),
        opencvCycling,
        Augmenter.vectorised(),
        note,
        source);
  }

  private Augmenter augmenter(URI dataset, AugmentConfig config, int size, int crop)
      throws IOException {
    try {
      DatasetStats stats = DatasetStats.read(storage, dataset);
      return Augmenter.of(
          config,
          size,
          crop,
          stats.eigenvectors(),
          stats.eigenvalues(),
          StatsJob.readMeanImage(storage, dataset),
          stats.meanRgb());
    } catch (FileNotFoundException e) {
      return neutralAugmenter(config, size, crop);
    }
  }

  /** Without a dataset's statistics the work is the same; only the subtracted values differ. */
  private static Augmenter neutralAugmenter(AugmentConfig config, int size, int crop) {
    double[][] identity = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    return Augmenter.of(
        config,
        size,
        crop,
        identity,
        new double[] {0.01, 0.01, 0.01},
        new float[3 * size * size],
        new double[3]);
  }

  private List<byte[]> sample(Manifest manifest, URI dataset, int count) throws IOException {
    List<byte[]> jpegs = new ArrayList<>();
    for (URI shard : manifest.shardUris(dataset)) {
      try (ShardReader reader =
          ShardReader.open(storage.hadoopConfiguration(), new org.apache.hadoop.fs.Path(shard))) {
        for (int g = 0; g < reader.rowGroups() && jpegs.size() < count; g++) {
          for (StoredImage image : reader.readRowGroup(g)) {
            if (jpegs.size() < count) {
              jpegs.add(image.jpeg());
            }
          }
        }
      }
      if (jpegs.size() >= count) {
        break;
      }
    }
    if (jpegs.isEmpty()) {
      throw new IOException(dataset + " holds no images");
    }
    return jpegs;
  }

  @FunctionalInterface
  private interface Work {
    void run(byte[] jpeg, PackedImage image, int index);
  }

  /** Images per second of {@code work} on this thread, cycling through the sample. */
  private static double cycling(double seconds, List<byte[]> jpegs, Work work) {
    PackedImage image = new PackedImage();
    int call = 0;
    for (byte[] jpeg : jpegs) {
      work.run(jpeg, image, call++); // warm-up: JIT, native libraries
    }
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    long done = 0;
    while (System.nanoTime() < deadline) {
      for (byte[] jpeg : jpegs) {
        work.run(jpeg, image, call++);
      }
      done += jpegs.size();
    }
    return done / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * Images per second of the byte crops' conversion to floats by ND4J's backend, minibatches of
   * {@link #CONVERSION_BATCH} crops of the sample, as a worker converts what its executor hands it.
   */
  private static double conversion(
      double seconds, List<byte[]> jpegs, JpegDecoder decoder, Augmenter augmenter, long seed) {
    ByteCrops crops = new ByteCrops(augmenter.cropSize());
    crops.clear(CONVERSION_BATCH);
    PackedImage image = new PackedImage();
    for (int i = 0; i < CONVERSION_BATCH; i++) {
      decodeOrFail(decoder, jpegs.get(i % jpegs.size()), image);
      augmenter.apply(Preset.TRAIN, image, Augmenter.random(seed, 0, "c" + i), crops);
    }
    for (int i = 0; i < 3; i++) {
      augmenter.toFloats(crops).close(); // warm-up
    }
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    long done = 0;
    while (System.nanoTime() < deadline) {
      INDArray floats = augmenter.toFloats(crops);
      floats.close();
      done += CONVERSION_BATCH;
    }
    return done / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * Images per second of tjbench (NaN if not installed), our decoding, and decoding + augmentation
   * into byte crops and into floats.
   */
  private record FileByFile(double turbo, double decode, double augment, double augmentFloats) {}

  /**
   * The four rates as tjbench measures a set of files: each file on its own, repeated for {@link
   * #WARMUP_SECONDS} and then timed for {@link #BENCH_SECONDS}; a rate is files / the sum of the
   * per-file times. tjbench and ours run one after the other on each file, so a busy moment of a
   * shared machine falls on both alike.
   */
  private static FileByFile fileByFile(
      List<byte[]> jpegs, Work decode, Work augment, Work augmentFloats)
      throws IOException, InterruptedException {
    Path folder = Files.createTempDirectory("alexnet-tjbench");
    try {
      double turbo = 0;
      double decoding = 0;
      double augmenting = 0;
      double augmentingFloats = 0;
      for (int i = 0; i < jpegs.size(); i++) {
        Path file = folder.resolve("image-" + i + ".jpg");
        Files.write(file, jpegs.get(i));
        turbo += 1 / tjbench(file);
        decoding += secondsPerImage(jpegs.get(i), decode);
        augmenting += secondsPerImage(jpegs.get(i), augment);
        augmentingFloats += secondsPerImage(jpegs.get(i), augmentFloats);
      }
      return new FileByFile(
          jpegs.size() / turbo,
          jpegs.size() / decoding,
          jpegs.size() / augmenting,
          jpegs.size() / augmentingFloats);
    } finally {
      try (var files = Files.list(folder)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(folder);
    }
  }

  /** Seconds per call of {@code work} on one file, after a warm-up, as tjbench times a file. */
  private static double secondsPerImage(byte[] jpeg, Work work) {
    PackedImage image = new PackedImage();
    int call = 0;
    long warm = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
    while (System.nanoTime() < warm) {
      work.run(jpeg, image, call++);
    }
    long start = System.nanoTime();
    long deadline = start + (long) (BENCH_SECONDS * 1e9);
    long done = 0;
    while (System.nanoTime() < deadline) {
      work.run(jpeg, image, call++);
      done++;
    }
    return (System.nanoTime() - start) / 1e9 / done;
  }

  private static void decodeOrFail(JpegDecoder decoder, byte[] jpeg, PackedImage image) {
    if (!decoder.decode(jpeg, Image.MAX_PIXELS, image)) {
      throw new IllegalStateException("a stored JPEG did not decode");
    }
  }

  /** tjbench's decoding rate of one file in images/s, or NaN when tjbench is not installed. */
  private static double tjbench(Path file) throws IOException, InterruptedException {
    Process process;
    try {
      process =
          new ProcessBuilder(
                  "tjbench",
                  file.toString(),
                  "-benchtime",
                  Double.toString(BENCH_SECONDS),
                  "-warmup",
                  Double.toString(WARMUP_SECONDS),
                  "-nowrite")
              .redirectErrorStream(true)
              .start();
    } catch (IOException notInstalled) {
      return Double.NaN;
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("tjbench failed on " + file + ":\n" + output);
    }
    Matcher fps = FPS.matcher(output);
    if (!fps.find()) {
      throw new IOException("cannot read tjbench's decompression rate from:\n" + output);
    }
    return Double.parseDouble(fps.group(1));
  }
}

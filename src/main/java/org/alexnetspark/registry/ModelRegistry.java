package org.alexnetspark.registry;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Locations;
import org.alexnetspark.io.SealedFolder;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versions of a model on any Hadoop FileSystem: {@code <root>/<name>/<version>/} holds a complete
 * model folder plus its {@link RegistryEntry}, all under one seal, written once and never
 * overwritten; {@code <root>/<name>/current} names the version in use and is swapped in one step;
 * {@code <root>/<name>/promotions.jsonl} records every promotion (what {@link #rollback} goes back
 * along).
 */
public final class ModelRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
  static final String ENTRY_FILE = "registry.json";
  static final String CURRENT = "current";
  static final String PROMOTIONS = "promotions.jsonl";
  private static final Pattern VERSION = Pattern.compile("v\\d{4,}");
  private static final ObjectWriter ONE_LINE =
      Json.mapper().writer().without(SerializationFeature.INDENT_OUTPUT);

  /** A promotion: {@code to} became current, replacing {@code from} (null for the first). */
  public record Promotion(String from, String to, String reason, String time) {}

  private final Storage storage;
  private final URI root;
  private final String name;
  private final URI folder;

  /** The registry of model {@code name} under {@code root}. */
  public ModelRegistry(Storage storage, URI root, String name) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException(
          "model name '" + name + "' is not allowed (letters, " + "digits and _ . - only)");
    }
    this.storage = storage;
    this.root = root;
    this.name = name;
    this.folder = Locations.child(root, name);
  }

  /** Versions, oldest first. */
  public List<String> versions() throws IOException {
    FileSystem fs = storage.fileSystem(folder);
    Path path = new Path(folder);
    if (!fs.exists(path)) {
      return List.of();
    }
    return Arrays.stream(fs.listStatus(path))
        .filter(FileStatus::isDirectory)
        .map(s -> s.getPath().getName())
        .filter(n -> VERSION.matcher(n).matches())
        .sorted()
        .toList();
  }

  /** The folder of {@code version}. */
  public URI location(String version) {
    return Locations.child(folder, version);
  }

  /** The current version, or null if none was promoted yet. */
  public String current() throws IOException {
    URI pointer = Locations.child(folder, CURRENT);
    if (!storage.exists(pointer)) {
      return null;
    }
    String version = storage.readText(pointer).strip();
    if (!VERSION.matcher(version).matches() || !storage.exists(location(version))) {
      throw new IOException(
          pointer + " names '" + version + "', which is not a version of " + folder);
    }
    return version;
  }

  /** The registry's record of {@code version}, checked to be complete. */
  public RegistryEntry entry(String version) throws IOException {
    URI location = location(version);
    SealedFolder.Seal seal = SealedFolder.check(storage, location);
    try (InputStream in = SealedFolder.open(storage, location, seal, ENTRY_FILE)) {
      return Json.read(
          new String(in.readAllBytes(), StandardCharsets.UTF_8),
          RegistryEntry.class,
          location + "/" + ENTRY_FILE);
    }
  }

  /**
   * Adds the model folder {@code model} as a new version with {@code entry} (its version field is
   * filled in here) and returns the version. The version appears complete or not at all.
   */
  public String register(URI model, RegistryEntry entry) throws IOException {
    SealedFolder.Seal seal = SealedFolder.check(storage, model);
    recoverInterrupted();
    FileSystem source = storage.fileSystem(model);
    for (int attempt = 0; ; attempt++) {
      String version = nextVersion();
      RegistryEntry named =
          new RegistryEntry(
              version,
              entry.parent(),
              entry.heldOut(),
              entry.tenCropTop1Error(),
              entry.tenCropTop5Error(),
              entry.dataManifestSha256(),
              entry.run(),
              Instant.now().toString());
      try {
        storage.writeFolder(
            location(version),
            false,
            (fs, tmp) -> {
              SealedFolder.Writer files = new SealedFolder.Writer(storage, fs, tmp);
              for (SealedFolder.Entry file : seal.files()) {
                try (InputStream in = SealedFolder.open(storage, model, seal, file.name());
                    OutputStream out = files.create(file.name())) {
                  in.transferTo(out);
                }
              }
              files.write(ENTRY_FILE, Json.write(named).getBytes(StandardCharsets.UTF_8));
              files.seal();
            });
        LOG.info("registered {} as {} of {}", model, version, folder);
        return version;
      } catch (Storage.ArtifactExistsException e) {
        if (attempt >= 10) {
          throw e; // someone else keeps registering
        }
      }
    }
  }

  /** Makes {@code version} current, in one step, and records why. */
  public void promote(String version, String reason) throws IOException {
    entry(version); // complete, or refused
    recoverInterrupted();
    String previous = current();
    List<Promotion> promotions = new ArrayList<>(promotions());
    promotions.add(new Promotion(previous, version, reason, Instant.now().toString()));
    StringBuilder log = new StringBuilder();
    for (Promotion p : promotions) {
      log.append(ONE_LINE.writeValueAsString(p)).append('\n');
    }
    // The log first: a crash between the two leaves a promotion recorded but not made, which the
    // pointer (the truth) shows; never the reverse.
    storage.writeText(Locations.child(folder, PROMOTIONS), log.toString());
    storage.replaceFile(
        Locations.child(folder, CURRENT), (version + "\n").getBytes(StandardCharsets.UTF_8));
    LOG.info("{} is now the current version of {} ({})", version, folder, reason);
  }

  /**
   * Makes current again the version that was current before the current one.
   *
   * @return that version
   */
  public String rollback(String reason) throws IOException {
    String current = current();
    if (current == null) {
      throw new FileNotFoundException(folder + " has no current version to roll back");
    }
    List<Promotion> promotions = promotions();
    for (int i = promotions.size() - 1; i >= 0; i--) {
      Promotion p = promotions.get(i);
      if (p.to().equals(current) && p.from() != null) {
        promote(p.from(), reason);
        return p.from();
      }
    }
    throw new IOException(current + " of " + folder + " has no earlier version to roll back to");
  }

  /** Every promotion so far, oldest first. */
  public List<Promotion> promotions() throws IOException {
    URI log = Locations.child(folder, PROMOTIONS);
    List<Promotion> promotions = new ArrayList<>();
    if (storage.exists(log)) {
      for (String line : storage.readText(log).split("\n")) {
        if (!line.isBlank()) {
          promotions.add(Json.read(line, Promotion.class, log.toString()));
        }
      }
    }
    return promotions;
  }

  /** Where the model's versions live. */
  public URI folder() {
    return folder;
  }

  private String nextVersion() throws IOException {
    List<String> versions = versions();
    int last =
        versions.isEmpty() ? 0 : Integer.parseInt(versions.get(versions.size() - 1).substring(1));
    return String.format(Locale.ROOT, "v%04d", last + 1);
  }

  private void recoverInterrupted() throws IOException {
    for (String line : storage.recoverInterruptedWrites(folder)) {
      LOG.warn("registry {}: {}", folder, line);
    }
  }

  @Override
  public String toString() {
    return root + " " + name;
  }
}

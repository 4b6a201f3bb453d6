package org.alexnetspark.registry;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alexnetspark.config.InvalidConfigException;
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
 * Versions of a model on any Hadoop FileSystem, safe with several writers at once.
 *
 * <p>Layout under {@code <root>/<name>/}:
 *
 * <ul>
 *   <li>{@code vNNNN/}: a complete model folder plus its {@link RegistryEntry}, all under one seal,
 *       written once and never overwritten;
 *   <li>{@code history/NNNNNNNN-<action>-vNNNN.json}: one file per promotion or rollback ({@link
 *       Promotion}), never rewritten; the names sort in the order the events happened. The current
 *       version is derived from it: promotions push a version, rollbacks pop one;
 *   <li>{@code current}: the current version's name, rewritten after every event (for people and
 *       tools; the history decides when the two disagree after a crash);
 *   <li>{@code lock}: held ({@link RegistryLock}) by every write: register, promote, rollback.
 * </ul>
 *
 * <p>A crash anywhere leaves the last recorded event naming a complete version: an event is written
 * only for a sealed version, and a version folder appears in one rename.
 */
public final class ModelRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
  static final String ENTRY_FILE = "registry.json";
  static final String CURRENT = "current";
  static final String HISTORY = "history";
  static final String LOCK = "lock";

  /** The promotion log of earlier releases (rewritten on every promotion); read, never written. */
  static final String LEGACY_PROMOTIONS = "promotions.jsonl";

  private static final Pattern VERSION = Pattern.compile("v\\d{4}");
  private static final Pattern EVENT =
      Pattern.compile("(\\d{8})-(promote|rollback)-(v\\d{4})\\.json");

  /** What a promotion or rollback did, in the history. */
  public enum Action {
    PROMOTE,
    ROLLBACK
  }

  /**
   * One event of the history.
   *
   * @param sequence its place in the history (1, 2, ...; 0 for the log of earlier releases)
   * @param action promote (pushes {@code to}) or rollback (pops {@code from})
   * @param from the version current before, or null
   * @param to the version current after
   * @param reason why, in words
   * @param time when (ISO-8601)
   * @param by who (user@host)
   */
  public record Promotion(
      long sequence,
      Action action,
      String from,
      String to,
      String reason,
      String time,
      String by) {}

  /**
   * The outcome of a compare-and-swap promotion.
   *
   * @param promoted whether the candidate became current
   * @param current the current version afterwards
   */
  public record Swap(boolean promoted, String current) {}

  /** Points where tests make a write fail, as a crash there would. */
  interface Faults {
    void at(String point) throws IOException;
  }

  static Faults faults = point -> {};

  private final Storage storage;
  private final URI root;
  private final String name;
  private final URI folder;
  private RegistryLock.Timing timing = RegistryLock.Timing.WRITES;
  private Consumer<String> notices = LOG::info;

  /** The registry of model {@code name} under {@code root}. */
  public ModelRegistry(Storage storage, URI root, String name) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new InvalidConfigException(
          List.of(
              "model name '"
                  + name
                  + "' is not allowed: letters, digits and _ . - only, "
                  + "starting with a letter or digit"));
    }
    this.storage = storage;
    this.root = root;
    this.name = name;
    this.folder = Locations.child(root, name);
  }

  /**
   * Sets how long this registry's writes hold its lock and wait for it, and where the "locked,
   * retrying" lines go.
   */
  public ModelRegistry withLocking(RegistryLock.Timing timing, Consumer<String> notices) {
    this.timing = timing;
    this.notices = notices;
    return this;
  }

  /**
   * {@code text} if it is a version name ({@code v} and four digits), else refused naming what was
   * given and what is expected.
   */
  public static String versionName(String text) {
    if (text == null || !VERSION.matcher(text).matches()) {
      throw new InvalidConfigException(
          List.of(
              "'"
                  + text
                  + "' is not a version name: expected 'v' and four digits, e.g. v0002, "
                  + "with no path, slash or dot (list them with 'alexnet models list')"));
    }
    return text;
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
    return Locations.child(folder, versionName(version));
  }

  /** The current version (the top of the promotion history), or null if none was promoted yet. */
  public String current() throws IOException {
    Deque<String> stack = stack(promotions());
    return stack.isEmpty() ? null : stack.peek();
  }

  /** The registry's record of {@code version}, checked to be complete. */
  public RegistryEntry entry(String version) throws IOException {
    URI location = location(version);
    if (!storage.exists(location)) {
      throw new FileNotFoundException(
          "no version " + version + " in " + folder + " (versions: " + versions() + ")");
    }
    SealedFolder.Seal seal = SealedFolder.check(storage, location);
    try (InputStream in = SealedFolder.open(storage, location, seal, ENTRY_FILE)) {
      return Json.read(
          new String(in.readAllBytes(), StandardCharsets.UTF_8),
          RegistryEntry.class,
          location + "/" + ENTRY_FILE);
    }
  }

  /** The newest complete version registered from the retraining run {@code runId}, or null. */
  public String versionOfRun(String runId) throws IOException {
    List<String> versions = new ArrayList<>(versions());
    for (int i = versions.size() - 1; i >= 0; i--) {
      try {
        if (runId.equals(entry(versions.get(i)).runId())) {
          return versions.get(i);
        }
      } catch (SealedFolder.IncompleteException e) {
        LOG.warn("registry {}: {} is incomplete and skipped: {}", folder, versions.get(i), e);
      }
    }
    return null;
  }

  /**
   * Adds the model folder {@code model} as a new version with {@code entry} (its version and time
   * are filled in here) and returns the version. Under the registry's lock: the version folder is
   * checked not to exist before the rename that makes it appear complete.
   */
  public String register(URI model, RegistryEntry entry) throws IOException {
    SealedFolder.Seal seal = SealedFolder.check(storage, model);
    try (RegistryLock lock = lock("register " + model)) {
      recoverUnderLock();
      String version = nextVersion();
      URI location = location(version);
      if (storage.exists(location)) {
        // Never rename onto an existing folder: HDFS would move the new one inside it.
        throw new Storage.ArtifactExistsException(
            location.toString(), "exists although it is not listed as a version; remove it");
      }
      RegistryEntry named = entry.named(version, Instant.now().toString());
      storage.writeFolder(
          location,
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
      checkNotNested(location);
      LOG.info("registered {} as {} of {}", model, version, folder);
      return version;
    }
  }

  /**
   * Makes {@code version} current whatever is current now, and records why.
   *
   * @return false if it already was current (nothing recorded)
   */
  public boolean promote(String version, String reason) throws IOException {
    versionName(version);
    try (RegistryLock lock = lock("promote " + version)) {
      recoverUnderLock();
      entry(version); // complete, or refused
      String current = current();
      if (version.equals(current)) {
        return false;
      }
      record(Action.PROMOTE, current, version, reason);
      return true;
    }
  }

  /**
   * Makes {@code version} current only if {@code expected} (null: none) is still current: the
   * compare-and-swap of a retraining that compared its candidate against {@code expected}.
   */
  public Swap promoteIf(String expected, String version, String reason) throws IOException {
    versionName(version);
    try (RegistryLock lock = lock("promote " + version + " if " + expected + " is current")) {
      recoverUnderLock();
      entry(version);
      String current = current();
      if (version.equals(current)) {
        return new Swap(true, current); // done before a crash
      }
      if (expected == null ? current != null : !expected.equals(current)) {
        return new Swap(false, current);
      }
      record(Action.PROMOTE, current, version, reason);
      return new Swap(true, version);
    }
  }

  /**
   * Walks the promotion history back one step: the version promoted before the current one becomes
   * current again (v1, v2, v3; rollback: v2; rollback: v1).
   *
   * @return the version now current
   */
  public String rollback(String reason) throws IOException {
    try (RegistryLock lock = lock("rollback")) {
      recoverUnderLock();
      Deque<String> stack = stack(promotions());
      if (stack.isEmpty()) {
        throw new FileNotFoundException(folder + " has no current version to roll back");
      }
      String current = stack.pop();
      if (stack.isEmpty()) {
        throw new IOException(
            current
                + " of "
                + folder
                + " is the first version in the promotion history: there is no earlier one to "
                + "roll back to (promote another by name with 'alexnet models promote')");
      }
      String previous = stack.peek();
      entry(previous);
      record(Action.ROLLBACK, current, previous, reason);
      return previous;
    }
  }

  /** Every promotion and rollback so far, oldest first. */
  public List<Promotion> promotions() throws IOException {
    List<Promotion> events = new ArrayList<>();
    URI legacy = Locations.child(folder, LEGACY_PROMOTIONS);
    if (storage.exists(legacy)) {
      for (String line : storage.readText(legacy).split("\n")) {
        if (!line.isBlank()) {
          Promotion p = Json.read(line, Promotion.class, legacy.toString());
          events.add(
              new Promotion(0, Action.PROMOTE, p.from(), p.to(), p.reason(), p.time(), p.by()));
        }
      }
    }
    URI history = Locations.child(folder, HISTORY);
    FileSystem fs = storage.fileSystem(history);
    if (fs.exists(new Path(history))) {
      List<String> names =
          Arrays.stream(fs.listStatus(new Path(history)))
              .map(s -> s.getPath().getName())
              .filter(n -> EVENT.matcher(n).matches())
              .sorted()
              .toList();
      for (String file : names) {
        URI event = Locations.child(history, file);
        events.add(Json.read(storage.readText(event), Promotion.class, event.toString()));
      }
    }
    return events;
  }

  /** The registry's lock for other work on it that must not overlap (e.g. a whole retraining). */
  public RegistryLock lock(String lockName, String purpose, RegistryLock.Timing lockTiming)
      throws IOException {
    return RegistryLock.acquire(
        storage, Locations.child(folder, lockName), name, purpose, lockTiming, notices);
  }

  /** Where the model's versions live. */
  public URI folder() {
    return folder;
  }

  /** The model's name. */
  public String name() {
    return name;
  }

  private RegistryLock lock(String purpose) throws IOException {
    return lock(LOCK, purpose, timing);
  }

  /** The versions current after replaying {@code events}: the top is the current one. */
  private static Deque<String> stack(List<Promotion> events) {
    Deque<String> stack = new ArrayDeque<>();
    for (Promotion event : events) {
      if (event.action() == Action.ROLLBACK) {
        if (!stack.isEmpty()) {
          stack.pop();
        }
        if (stack.isEmpty() || !stack.peek().equals(event.to())) {
          stack.push(event.to()); // a history edited by hand: trust the event
        }
      } else {
        stack.push(event.to());
      }
    }
    return stack;
  }

  /** Appends one event to the history (the truth), then rewrites {@code current} to match. */
  private void record(Action action, String from, String to, String reason) throws IOException {
    List<Promotion> events = promotions();
    long sequence = events.stream().mapToLong(Promotion::sequence).max().orElse(0) + 1;
    Promotion event =
        new Promotion(
            sequence,
            action,
            from,
            to,
            reason,
            Instant.now().toString(),
            System.getProperty("user.name", "unknown") + "@" + RegistryLock.hostName());
    String file =
        String.format(
            Locale.ROOT,
            "%08d-%s-%s.json",
            sequence,
            action.toString().toLowerCase(Locale.ROOT),
            to);
    storage.writeFile(
        Locations.child(folder, HISTORY, file),
        false,
        out -> out.write(Json.write(event).getBytes(StandardCharsets.UTF_8)));
    faults.at("after-event-before-pointer");
    writePointer(to);
    LOG.info(
        "{} is now the current version of {} ({} from {}: {})",
        to,
        folder,
        action.toString().toLowerCase(Locale.ROOT),
        from,
        reason);
  }

  private void writePointer(String version) throws IOException {
    storage.replaceFile(
        Locations.child(folder, CURRENT), (version + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Under the lock: finishes what a crashed writer left (its hidden temporaries, a pointer that
   * disagrees with the history). Never without the lock: another writer's temporaries are work in
   * progress.
   */
  private void recoverUnderLock() throws IOException {
    for (URI place : List.of(folder, Locations.child(folder, HISTORY))) {
      for (String line : storage.recoverInterruptedWrites(place)) {
        LOG.warn("registry {}: {}", folder, line);
      }
    }
    String current = current();
    URI pointer = Locations.child(folder, CURRENT);
    if (current != null) {
      String written = storage.exists(pointer) ? storage.readText(pointer).strip() : null;
      if (!current.equals(written)) {
        LOG.warn(
            "registry {}: {} named {}, the history ends with {}: rewritten",
            folder,
            pointer,
            written,
            current);
        writePointer(current);
      }
    }
  }

  /** A rename onto an existing folder (which HDFS does by moving into it) is refused. */
  private void checkNotNested(URI location) throws IOException {
    FileSystem fs = storage.fileSystem(location);
    for (FileStatus inside : fs.listStatus(new Path(location))) {
      if (inside.isDirectory() && inside.getPath().getName().startsWith(".")) {
        throw new IOException(
            location
                + " holds the folder "
                + inside.getPath().getName()
                + ": another version was renamed into it; the registry was written without its"
                + " lock. Remove "
                + inside.getPath());
      }
    }
  }

  private String nextVersion() throws IOException {
    int last = 0;
    for (String version : versions()) {
      last = Math.max(last, Integer.parseInt(version.substring(1)));
    }
    // Hidden temporaries of versions are cleaned up before this; the numbers of events name
    // versions too (one may have been promoted and its folder deleted by hand): never reuse them.
    for (Promotion p : promotions()) {
      Matcher m = VERSION.matcher(p.to() == null ? "" : p.to());
      if (m.matches()) {
        last = Math.max(last, Integer.parseInt(p.to().substring(1)));
      }
    }
    if (last >= 9999) {
      throw new IOException(folder + " holds v9999: no further version numbers");
    }
    return String.format(Locale.ROOT, "v%04d", last + 1);
  }

  @Override
  public String toString() {
    return root + " " + name;
  }
}

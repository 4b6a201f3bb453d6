package org.alexnetspark.registry;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Consumer;
import org.alexnetspark.io.Json;
import org.alexnetspark.io.Storage;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive lock on a registry, held as a small file created exclusively on the registry's file
 * system ({@code create(path, overwrite = false)}, which HDFS does atomically; on local disks
 * {@code O_EXCL}). The file says who holds the lock (owner, host, pid) and until when. A lock whose
 * expiry has passed, or whose holder was a process of this host that is gone, is broken with a log
 * line. A writer that finds the lock held prints who holds it and retries with backoff up to a
 * timeout.
 *
 * <p>Release deletes the file only if it is still this holder's (its token matches): a holder that
 * outlived its expiry and had its lock broken never deletes its successor's.
 */
public final class RegistryLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryLock.class);
  private static final String UNREADABLE = "unreadable-";

  /**
   * What the lock file holds.
   *
   * @param owner the user (or job) holding it
   * @param host the host it runs on
   * @param pid its process id
   * @param purpose what it holds the lock for
   * @param acquired when it was taken (ISO-8601)
   * @param expires when it may be broken (ISO-8601)
   * @param token unique to this acquisition
   */
  public record Holder(
      String owner,
      String host,
      long pid,
      String purpose,
      String acquired,
      String expires,
      String token) {
    String who() {
      return owner + "@" + host + " (pid " + pid + ", " + purpose + ")";
    }

    boolean expired(Instant now) {
      return Instant.parse(expires).isBefore(now);
    }
  }

  /**
   * How long a lock lasts and how long to wait for one.
   *
   * @param expiry how long the lock stays valid after it is taken
   * @param timeout how long a writer waits for a held lock before giving up
   */
  public record Timing(Duration expiry, Duration timeout) {
    /** Defaults for the short writes of the registry (register, promote, rollback). */
    public static final Timing WRITES = new Timing(Duration.ofMinutes(10), Duration.ofMinutes(15));
  }

  /** The lock was held by someone else for longer than the timeout. */
  public static final class HeldException extends IOException {
    private static final long serialVersionUID = 1L;

    HeldException(String message) {
      super(message);
    }
  }

  private final Storage storage;
  private final URI file;
  private final Holder holder;
  private boolean released;

  private RegistryLock(Storage storage, URI file, Holder holder) {
    this.storage = storage;
    this.file = file;
    this.holder = holder;
  }

  /**
   * Takes the lock {@code file}, waiting (with backoff) while another holder has it.
   *
   * @param name what the lock protects, for messages
   * @param purpose what this holder does under it, recorded in the file
   * @param notices receives one "locked, retrying" line per holder waited for
   * @throws HeldException if it is still held by another after {@code timing.timeout()}
   */
  public static RegistryLock acquire(
      Storage storage,
      URI file,
      String name,
      String purpose,
      Timing timing,
      Consumer<String> notices)
      throws IOException {
    Instant deadline = Instant.now().plus(timing.timeout());
    long backoffMillis = 100;
    String lastNotice = null;
    while (true) {
      Instant now = Instant.now();
      Holder mine =
          new Holder(
              System.getProperty("user.name", "unknown"),
              hostName(),
              ProcessHandle.current().pid(),
              purpose,
              now.toString(),
              now.plus(timing.expiry()).toString(),
              UUID.randomUUID().toString());
      if (tryCreate(storage, file, mine)) {
        LOG.debug("took the lock {} until {}", file, mine.expires());
        return new RegistryLock(storage, file, mine);
      }
      Holder other = read(storage, file);
      if (other == null) {
        continue; // released between our attempt and the read: try again at once
      }
      String stale = staleness(other, now);
      if (stale != null) {
        // Re-read just before deleting: only the file we judged stale is removed.
        Holder again = read(storage, file);
        if (again != null && again.token().equals(other.token())) {
          LOG.warn("registry {}: breaking the lock of {}: {}", name, other.who(), stale);
          storage.delete(file);
        }
        continue;
      }
      if (!now.isBefore(deadline)) {
        throw new HeldException(
            "registry "
                + name
                + " is locked by "
                + other.who()
                + " until "
                + other.expires()
                + "; gave up after waiting "
                + timing.timeout()
                + ". If that process is gone, wait for the expiry or delete "
                + file);
      }
      String notice =
          "registry "
              + name
              + " is locked by "
              + other.owner()
              + "@"
              + other.host()
              + " until "
              + other.expires()
              + ", retrying";
      // A lock file still being written is not worth a line: it is readable a moment later.
      if (!notice.equals(lastNotice) && !other.token().startsWith(UNREADABLE)) {
        notices.accept(notice);
        lastNotice = notice;
      }
      sleep(Math.min(backoffMillis, Duration.between(now, deadline).toMillis() + 1));
      backoffMillis = Math.min(backoffMillis * 2, 5_000);
    }
  }

  /** Who holds the lock {@code file} now, or null if nobody does. */
  public static Holder read(Storage storage, URI file) throws IOException {
    try {
      String text = storage.readText(file);
      if (!text.isBlank()) {
        try {
          return Json.read(text, Holder.class, file.toString());
        } catch (IllegalArgumentException e) {
          LOG.debug("unreadable lock file {}: {}", file, e.getMessage());
        }
      }
      // Being written by its creator this instant (or left empty or damaged by a crash): held for
      // a minute after it was last written.
      Instant written =
          Instant.ofEpochMilli(
              storage.fileSystem(file).getFileStatus(storage.path(file)).getModificationTime());
      return new Holder(
          "unknown",
          "unknown",
          -1,
          "being taken",
          written.toString(),
          written.plusSeconds(60).toString(),
          UNREADABLE + written);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /** What this holder wrote into the lock file. */
  public Holder holder() {
    return holder;
  }

  /** Whether this holder still holds the lock (nobody broke it). */
  public boolean held() throws IOException {
    Holder now = read(storage, file);
    return now != null && now.token().equals(holder.token());
  }

  @Override
  public void close() throws IOException {
    if (released) {
      return;
    }
    released = true;
    if (held()) {
      storage.delete(file);
    } else {
      LOG.warn(
          "the lock {} was no longer held by this process when released (expired at {} and "
              + "broken by another)",
          file,
          holder.expires());
    }
  }

  /** Why {@code other}'s lock may be broken, or null if it is valid. */
  private static String staleness(Holder other, Instant now) {
    if (other.expired(now)) {
      return "it expired at " + other.expires();
    }
    if (other.host().equals(hostName())
        && other.pid() > 0
        && other.pid() != ProcessHandle.current().pid()
        && ProcessHandle.of(other.pid()).isEmpty()
        && Instant.parse(other.acquired()).isBefore(now.minusSeconds(5))) {
      return "its process " + other.pid() + " on this host is gone";
    }
    return null;
  }

  private static boolean tryCreate(Storage storage, URI file, Holder mine) throws IOException {
    byte[] bytes = Json.write(mine).getBytes(StandardCharsets.UTF_8);
    FileSystem fs = storage.fileSystem(file);
    Path path = fs.makeQualified(new Path(file));
    fs.mkdirs(path.getParent());
    if ("file".equals(path.toUri().getScheme())) {
      // Hadoop's local file system checks and creates in two steps; O_EXCL is one.
      try (OutputStream out =
          Files.newOutputStream(Paths.get(path.toUri()), StandardOpenOption.CREATE_NEW)) {
        out.write(bytes);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(path, false)) {
      out.write(bytes);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      // HDFS reports a file being created by another client as AlreadyBeingCreatedException
      // (wrapped in a RemoteException); whatever it is, a lock file now in place means "held".
      if (fs.exists(path)) {
        return false;
      }
      throw e;
    }
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      String runtime = ManagementFactory.getRuntimeMXBean().getName();
      return runtime.substring(runtime.indexOf('@') + 1);
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for a registry lock", e);
    }
  }
}

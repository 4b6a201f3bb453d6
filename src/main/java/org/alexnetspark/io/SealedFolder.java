package org.alexnetspark.io;

import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A folder that says whether it is complete: its writer lists every file with its size and SHA-256
 * in {@value #SEAL}, written last. A folder without the seal, or with a listed file missing or of
 * another size, is incomplete (a killed writer, a half-finished copy, a full disk); a file whose
 * bytes do not match its digest is damaged, which {@link #open} reports when the file has been
 * read. Models and checkpoints are sealed folders.
 *
 * <p>A seal proves completeness, not origin: anyone who can write the folder can write a matching
 * seal. When the Hadoop configuration names a signing key ({@link SealSignature}), the seal is also
 * signed, and {@link #check} refuses a folder whose signature is missing or wrong.
 */
public final class SealedFolder {
  /** The seal's file name. */
  public static final String SEAL = "_COMPLETE";

  /** One file of the folder. */
  public record Entry(String name, long bytes, String sha256) {}

  /** What the seal lists. */
  public record Seal(List<Entry> files) {
    public Seal {
      files = List.copyOf(files);
    }

    /** The entry of {@code name}, or null. */
    public Entry entry(String name) {
      return files.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }
  }

  /** The folder is not complete or a file is damaged; the message says which and how. */
  public static final class IncompleteException extends IOException {
    private static final long serialVersionUID = 1L;

    public IncompleteException(String message) {
      super(message);
    }
  }

  /**
   * Signing is on and the folder's signature is missing or does not match: it was not written by a
   * holder of the key. Unlike an incomplete folder, this is never passed over silently.
   */
  public static final class UntrustedException extends IOException {
    private static final long serialVersionUID = 1L;

    public UntrustedException(String message) {
      super(message);
    }
  }

  /** The largest seal read (a model's lists a handful of files in well under a kilobyte). */
  private static final int MAX_SEAL_BYTES = 1 << 20;

  private SealedFolder() {}

  /**
   * Writes the files of a folder being created, then its seal, signed if {@code storage}'s Hadoop
   * configuration names a signing key ({@link SealSignature}).
   */
  public static final class Writer {
    private final Storage storage;
    private final FileSystem fs;
    private final Path folder;
    private final List<Entry> entries = new ArrayList<>();

    /**
     * @param storage whose Hadoop configuration says whether and with which key to sign
     * @param fs the file system of {@code folder}
     * @param folder the folder being written (a temporary one, from {@link Storage#writeFolder})
     */
    public Writer(Storage storage, FileSystem fs, Path folder) {
      this.storage = storage;
      this.fs = fs;
      this.folder = folder;
    }

    /** A new file of the folder; its size and digest are recorded when the stream is closed. */
    public OutputStream create(String name) throws IOException {
      MessageDigest digest = Sha256.digest();
      OutputStream out = new SingleFailureOutputStream(fs.create(new Path(folder, name), false));
      return new FilterOutputStream(out) {
        private long bytes;
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          digest.update((byte) b);
          bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          digest.update(b, off, len);
          bytes += len;
        }

        @Override
        public void close() throws IOException {
          if (!closed) {
            closed = true;
            out.close();
            entries.add(new Entry(name, bytes, Sha256.hex(digest)));
          }
        }
      };
    }

    /** Writes a whole file. */
    public void write(String name, byte[] bytes) throws IOException {
      try (OutputStream out = create(name)) {
        out.write(bytes);
      }
    }

    /** Writes the seal, and its signature if signing is on: call last, after every file. */
    public void seal() throws IOException {
      SealSignature signing = SealSignature.of(storage.hadoopConfiguration());
      byte[] seal = Json.write(new Seal(entries)).getBytes(StandardCharsets.UTF_8);
      try (OutputStream out =
          new SingleFailureOutputStream(fs.create(new Path(folder, SEAL), false))) {
        out.write(seal);
      }
      if (signing != null) {
        try (OutputStream out =
            new SingleFailureOutputStream(fs.create(new Path(folder, SealSignature.FILE), false))) {
          out.write(signing.sign(seal));
        }
      }
    }
  }

  /**
   * Reads the seal of {@code folder} and checks that every listed file exists with its size.
   *
   * @throws FileNotFoundException if {@code folder} does not exist
   * @throws IncompleteException if the seal is missing or a listed file is missing or of another
   *     size
   * @throws UntrustedException if signing is on and the seal's signature is missing or wrong
   */
  public static Seal check(Storage storage, URI folder) throws IOException {
    SealSignature signing = SealSignature.of(storage.hadoopConfiguration());
    if (!storage.exists(folder)) {
      throw new FileNotFoundException(folder + " does not exist");
    }
    URI sealFile = Locations.child(folder, SEAL);
    if (!storage.exists(sealFile)) {
      throw new IncompleteException(
          folder
              + " is incomplete: it has no "
              + SEAL
              + " (its "
              + "writer was interrupted, or it is still being copied)");
    }
    FileSystem fs = storage.fileSystem(folder);
    byte[] sealBytes = readSmall(fs, new Path(new Path(folder), SEAL), sealFile);
    if (signing != null) {
      // The bytes checked are the bytes parsed: the seal is read once.
      Path signature = new Path(new Path(folder), SealSignature.FILE);
      signing.verify(
          folder,
          sealBytes,
          fs.exists(signature)
              ? readSmall(fs, signature, Locations.child(folder, SealSignature.FILE))
              : null);
    }
    Seal seal;
    try {
      seal =
          Json.read(new String(sealBytes, StandardCharsets.UTF_8), Seal.class, sealFile.toString());
    } catch (IllegalArgumentException e) {
      throw new IncompleteException(folder + " is incomplete: " + e.getMessage());
    }
    for (Entry entry : seal.files()) {
      Path file = new Path(new Path(folder), entry.name());
      if (!fs.exists(file)) {
        throw new IncompleteException(folder + " is incomplete: " + entry.name() + " is missing");
      }
      long length = fs.getFileStatus(file).getLen();
      if (length != entry.bytes()) {
        throw new IncompleteException(
            folder
                + " is incomplete: "
                + entry.name()
                + " has "
                + length
                + " bytes, its seal says "
                + entry.bytes());
      }
    }
    return seal;
  }

  private static byte[] readSmall(FileSystem fs, Path file, URI where) throws IOException {
    try (InputStream in = fs.open(file)) {
      byte[] bytes = in.readNBytes(MAX_SEAL_BYTES + 1);
      if (bytes.length > MAX_SEAL_BYTES) {
        throw new IncompleteException(
            where + " is larger than " + MAX_SEAL_BYTES + " bytes; it is not a seal");
      }
      return bytes;
    }
  }

  /**
   * Opens a file listed in {@code seal}. Closing the stream reads whatever is left of the file and
   * throws {@link IncompleteException} if its bytes do not match the digest.
   */
  public static InputStream open(Storage storage, URI folder, Seal seal, String name)
      throws IOException {
    Entry entry = seal.entry(name);
    if (entry == null) {
      throw new IncompleteException(folder + ": " + name + " is not listed in its " + SEAL);
    }
    MessageDigest digest = Sha256.digest();
    InputStream in = storage.fileSystem(folder).open(new Path(new Path(folder), name));
    return new FilterInputStream(in) {
      private boolean closed;

      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
          digest.update((byte) b);
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
          digest.update(b, off, n);
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        // Read rather than seek, so that skipped bytes are digested too.
        byte[] buffer = new byte[(int) Math.min(n, 1 << 16)];
        long skipped = 0;
        while (skipped < n) {
          int got = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
          if (got < 0) {
            break;
          }
          skipped += got;
        }
        return skipped;
      }

      @Override
      public boolean markSupported() {
        return false;
      }

      @Override
      public void close() throws IOException {
        if (closed) {
          return;
        }
        closed = true;
        try {
          byte[] rest = new byte[1 << 16];
          while (read(rest, 0, rest.length) >= 0) {
            // digest what the reader left unread
          }
        } finally {
          in.close();
        }
        String actual = Sha256.hex(digest);
        if (!actual.equals(entry.sha256())) {
          throw new IncompleteException(
              folder
                  + ": "
                  + name
                  + " is damaged (SHA-256 "
                  + actual
                  + ", its seal says "
                  + entry.sha256()
                  + ")");
        }
      }
    };
  }
}

package org.alexnetspark.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests, as lowercase hex: of files (shards, checkpoints), inputs and text. */
public final class Sha256 {
  private Sha256() {}

  /** A fresh SHA-256 digest (every Java runtime has one). */
  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }

  /** The hex form of a finished digest. */
  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The digest of UTF-8 text. */
  public static String of(String text) {
    MessageDigest digest = digest();
    digest.update(text.getBytes(StandardCharsets.UTF_8));
    return hex(digest);
  }

  /** A stream's digest and length, read to its end. */
  public record Summary(String sha256, long bytes) {}

  /** Reads {@code in} to its end (without closing it). */
  public static Summary of(InputStream in) throws IOException {
    MessageDigest digest = digest();
    byte[] buffer = new byte[1 << 20];
    long bytes = 0;
    for (int n; (n = in.read(buffer)) > 0; ) {
      digest.update(buffer, 0, n);
      bytes += n;
    }
    return new Summary(hex(digest), bytes);
  }
}

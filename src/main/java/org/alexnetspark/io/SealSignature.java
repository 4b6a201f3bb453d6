package org.alexnetspark.io;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.alias.CredentialProviderFactory;

/**
 * The optional signature of a sealed folder's seal: HMAC-SHA256 over the bytes of {@value
 * SealedFolder#SEAL}, in {@value #FILE} beside it. The seal lists every file with its SHA-256, so
 * the signature covers every listed byte. A seal alone proves a folder complete; a signed seal
 * proves it was written by a holder of the key.
 *
 * <p>Signing is on when the Hadoop configuration names a key alias in {@value #KEY_ALIAS} (for
 * example {@code --conf spark.hadoop.alexnet.model.signing.key-alias=models} or in {@code
 * core-site.xml}); the key itself is read with {@link Configuration#getPassword}, that is from the
 * credential providers of {@code hadoop.security.credential.provider.path} (e.g. {@code
 * jceks://hdfs@nn:8020/keys/alexnet.jceks}, made with {@code hadoop credential create models
 * -provider ...}). With signing on, every sealed folder written is signed and every sealed folder
 * read must carry a valid signature; with it off, signatures are neither written nor checked.
 */
public final class SealSignature {
  /** The Hadoop property naming the signing key's alias; empty or unset: folders are unsigned. */
  public static final String KEY_ALIAS = "alexnet.model.signing.key-alias";

  /** The signature's file name. */
  public static final String FILE = SealedFolder.SEAL + ".sig";

  private static final String ALGORITHM = "HmacSHA256";
  private static final int MIN_KEY_BYTES = 16;

  private final String keyAlias;
  private final byte[] key;

  private SealSignature(String keyAlias, byte[] key) {
    this.keyAlias = keyAlias;
    this.key = key;
  }

  /** The alias of the signing key. */
  public String keyAlias() {
    return keyAlias;
  }

  /** What {@value #FILE} holds. */
  record Signature(String algorithm, String keyAlias, String hmacSha256) {}

  /**
   * The signing key {@code hadoop} names, or null if it names none.
   *
   * @throws IOException if an alias is named but no credential provider holds it, or the key is too
   *     short
   */
  public static SealSignature of(Configuration hadoop) throws IOException {
    String alias = hadoop.getTrimmed(KEY_ALIAS, "");
    if (alias.isEmpty()) {
      return null;
    }
    char[] password = hadoop.getPassword(alias);
    if (password == null) {
      throw new IOException(
          KEY_ALIAS
              + " = "
              + alias
              + " asks for signed model folders, but no credential named '"
              + alias
              + "' was found in "
              + CredentialProviderFactory.CREDENTIAL_PROVIDER_PATH
              + " = "
              + hadoop.get(CredentialProviderFactory.CREDENTIAL_PROVIDER_PATH, "(unset)")
              + "; create it with 'hadoop credential create "
              + alias
              + " -provider <that path>', or unset "
              + KEY_ALIAS
              + " to work with unsigned folders");
    }
    ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
    Arrays.fill(password, '\0');
    byte[] key = new byte[encoded.remaining()];
    encoded.get(key);
    if (key.length < MIN_KEY_BYTES) {
      throw new IOException(
          "the signing key '"
              + alias
              + "' has "
              + key.length
              + " bytes; at least "
              + MIN_KEY_BYTES
              + " are needed (use a random string of 32 characters or more)");
    }
    return new SealSignature(alias, key);
  }

  /** The contents of {@value #FILE} for a seal of these bytes. */
  byte[] sign(byte[] seal) {
    return Json.write(new Signature(ALGORITHM, keyAlias, HexFormat.of().formatHex(hmac(seal))))
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Checks the signature of {@code folder}'s seal.
   *
   * @param seal the seal's bytes, exactly as read
   * @param signature the signature file's bytes, or null if it has none
   * @throws SealedFolder.UntrustedException if the signature is missing or does not match
   */
  void verify(URI folder, byte[] seal, byte[] signature) throws SealedFolder.UntrustedException {
    String advice =
        "; it was not written by a holder of the key '"
            + keyAlias
            + "' ("
            + KEY_ALIAS
            + "), or was altered since. Write it again with the key, or read it without "
            + KEY_ALIAS
            + " if you trust where it came from";
    if (signature == null) {
      throw new SealedFolder.UntrustedException(
          folder + " is not signed (it has no " + FILE + ")" + advice);
    }
    Signature read;
    try {
      read =
          Json.read(
              new String(signature, StandardCharsets.UTF_8), Signature.class, folder + "/" + FILE);
    } catch (IllegalArgumentException e) {
      throw new SealedFolder.UntrustedException(
          folder + "/" + FILE + " is not a signature: " + e.getMessage() + advice);
    }
    byte[] claimed;
    try {
      claimed = HexFormat.of().parseHex(String.valueOf(read.hmacSha256()));
    } catch (IllegalArgumentException e) {
      claimed = new byte[0];
    }
    if (!ALGORITHM.equals(read.algorithm()) || !MessageDigest.isEqual(claimed, hmac(seal))) {
      throw new SealedFolder.UntrustedException(
          folder + "'s signature does not match its " + SealedFolder.SEAL + advice);
    }
  }

  private byte[] hmac(byte[] seal) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return mac.doFinal(seal);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(ALGORITHM + " is not available in this JVM", e);
    }
  }
}

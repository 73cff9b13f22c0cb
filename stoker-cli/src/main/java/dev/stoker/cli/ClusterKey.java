package dev.stoker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every node of a cluster shares ({@code --cluster-key-file}, docs/backends/cluster.md,
 * "Lease tokens and peer links"). Two keys are derived from it, one per use, so that neither can
 * stand in for the other: the key that signs lease tokens, the same on every node so that any node
 * checks a token any node gave out; and the key that signs every exchange between nodes, so that
 * only a holder of the secret can talk as a peer.
 *
 * <p>A cluster started without one (allowed only without {@code --tokens}, where any client may do
 * anything anyway) derives its secret from its member ids: tokens still name their claim, but
 * anyone who knows the ids can make one.
 */
final class ClusterKey {
  static final int MIN_BYTES = 32;

  /** Bytes of the signature that ends every exchange message. */
  static final int MAC_BYTES = 32;

  private final byte[] leaseTokenKey;

  /**
   * Keyed with the peer-link key once; each message works on a clone, far cheaper than looking up
   * and keying a Mac (which cost about 2 % of a node's CPU at one lookup per message).
   */
  private final Mac peerMac;

  private ClusterKey(byte[] secret) {
    this.leaseTokenKey = hmac(new SecretKeySpec(secret, "HmacSHA256"), "stoker lease tokens v1");
    this.peerMac =
        keyed(
            new SecretKeySpec(
                hmac(new SecretKeySpec(secret, "HmacSHA256"), "stoker peer links v1"),
                "HmacSHA256"));
  }

  /**
   * The secret in {@code file}, without a trailing line break.
   *
   * @throws IllegalArgumentException when the file cannot be read or holds fewer than 32 bytes
   */
  static ClusterKey read(Path file) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--cluster-key-file: cannot read " + file + ": " + e.getMessage());
    }
    int end = raw.length;
    while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r')) {
      end--;
    }
    if (end < MIN_BYTES) {
      throw new IllegalArgumentException(
          "--cluster-key-file: "
              + file
              + " holds "
              + end
              + " bytes; the cluster key "
              + "needs at least "
              + MIN_BYTES
              + " (e.g. head -c 32 /dev/urandom | base64 > FILE)");
    }
    return new ClusterKey(Arrays.copyOf(raw, end));
  }

  /** The public stand-in of a cluster without a key file: derived from its member ids. */
  static ClusterKey unkeyed(java.util.Collection<Integer> members) {
    return new ClusterKey(
        ("stoker cluster without a key " + new java.util.TreeSet<>(members))
            .getBytes(StandardCharsets.UTF_8));
  }

  /** The key every node signs and checks lease tokens with. */
  byte[] leaseTokenKey() {
    return leaseTokenKey.clone();
  }

  /** {@code message} followed by its signature, as sent to a peer. */
  byte[] seal(byte[] message) {
    byte[] out = Arrays.copyOf(message, message.length + MAC_BYTES);
    System.arraycopy(mac(message, message.length), 0, out, message.length, MAC_BYTES);
    return out;
  }

  /**
   * The message inside a sealed one from a peer.
   *
   * @throws SecurityException when the signature does not check: not sent by a holder of this
   *     cluster's key
   */
  byte[] open(byte[] sealed) {
    int n = sealed.length - MAC_BYTES;
    if (n < 0
        || !MessageDigest.isEqual(mac(sealed, n), Arrays.copyOfRange(sealed, n, sealed.length))) {
      throw new SecurityException(
          "the message is not signed with this cluster's key (--cluster-key-file differs)");
    }
    return Arrays.copyOf(sealed, n);
  }

  private byte[] mac(byte[] message, int length) {
    try {
      Mac mac = (Mac) peerMac.clone();
      mac.update(message, 0, length);
      return mac.doFinal();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's HmacSHA256 can be cloned", e);
    }
  }

  private static byte[] hmac(SecretKeySpec key, String label) {
    return keyed(key).doFinal(label.getBytes(StandardCharsets.UTF_8));
  }

  private static Mac keyed(SecretKeySpec key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}

package dev.stoker.server;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs the lease tokens the server hands out, and checks them when they come back. The store's
 * token names a claim by the task's id and version, which anyone who can read the task can see; the
 * signature (HMAC-SHA256 with the store's key, 128 bits) makes a token something only a claim can
 * give. A token whose signature does not check is treated as stale: it names no current claim.
 */
final class TokenSigner {
  private static final int MAC_BYTES = 16;

  /** Longest signed token accepted; longer input is refused without computing anything. */
  static final int MAX_LENGTH = 160;

  /**
   * Keyed once; each use works on a clone, which is far cheaper than looking up and keying a Mac.
   */
  private final Mac prototype;

  TokenSigner(byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException("a lease-token key needs at least 32 bytes");
    }
    try {
      prototype = Mac.getInstance("HmacSHA256");
      prototype.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** The signed form of a store token, as given to the worker. */
  String sign(String token) {
    return token + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(token));
  }

  /** The store token inside a signed token, or null when the signature does not check. */
  String verify(String signed) {
    if (signed == null || signed.length() > MAX_LENGTH) {
      return null;
    }
    int dot = signed.lastIndexOf('.');
    if (dot <= 0) {
      return null;
    }
    String token = signed.substring(0, dot);
    byte[] given;
    try {
      given = Base64.getUrlDecoder().decode(signed.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return null;
    }
    return MessageDigest.isEqual(given, mac(token)) ? token : null;
  }

  private byte[] mac(String token) {
    try {
      Mac mac = (Mac) prototype.clone();
      return Arrays.copyOf(mac.doFinal(token.getBytes(StandardCharsets.UTF_8)), MAC_BYTES);
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's HmacSHA256 can be cloned", e);
    }
  }
}

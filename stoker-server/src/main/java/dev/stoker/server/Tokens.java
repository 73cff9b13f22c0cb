package dev.stoker.server;

import dev.stoker.server.auth.TokenFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tokens of a token file, found by the SHA-256 of a presented token: one digest and one hash
 * map lookup per request. The map is keyed by the digest's first 64 bits; the whole digest is then
 * compared in constant time, so the lookup's timing depends on a hash of the token, never on how
 * much of a guessed token is right.
 */
final class Tokens {
  private static final MessageDigest SHA256;

  static {
    try {
      SHA256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A token's entry and what it has in flight. */
  static final class Grant implements Visibility {
    final TokenFile.Entry entry;

    /** Claims of this token in flight, for the per-token limit on long polls. */
    final AtomicInteger claims;

    private final int maxClaims;

    Grant(TokenFile.Entry entry, AtomicInteger claims, int maxClaims) {
      this.entry = entry;
      this.claims = claims;
      this.maxClaims = maxClaims;
    }

    /**
     * Counts one more claim of this token in flight (a claim request, or a finish's claim part)
     * until the returned slot is run; a 429 refusal when the token has its limit's worth already.
     */
    Runnable takeClaim() {
      if (claims.incrementAndGet() > maxClaims) {
        claims.decrementAndGet();
        throw Problem.of(
                429,
                "too-many-claims",
                "Too many claims in flight",
                "the token '"
                    + entry.name()
                    + "' already has "
                    + maxClaims
                    + " claims waiting, the limit (--max-claims-per-token); retry later")
            .refusal();
      }
      return claims::decrementAndGet;
    }

    @Override
    public boolean all() {
      return entry.queues().all();
    }

    @Override
    public boolean sees(String queue) {
      return entry.queues().matches(queue);
    }
  }

  private final Map<Long, Grant[]> byDigest;

  /**
   * The tokens of {@code entries}, each with at most {@code maxClaims} claims in flight; a token
   * named as one in {@code previous} keeps its in-flight count, so reloading the file does not
   * reset the limit on its long polls.
   */
  Tokens(List<TokenFile.Entry> entries, Tokens previous, int maxClaims) {
    Map<String, AtomicInteger> counters = new HashMap<>();
    if (previous != null) {
      for (Grant[] gs : previous.byDigest.values()) {
        for (Grant g : gs) {
          counters.put(g.entry.name(), g.claims);
        }
      }
    }
    Map<Long, Grant[]> map = new HashMap<>();
    for (TokenFile.Entry e : entries) {
      Grant g = new Grant(e, counters.getOrDefault(e.name(), new AtomicInteger()), maxClaims);
      map.merge(
          key(e.sha256()),
          new Grant[] {g},
          (a, b) -> {
            Grant[] both = java.util.Arrays.copyOf(a, a.length + 1);
            both[a.length] = b[0];
            return both;
          });
    }
    this.byDigest = Map.copyOf(map);
  }

  int size() {
    int n = 0;
    for (Grant[] gs : byDigest.values()) {
      n += gs.length;
    }
    return n;
  }

  /** The grant of {@code token}, or null when no entry has its hash. */
  Grant find(String token) {
    byte[] digest = digest(token);
    Grant[] candidates = byDigest.get(key(digest));
    if (candidates == null) {
      return null;
    }
    for (Grant g : candidates) {
      if (MessageDigest.isEqual(g.entry.sha256(), digest)) {
        return g;
      }
    }
    return null;
  }

  private static byte[] digest(String token) {
    try {
      // a clone of a ready digest is cheaper than looking the algorithm up again
      MessageDigest md = (MessageDigest) SHA256.clone();
      return md.digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (CloneNotSupportedException e) {
      return TokenFile.sha256(token);
    }
  }

  private static long key(byte[] digest) {
    return ByteBuffer.wrap(digest).getLong();
  }
}

package dev.stoker.server.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The token file: one bearer token a line, stored as the SHA-256 of the token, never the token:
 *
 * <pre>
 * # NAME      ROLE      QUEUES            SHA-256 OF THE TOKEN
 * billing-ci  producer  billing.*,reports sha256:9f86d08…
 * </pre>
 *
 * <p>Fields are separated by spaces or tabs; blank lines and lines starting with {@code #} are
 * ignored. A plain (unsalted, fast) hash is enough because tokens are 256 random bits made by
 * {@link #newToken()}: nobody can guess one from its hash, so the slow, salted hashes passwords
 * need buy nothing here (docs/security.md).
 */
public final class TokenFile {
  /** Every token starts with this, so leaked tokens are easy to spot (e.g. by secret scanners). */
  public static final String PREFIX = "stk_";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern WHITESPACE = Pattern.compile("[ \\t]+");
  private static final String SHA256 = "sha256:";
  private static final SecureRandom RANDOM = new SecureRandom();

  private TokenFile() {}

  /**
   * One token: who it is for, what it may do, on which queues, and the SHA-256 of the token.
   *
   * @param name a label for logs and revocation: 1-64 characters of [A-Za-z0-9._-], unique in the
   *     file
   * @param role what the token may do
   * @param queues the queues it may do it on
   * @param sha256 the SHA-256 of the token's UTF-8 bytes
   */
  public record Entry(String name, Role role, QueuePatterns queues, byte[] sha256) {
    /** This entry as a line of the file. */
    public String line() {
      return name
          + " "
          + role.wireName()
          + " "
          + queues
          + " "
          + SHA256
          + HexFormat.of().formatHex(sha256);
    }
  }

  /** A new token: {@value #PREFIX} and 256 random bits, base64url-encoded. */
  public static String newToken() {
    byte[] bits = new byte[32];
    RANDOM.nextBytes(bits);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
  }

  /** The SHA-256 of {@code token}'s UTF-8 bytes. */
  public static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Checks and builds an entry for {@code token}.
   *
   * @throws IllegalArgumentException naming the bad field
   */
  public static Entry entry(String name, String role, String queues, String token) {
    return new Entry(checkName(name), checkRole(role), QueuePatterns.parse(queues), sha256(token));
  }

  /**
   * Reads the entries of {@code file}.
   *
   * @throws IllegalArgumentException naming the line at fault, when one is not an entry or a name
   *     is used twice
   * @throws IOException when the file cannot be read
   */
  public static List<Entry> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Entry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        Entry e = parse(line);
        if (!names.add(e.name())) {
          throw new IllegalArgumentException("the name '" + e.name() + "' is used twice");
        }
        entries.add(e);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return entries;
  }

  private static Entry parse(String line) {
    String[] f = WHITESPACE.split(line);
    if (f.length != 4) {
      throw new IllegalArgumentException(
          "expected 4 fields, NAME ROLE QUEUES sha256:HEX; found " + f.length);
    }
    if (!f[3].startsWith(SHA256) || f[3].length() != SHA256.length() + 64) {
      throw new IllegalArgumentException("the hash must be sha256: and 64 hex digits");
    }
    byte[] hash;
    try {
      hash = HexFormat.of().parseHex(f[3].substring(SHA256.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the hash must be sha256: and 64 hex digits");
    }
    return new Entry(checkName(f[0]), checkRole(f[1]), QueuePatterns.parse(f[2]), hash);
  }

  private static String checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "'" + name + "' is not a token name: 1-64 characters of [A-Za-z0-9._-]");
    }
    return name;
  }

  private static Role checkRole(String role) {
    Role r = Role.fromWireName(role);
    if (r == null) {
      throw new IllegalArgumentException(
          "'" + role + "' is not a role: producer, worker, viewer or admin");
    }
    return r;
  }

  /**
   * Appends {@code entry} to {@code file}, creating the file readable and writable by its owner
   * only (0600) when it does not exist.
   *
   * @throws IllegalArgumentException when the file already has a token of that name, or is not
   *     valid
   */
  public static void append(Path file, Entry entry) throws IOException {
    createPrivate(file);
    for (Entry e : read(file)) {
      if (e.name().equals(entry.name())) {
        throw new IllegalArgumentException(
            "the token file "
                + file
                + " already has a token named '"
                + entry.name()
                + "'; revoke it first or pick another name");
      }
    }
    byte[] existing = Files.readAllBytes(file);
    String sep = existing.length > 0 && existing[existing.length - 1] != '\n' ? "\n" : "";
    Files.writeString(
        file, sep + entry.line() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  /**
   * Removes the token named {@code name} from {@code file}, keeping every other line as it is; the
   * file is replaced atomically, so a server re-reading it sees the old or the new file.
   *
   * @return whether there was such a token
   */
  public static boolean revoke(Path file, String name) throws IOException {
    read(file); // refuse to rewrite a file we cannot parse
    List<String> kept = new ArrayList<>();
    boolean found = false;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String s = line.strip();
      if (!s.isEmpty() && !s.startsWith("#") && WHITESPACE.split(s)[0].equals(name)) {
        found = true;
      } else {
        kept.add(line);
      }
    }
    if (found) {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      createPrivate(tmp);
      Files.write(tmp, kept, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return found;
  }

  private static void createPrivate(Path file) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    try {
      if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException e) {
      // made meanwhile: append to it
    }
  }
}

package dev.stoker.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {
  @TempDir Path dir;

  @Test
  void new_tokens_are_prefixed_256_bit_and_distinct() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String t = TokenFile.newToken();
      assertThat(t).startsWith("stk_").hasSize(4 + 43).matches("stk_[A-Za-z0-9_-]{43}");
      assertThat(seen.add(t)).isTrue();
    }
  }

  @Test
  void the_hash_is_sha256_of_the_token() {
    // echo -n abc | sha256sum
    assertThat(HexFormat.of().formatHex(TokenFile.sha256("abc")))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void append_creates_the_file_owner_only_and_read_finds_the_entries() throws Exception {
    Path f = dir.resolve("tokens");
    String t1 = TokenFile.newToken();
    TokenFile.append(f, TokenFile.entry("ci", "producer", "billing.*,reports", t1));
    TokenFile.append(f, TokenFile.entry("w1", "worker", "*", TokenFile.newToken()));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
    String text = Files.readString(f);
    assertThat(text).doesNotContain(t1).contains("ci producer billing.*,reports sha256:");
    List<TokenFile.Entry> entries = TokenFile.read(f);
    assertThat(entries).extracting(TokenFile.Entry::name).containsExactly("ci", "w1");
    assertThat(entries.get(0).role()).isEqualTo(Role.PRODUCER);
    assertThat(entries.get(0).sha256()).isEqualTo(TokenFile.sha256(t1));
    assertThat(entries.get(0).queues().matches("billing.eu")).isTrue();
  }

  @Test
  void a_name_is_used_once() throws Exception {
    Path f = dir.resolve("tokens");
    TokenFile.append(f, TokenFile.entry("ci", "producer", "*", TokenFile.newToken()));
    assertThatThrownBy(
            () -> TokenFile.append(f, TokenFile.entry("ci", "admin", "*", TokenFile.newToken())))
        .hasMessageContaining("already has a token named 'ci'");
  }

  @Test
  void comments_blank_lines_and_tabs_are_allowed() throws Exception {
    Path f = dir.resolve("tokens");
    String hash = HexFormat.of().formatHex(TokenFile.sha256("x"));
    Files.writeString(f, "# a comment\n\n  ops\tadmin\t*\tsha256:" + hash + "  \n");
    assertThat(TokenFile.read(f))
        .singleElement()
        .extracting(TokenFile.Entry::name)
        .isEqualTo("ops");
  }

  @Test
  void a_bad_line_is_reported_with_its_number() throws Exception {
    String hash = "sha256:" + "ab".repeat(32);
    String[][] cases = {
      {"ops admin *", "expected 4 fields"},
      {"ops root * " + hash, "'root' is not a role"},
      {"o/ps admin * " + hash, "not a token name"},
      {"ops admin a/b " + hash, "not a queue pattern"},
      {"ops admin * sha256:abc", "64 hex digits"},
      {"ops admin * md5:" + "ab".repeat(32), "64 hex digits"},
      {"ops admin * sha256:" + "zz".repeat(32), "64 hex digits"},
      {"ops admin * " + hash + "\nops viewer * " + hash, "used twice"},
    };
    for (String[] c : cases) {
      Path f = dir.resolve("bad");
      Files.writeString(f, "# header\n" + c[0] + "\n", StandardCharsets.UTF_8);
      assertThatThrownBy(() -> TokenFile.read(f))
          .as(c[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c[1])
          .hasMessageContaining(f + ":" + (c[1].equals("used twice") ? 3 : 2) + ":");
    }
  }

  @Test
  void revoke_removes_only_the_named_token() throws Exception {
    Path f = dir.resolve("tokens");
    Files.writeString(f, "# keep me\n");
    TokenFile.append(f, TokenFile.entry("a", "viewer", "*", TokenFile.newToken()));
    TokenFile.append(f, TokenFile.entry("b", "viewer", "*", TokenFile.newToken()));
    assertThat(TokenFile.revoke(f, "a")).isTrue();
    assertThat(TokenFile.revoke(f, "a")).isFalse();
    assertThat(TokenFile.read(f)).extracting(TokenFile.Entry::name).containsExactly("b");
    assertThat(Files.readString(f)).startsWith("# keep me\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
  }
}

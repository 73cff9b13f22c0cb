package dev.stoker.cli;

import dev.stoker.server.auth.TokenFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code stoker token}: makes, lists and revokes the bearer tokens of a token file. */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = {
      "Manages the token file of 'stoker serve --tokens FILE' (docs/security.md).",
      "The server re-reads the file within a second of a change."
    },
    subcommands = {TokenCommand.Create.class, TokenCommand.List.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a subcommand: create, list or revoke");
  }

  /** The token file option every subcommand takes. */
  static final class FileOption {
    @Option(
        names = "--file",
        paramLabel = "FILE",
        defaultValue = "${env:STOKER_TOKENS_FILE:-./stoker-tokens}",
        description = "The token file (env STOKER_TOKENS_FILE). Default: ${DEFAULT-VALUE}")
    Path file;
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Makes a new random token, prints it ONCE on standard output, and appends its SHA-256 "
            + "to the token file (created readable by its owner only).",
        "Only the hash is kept: a lost token " + "cannot be recovered, only revoked and replaced."
      })
  static final class Create implements Callable<Integer> {
    @Option(
        names = "--name",
        required = true,
        paramLabel = "NAME",
        description =
            "A name for logs and revocation, unique in the file: 1-64 characters of [A-Za-z0-9._-].")
    String name;

    @Option(
        names = "--role",
        required = true,
        paramLabel = "ROLE",
        description =
            "producer, worker, viewer or admin (see docs/security.md for what each may do).")
    String role;

    @Option(
        names = "--queues",
        defaultValue = "*",
        paramLabel = "PATTERNS",
        description =
            "Comma-separated queue patterns, '*' matching any characters, e.g. 'billing.*,reports'. "
                + "Default: ${DEFAULT-VALUE}")
    String queues;

    @picocli.CommandLine.Mixin FileOption file;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      String token = TokenFile.newToken();
      TokenFile.Entry entry;
      try {
        entry = TokenFile.entry(name, role, queues, token);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      try {
        TokenFile.append(file.file, entry);
      } catch (IllegalArgumentException e) {
        System.err.println("stoker: " + e.getMessage());
        return 1;
      }
      System.out.println(token);
      System.err.println(
          "token '"
              + name
              + "' ("
              + entry.role().wireName()
              + " on "
              + entry.queues()
              + ") added to "
              + file.file
              + "; it is shown only this once");
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "Lists the tokens of the file: name, role and queues (never the tokens: only hashes are kept).")
  static final class List implements Callable<Integer> {
    @picocli.CommandLine.Mixin FileOption file;

    @Override
    public Integer call() throws IOException {
      java.util.List<TokenFile.Entry> entries;
      try {
        entries = TokenFile.read(file.file);
      } catch (IllegalArgumentException e) {
        System.err.println("stoker: " + e.getMessage());
        return 1;
      }
      System.out.printf("%-24s %-9s %s%n", "NAME", "ROLE", "QUEUES");
      for (TokenFile.Entry e : entries) {
        System.out.printf("%-24s %-9s %s%n", e.name(), e.role().wireName(), e.queues());
      }
      return 0;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description =
          "Removes the token NAME from the file; a running server stops accepting it within a second.")
  static final class Revoke implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The token's name.")
    String name;

    @picocli.CommandLine.Mixin FileOption file;

    @Override
    public Integer call() throws IOException {
      try {
        if (!TokenFile.revoke(file.file, name)) {
          System.err.println("stoker: no token named '" + name + "' in " + file.file);
          return 1;
        }
      } catch (IllegalArgumentException e) {
        System.err.println("stoker: " + e.getMessage());
        return 1;
      }
      System.err.println("token '" + name + "' revoked");
      return 0;
    }
  }
}

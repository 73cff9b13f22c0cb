package dev.stoker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code stoker} command. */
@Command(
    name = "stoker",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Stoker: a durable task queue with leases and at-least-once delivery.",
    subcommands = {
      ServeCommand.class,
      PutCommand.class,
      WorkCommand.class,
      GetCommand.class,
      QueuesCommand.class,
      TokenCommand.class,
      TasksCommand.class,
      CancelCommand.class,
      RetryCommand.class,
      RedriveCommand.class,
      SettingsCommand.class
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  stoker serve                        run the server on ./stoker-data, 127.0.0.1:7654",
      "  stoker serve --listen 0.0.0.0:7654  listen on every interface",
      "  stoker put emails send --params '{\"to\": \"ada@example.com\"}'",
      "  stoker work --queue emails -- ./send.sh",
      "  stoker queues",
      "  stoker verify --duration 60s --faults kill,pause --seed 1   fault injection with a checker",
      "  source <(stoker generate-completion)   tab completion in bash or zsh",
      "",
      "Exit codes: 0 success, 1 failure, 2 usage error."
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // One line per record for the client library's java.util.logging output.
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty(
          "java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$-7s %5$s%6$s%n");
    }
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    // The tools ship apart from the server (stoker-cli/target/tools): offered when on the class
    // path.
    if (onClassPath("dev.stoker.bench.Bench")) {
      cl.addSubcommand(new BenchCommand());
    }
    if (onClassPath("dev.stoker.verify.Verify")) {
      cl.addSubcommand(new VerifyCommand());
    }
    cl.addSubcommand(new picocli.AutoComplete.GenerateCompletion())
        .addSubcommand(new CommandLine.HelpCommand());
    cl.setCaseInsensitiveEnumValuesAllowed(true)
        .setUsageHelpAutoWidth(true)
        .setExecutionExceptionHandler(Main::handle);
    cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    return cl;
  }

  private static boolean onClassPath(String className) {
    return Main.class.getClassLoader().getResource(className.replace('.', '/') + ".class") != null;
  }

  /** Errors a user can act on get one line and exit 1 (2 for usage); a bug gets its stack trace. */
  private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    java.io.PrintStream err =
        cl.getErr() == null ? System.err : new java.io.PrintStream(System.err);
    if (e instanceof PutCommand.Usage) {
      err.println("stoker: " + e.getMessage());
      err.println("Try 'stoker " + cl.getCommandName() + " --help'.");
      return 2;
    }
    if (e instanceof dev.stoker.client.ProblemException p) {
      err.println(
          "stoker: "
              + p.detail()
              + (p.field() != null ? " (field " + p.field() + ")" : "")
              + " [HTTP "
              + p.status()
              + "]");
      return 1;
    }
    if (e instanceof dev.stoker.client.StokerUnavailableException u) {
      err.println(
          "stoker: "
              + (u.status() > 0
                  ? "the server is unavailable (HTTP " + u.status() + ")"
                  : "cannot reach the server (" + why(u) + ")"));
      err.println(
          "Is it running? Start it with './stoker serve', or point --server / STOKER_URL at it.");
      return 1;
    }
    if (e instanceof java.io.IOException io) {
      err.println("stoker: " + io.getMessage());
      return 1;
    }
    e.printStackTrace(err);
    return 1;
  }

  /** Why a connection failed, in words. */
  private static String why(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return "connection refused";
      }
      if (t instanceof java.net.http.HttpTimeoutException) {
        return "timed out";
      }
      if (t instanceof java.net.UnknownHostException) {
        return "unknown host";
      }
    }
    return "connection failed";
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"stoker " + (v == null ? "development build" : v)};
    }
  }
}

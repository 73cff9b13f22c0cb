package dev.stoker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code stoker} command. */
@Command(
    name = "stoker",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Stoker: a durable task queue with leases and at-least-once delivery.",
    subcommands = {ServeCommand.class, CommandLine.HelpCommand.class},
    footerHeading = "%nExamples:%n",
    footer = {
        "  stoker serve                        run the server on ./stoker-data, 127.0.0.1:7654",
        "  stoker serve --listen 0.0.0.0:7654  listen on every interface",
        "",
        "Exit codes: 0 success, 1 failure, 2 usage error."})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).setUsageHelpAutoWidth(true);
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

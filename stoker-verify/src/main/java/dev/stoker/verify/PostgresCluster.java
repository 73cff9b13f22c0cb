package dev.stoker.verify;

import dev.stoker.testkit.PgTemp;
import java.util.List;

/**
 * The PostgreSQL backend under test: a throwaway PostgreSQL ({@code bin/pg-temp}, through {@link
 * PgTemp}) and {@link #NODES} {@code stoker serve --store postgres} processes over the same
 * database and schema — the deployment this backend exists for. A server kill or pause hits one
 * Stoker process; a database kill SIGKILLs the postmaster and starts it again on the same port and
 * data directory, and the servers, which answer 503 meanwhile, must find it again by themselves.
 */
final class PostgresCluster extends SharedStoreCluster {
  private static final String SCHEMA = "verify";

  private PgTemp pg;

  @Override
  void startDatabase() {
    pg = PgTemp.start();
  }

  @Override
  public String data() {
    return "empty data: a new PostgreSQL at "
        + pg.url().replaceAll("\\?.*", "")
        + " (deleted at the end)";
  }

  @Override
  List<String> storeArgs() {
    return List.of("--store", "postgres", "--pg-url", pg.url(), "--pg-schema", SCHEMA);
  }

  @Override
  public void killDatabase() {
    pg.kill();
  }

  @Override
  public void restartDatabase() {
    pg.restart();
  }

  @Override
  void closeDatabase() {
    if (pg != null) {
      pg.close();
    }
  }
}

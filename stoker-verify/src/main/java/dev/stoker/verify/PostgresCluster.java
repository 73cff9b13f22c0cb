package dev.stoker.verify;

import dev.stoker.testkit.PgTemp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The PostgreSQL backend under test: a throwaway PostgreSQL ({@code bin/pg-temp}, through
 * {@link PgTemp}) and {@link #NODES} {@code stoker serve --store postgres} processes over the same
 * database and schema — the deployment this backend exists for. A server kill or pause hits one
 * Stoker process; a database kill SIGKILLs the postmaster and starts it again on the same port and
 * data directory, and the servers, which answer 503 meanwhile, must find it again by themselves.
 */
final class PostgresCluster implements Cluster {
  static final int NODES = 2;
  private static final String SCHEMA = "verify";

  private final ServerProcess[] servers = new ServerProcess[NODES];
  private final int[] ports = new int[NODES];
  private PgTemp pg;

  @Override
  public void start() throws IOException {
    pg = PgTemp.start();
    // One after the other: the first applies the schema's migrations, the second finds them applied.
    for (int i = 0; i < NODES; i++) {
      servers[i] = ServerProcess.start(storeArgs(), 0);
      ports[i] = servers[i].port();
    }
  }

  @Override
  public String data() {
    return "empty data: a new PostgreSQL at " + pg.url().replaceAll("\\?.*", "") + " (deleted at the end)";
  }

  private List<String> storeArgs() {
    return List.of("--store", "postgres", "--pg-url", pg.url(), "--pg-schema", SCHEMA);
  }

  @Override
  public List<String> urls() {
    List<String> urls = new ArrayList<>();
    for (int port : ports) {
      urls.add("http://127.0.0.1:" + port);
    }
    return urls;
  }

  @Override
  public void kill(int i) throws InterruptedException {
    servers[i].kill();
  }

  @Override
  public void restart(int i) throws IOException {
    servers[i] = ServerProcess.start(storeArgs(), ports[i]);
  }

  @Override
  public void pause(int i) throws IOException, InterruptedException {
    servers[i].pause();
  }

  @Override
  public void resume(int i) throws IOException, InterruptedException {
    servers[i].resume();
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
  public void close() throws InterruptedException {
    for (ServerProcess s : servers) {
      if (s != null) {
        s.close();
      }
    }
    if (pg != null) {
      pg.close();
    }
  }
}

package dev.stoker.verify;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend of {@link #NODES} {@code stoker serve} processes over one shared database (PostgreSQL,
 * etcd) that verify starts itself: the servers' half of such a {@link Cluster}. A server kill or
 * pause hits one Stoker process; the subclass owns the database and what a "database" kill does.
 */
abstract class SharedStoreCluster implements Cluster {
  static final int NODES = 2;

  private final ServerProcess[] servers = new ServerProcess[NODES];
  private final int[] ports = new int[NODES];

  /** Starts the database, on empty data. */
  abstract void startDatabase() throws IOException;

  /** The {@code stoker serve} flags that put a server on the database. */
  abstract List<String> storeArgs();

  /** Stops the database and deletes its data. */
  abstract void closeDatabase();

  @Override
  public final void start() throws IOException {
    startDatabase();
    // One after the other: the first sets up what the store needs, the second finds it there.
    for (int i = 0; i < NODES; i++) {
      servers[i] = ServerProcess.start(storeArgs(), 0);
      ports[i] = servers[i].port();
    }
  }

  @Override
  public final List<String> urls() {
    List<String> urls = new ArrayList<>();
    for (int port : ports) {
      urls.add("http://127.0.0.1:" + port);
    }
    return urls;
  }

  @Override
  public final void kill(int i) throws InterruptedException {
    servers[i].kill();
  }

  @Override
  public final void restart(int i) throws IOException {
    servers[i] = ServerProcess.start(storeArgs(), ports[i]);
  }

  @Override
  public final void pause(int i) throws IOException, InterruptedException {
    servers[i].pause();
  }

  @Override
  public final void resume(int i) throws IOException, InterruptedException {
    servers[i].resume();
  }

  @Override
  public final void close() throws InterruptedException {
    for (ServerProcess s : servers) {
      if (s != null) {
        s.close();
      }
    }
    closeDatabase();
  }
}

package dev.stoker.it;

import dev.stoker.client.StokerClient;
import dev.stoker.client.Worker;
import java.time.Duration;

/**
 * A worker process for {@link WorkerKillTest}: it claims with a short lease, prints the task and
 * its lease token, and then works on it for as long as it lives (heartbeating), until it is killed.
 */
public final class HoldingWorkerMain {
  public static void main(String[] args) throws InterruptedException {
    StokerClient client = StokerClient.builder().baseUrl(args[0]).build();
    Worker worker =
        Worker.builder(client)
            .queue(args[1])
            .concurrency(1)
            .lease(Duration.ofSeconds(2))
            .pollWait(Duration.ofSeconds(1))
            .defaultHandler(
                task -> {
                  System.out.println("HOLDING " + task.id() + " " + task.task().lease().token());
                  System.out.flush();
                  Thread.sleep(Duration.ofHours(1));
                  return null;
                })
            .build()
            .start();
    Thread.sleep(Duration.ofHours(1));
    worker.close();
  }
}

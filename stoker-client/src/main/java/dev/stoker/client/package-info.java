/**
 * The Java client of Stoker, a durable task queue with leases, over its HTTP+JSON API v1.
 *
 * <ul>
 *   <li>{@link dev.stoker.client.StokerClient}: every operation of the API: enqueue (producer);
 *       claim, heartbeat, complete, fail, release (worker level); queues, settings, tasks, cancel,
 *       retry, redrive (admin).
 *   <li>{@link dev.stoker.client.Worker}: a worker runtime on virtual threads that claims tasks,
 *       runs them with {@link dev.stoker.client.TaskHandler}s, heartbeats their leases and reports
 *       their outcomes, and rides out server restarts.
 *   <li>{@link dev.stoker.client.StokerException} and its subclasses: everything a call can throw.
 * </ul>
 *
 * <p>The client depends on the JDK and Jackson only. See docs/client.md.
 */
package dev.stoker.client;

package dev.stoker.store.etcd;

import dev.stoker.core.Task;
import dev.stoker.core.store.StoreUnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enqueue batches larger than one etcd transaction, stored all or nothing (docs/backends/etcd.md,
 * Batches). etcd commits at most {@code --max-txn-ops} operations and {@code --max-request-bytes}
 * per transaction, so such a batch cannot be one transaction of its task keys. Its writer instead:
 *
 * <ol>
 *   <li>puts {@code b/BATCH/owner}, bound to its lease;
 *   <li>puts the tasks as made into parts, each in a transaction that compares the owner key (a
 *       writer whose lease ran out writes nothing more);
 *   <li>commits: one transaction, comparing the owner key again, puts {@code b/BATCH/commit}. The
 *       batch is stored from here on;
 *   <li>writes the tasks out (the store's enqueue; each of its transactions compares the commit
 *       key, so nothing is written for a batch once it is finished);
 *   <li>finishes: deletes {@code b/BATCH/}.
 * </ol>
 *
 * A writer that dies before the commit leaves parts that the sweeping server deletes; one that dies
 * after it leaves a committed batch that the sweeping server takes over (puts its own owner key)
 * and writes out. A writer that lives but failed (etcd unreachable) finishes its batch itself, in
 * the background, until it can.
 */
final class Batches {
  private static final Logger log = LoggerFactory.getLogger(Batches.class);

  /** The most keys of batches one sweep reads. */
  private static final int SCAN_LIMIT = 10_000;

  private static final PutOption PUT = PutOption.DEFAULT;

  private static final long RETRY_MIN_MS = 200;
  private static final long RETRY_MAX_MS = 10_000;

  /** A stored batch: every write of its tasks requires its commit key. */
  record Intent(String id, ByteSequence commitKey) {
    Cmp stillOpen() {
      return new Cmp(commitKey, Cmp.Op.GREATER, CmpTarget.version(0));
    }
  }

  private final Etcd etcd;
  private final Keys keys;

  /** The batches this server writes now: the owner keys it holds. */
  private final Set<String> writing = ConcurrentHashMap.newKeySet();

  private volatile boolean closed;

  Batches(Etcd etcd, Keys keys) {
    this.etcd = etcd;
    this.keys = keys;
  }

  /**
   * Stores the tasks as one batch under {@code lease}; once this returns they are stored, and the
   * caller writes them out and then {@link #finish}es, or hands them to {@link #finishLater}.
   *
   * @throws StoreUnavailableException when the batch may not be stored: the caller must not answer
   *     that it is (a batch whose commit's answer was lost is finished in the background, written
   *     out or dropped, as etcd has it)
   */
  Intent store(List<Task> made, long lease, BiConsumer<Intent, List<Task>> writeOut) {
    String id = made.get(0).id().toString();
    ByteSequence owner = keys.batchOwner(id);
    Intent intent = new Intent(id, keys.batchCommit(id));
    List<ByteSequence> parts = parts(made);
    ByteSequence partCount = Keys.bytes(Integer.toString(parts.size()));
    writing.add(id);
    try {
      // The owner key and the first part in one transaction; with the commit too when the batch
      // is one part, as most are (1,000 small tasks take about 250 KB).
      List<Op> first = new ArrayList<>(List.of(Op.put(keys.batchPart(id, 0), parts.get(0), PUT)));
      if (parts.size() == 1) {
        first.add(Op.put(intent.commitKey(), partCount, PUT));
      }
      long ownerRevision = own(owner, lease, first);
      if (ownerRevision == 0) { // the ids are task ids, which no two servers make alike
        writing.remove(id);
        throw new IllegalStateException("batch " + id + " is held by another server");
      }
      if (parts.size() > 1) {
        Cmp stillOwner = new Cmp(owner, Cmp.Op.EQUAL, CmpTarget.createRevision(ownerRevision));
        for (int n = 1; n < parts.size(); n++) {
          put(stillOwner, keys.batchPart(id, n), parts.get(n));
        }
        put(stillOwner, intent.commitKey(), partCount);
      }
      return intent;
    } catch (StoreUnavailableException e) {
      // Whatever got through is this server's: it finishes it (a commit whose answer was lost
      // included).
      finishLater(intent, writeOut);
      throw e;
    }
  }

  /**
   * Puts the owner key, and {@code with} in the same transaction; the owner key's create revision,
   * or 0 when another server holds it. A key already there under our lease is one whose answer was
   * lost (so {@code with} was written too).
   */
  private long own(ByteSequence owner, long lease, List<Op> with) {
    PutOption withLease = PutOption.builder().withLeaseId(lease).build();
    List<Op> ops = new ArrayList<>(with);
    ops.add(Op.put(owner, Keys.bytes(Long.toHexString(lease)), withLease));
    TxnResponse r =
        etcd.txn(
            new Cmp[] {new Cmp(owner, Cmp.Op.EQUAL, CmpTarget.version(0))},
            ops.toArray(Op[]::new),
            new Op[] {Op.get(owner, GetOption.DEFAULT)});
    if (r.isSucceeded()) {
      return r.getHeader().getRevision();
    }
    // A repeat of a put whose answer was lost fails on what the first one wrote: then it is ours.
    List<KeyValue> held = r.getGetResponses().get(0).getKvs();
    if (!held.isEmpty() && held.get(0).getLease() == lease) {
      return held.get(0).getCreateRevision();
    }
    return 0;
  }

  private void put(Cmp stillOwner, ByteSequence key, ByteSequence value) {
    if (!etcd.txn(new Cmp[] {stillOwner}, new Op[] {Op.put(key, value, PUT)}, new Op[0])
        .isSucceeded()) {
      throw new StoreUnavailableException(
          "etcd: this server's lease ran out while it stored a batch; the batch is not stored");
    }
  }

  /** The tasks in parts of at most {@link EtcdStore#TXN_BYTES} (a larger task alone). */
  private static List<ByteSequence> parts(List<Task> made) {
    List<ByteSequence> parts = new ArrayList<>();
    List<ByteSequence> part = new ArrayList<>();
    int bytes = 0;
    for (Task t : made) {
      ByteSequence record = Codec.task(t);
      if (!part.isEmpty() && bytes + record.size() > EtcdStore.TXN_BYTES) {
        parts.add(Codec.tasks(part));
        part = new ArrayList<>();
        bytes = 0;
      }
      part.add(record);
      bytes += record.size() + 4;
    }
    parts.add(Codec.tasks(part));
    return parts;
  }

  /** Whether the batch is still to be written out (its commit key is there). */
  boolean isOpen(Intent intent) {
    return etcd.get(intent.commitKey()) != null;
  }

  /** Deletes the batch's keys: its tasks are all written out. */
  void finish(Intent intent) {
    String prefix = keys.batch(intent.id());
    etcd.txn(
        new Cmp[0],
        new Op[] {
          Op.delete(
              Keys.bytes(prefix),
              DeleteOption.builder().withRange(Keys.bytes(Keys.end(prefix))).build())
        },
        new Op[0]);
    writing.remove(intent.id());
  }

  /**
   * Finishes in the background a batch of this server that failed half way: writes it out if it is
   * stored, deletes its parts if not, retrying until etcd answers or the store closes (then its
   * owner key goes with this server's lease, and the sweeping server takes over).
   */
  void finishLater(Intent intent, BiConsumer<Intent, List<Task>> writeOut) {
    Thread.ofVirtual()
        .name("stoker-etcd-batch-" + intent.id())
        .start(
            () -> {
              for (long wait = RETRY_MIN_MS; !closed; wait = Math.min(RETRY_MAX_MS, wait * 2)) {
                try {
                  Thread.sleep(wait); // etcd just failed: give it time
                  resume(intent, writeOut);
                  return;
                } catch (InterruptedException e) {
                  return;
                } catch (RuntimeException e) {
                  log.warn("batch {} not finished yet: {}", intent.id(), e.getMessage());
                }
              }
            });
  }

  /** Writes out a batch this server holds, if it is stored, and deletes its keys. */
  private void resume(Intent intent, BiConsumer<Intent, List<Task>> writeOut) {
    List<Task> made = stored(intent.id());
    if (made != null) {
      writeOut.accept(intent, made);
    }
    finish(intent);
  }

  /** The tasks of a committed batch, or null when it has no commit key. */
  private List<Task> stored(String id) {
    String prefix = keys.batchParts(id);
    TxnResponse r =
        etcd.txn(
            new Cmp[0],
            new Op[] {
              Op.get(keys.batchCommit(id), GetOption.DEFAULT),
              Op.get(
                  Keys.bytes(prefix),
                  GetOption.builder().withRange(Keys.bytes(Keys.end(prefix))).build())
            },
            new Op[0]);
    if (r.getGetResponses().get(0).getKvs().isEmpty()) {
      return null;
    }
    List<Task> made = new ArrayList<>();
    for (KeyValue kv : r.getGetResponses().get(1).getKvs()) {
      made.addAll(Codec.tasks(kv.getValue()));
    }
    return made;
  }

  /**
   * The sweeping server's part: takes over the batches whose writer is gone (no owner key), under
   * {@code lease}, writing out those that are stored and deleting the others.
   */
  void takeOverAbandoned(long lease, BiConsumer<Intent, List<Task>> writeOut) {
    Map<String, Boolean> owned = new LinkedHashMap<>();
    String root = keys.batches();
    for (KeyValue kv : etcd.range(root, Keys.end(root), SCAN_LIMIT, true, false).getKvs()) {
      String rest = Keys.text(kv.getKey()).substring(root.length());
      String id = rest.substring(0, rest.indexOf('/'));
      owned.merge(id, rest.endsWith("/owner"), Boolean::logicalOr);
    }
    for (Map.Entry<String, Boolean> b : owned.entrySet()) {
      if (b.getValue() || writing.contains(b.getKey())) {
        continue;
      }
      String id = b.getKey();
      Intent intent = new Intent(id, keys.batchCommit(id));
      writing.add(id);
      try {
        if (own(keys.batchOwner(id), lease, List.of()) == 0) {
          writing.remove(id); // another server took it over
          continue;
        }
        log.info("taking over batch {}: its writer is gone", id);
        resume(intent, writeOut);
      } catch (RuntimeException e) {
        // Finishing is safe whoever holds the batch: it deletes the keys only after writing out
        // every task, or when nothing can commit the batch any more (its writer is gone).
        finishLater(intent, writeOut);
        throw e;
      }
    }
  }

  void close() {
    closed = true;
  }
}

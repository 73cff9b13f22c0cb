package dev.stoker.store.etcd;

import dev.stoker.core.store.StoreUnavailableException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * The etcd calls the store makes, blocking with a deadline, with etcd's failures turned into {@link
 * StoreUnavailableException}s whose message names the cause (unreachable, out of space). A call
 * that timed out may still commit later (jetcd does not cancel it), which is why every write the
 * store makes is guarded by compares and safe to repeat.
 */
final class Etcd {
  private final Client client;
  private final KV kv;
  private final long timeoutMs;

  Etcd(Client client, long timeoutMs) {
    this.client = client;
    this.kv = client.getKVClient();
    this.timeoutMs = timeoutMs;
  }

  Client client() {
    return client;
  }

  /** One key, linearizable; null when absent. */
  KeyValue get(ByteSequence key) {
    List<KeyValue> kvs = await(kv.get(key), "read").getKvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  /** Keys (and values unless {@code keysOnly}) in [from, to), at most {@code limit} (0: all). */
  GetResponse range(String from, String to, long limit, boolean keysOnly, boolean serializable) {
    GetOption opt =
        GetOption.builder()
            .withRange(Keys.bytes(to))
            .withLimit(limit)
            .withKeysOnly(keysOnly)
            .withSerializable(serializable)
            .build();
    return await(kv.get(Keys.bytes(from), opt), "read");
  }

  /** How many keys start with {@code prefix}, linearizable (visits every one of them). */
  static Op count(String prefix) {
    return Op.get(
        Keys.bytes(prefix),
        GetOption.builder().withRange(Keys.bytes(Keys.end(prefix))).withCountOnly(true).build());
  }

  /**
   * Many keys at once, linearizable, in one read-only transaction per {@code chunk} keys; absent
   * keys give null.
   */
  List<KeyValue> getAll(List<ByteSequence> keys, int chunk) {
    List<KeyValue> out = new ArrayList<>(keys.size());
    for (int from = 0; from < keys.size(); from += chunk) {
      List<ByteSequence> part = keys.subList(from, Math.min(keys.size(), from + chunk));
      Op[] gets = part.stream().map(k -> (Op) Op.get(k, GetOption.DEFAULT)).toArray(Op[]::new);
      for (GetResponse r : txn(new Cmp[0], gets, new Op[0]).getGetResponses()) {
        out.add(r.getKvs().isEmpty() ? null : r.getKvs().get(0));
      }
    }
    return out;
  }

  TxnResponse txn(Cmp[] cmps, Op[] then, Op[] otherwise) {
    return await(kv.txn().If(cmps).Then(then).Else(otherwise).commit(), "write");
  }

  <T> T await(CompletableFuture<T> f, String what) {
    try {
      return f.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new StoreUnavailableException(
          "etcd did not answer a "
              + what
              + " within "
              + timeoutMs
              + " ms (unreachable, or no leader)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for etcd", e);
    } catch (ExecutionException e) {
      throw unavailable(e.getCause());
    }
  }

  /** The failure as the store reports it: a 503 naming the cause. */
  static StoreUnavailableException unavailable(Throwable cause) {
    String refused = refusal(cause);
    if (refused != null) {
      return new StoreUnavailableException(refused, cause);
    }
    String msg = String.valueOf(cause.getMessage());
    if (msg.contains("database space exceeded") || msg.contains("NOSPACE")) {
      return new StoreUnavailableException(
          "etcd is out of space (NOSPACE alarm): it accepts only reads and deletes "
              + "until it is compacted, defragmented and the alarm disarmed",
          cause);
    }
    if (cause instanceof EtcdException ee) {
      return new StoreUnavailableException(
          "etcd refused the request (" + ee.getErrorCode() + "): " + msg, cause);
    }
    return new StoreUnavailableException("etcd failed: " + msg, cause);
  }

  /** etcd's refusals of credentials, by what its message says, and how the store names them. */
  private static final Map<String, String> CREDENTIALS_REFUSED =
      Map.of(
          "authentication failed", "etcd refused the user name or password (%s)",
          "permission denied",
              "etcd denied the user access to the key prefix (%s): the user (without one, the"
                  + " client certificate's common name) needs a role with readwrite on the prefix",
          "authentication is not enabled",
              "etcd's authentication is off, yet a user was given (%s)",
          "user name is empty", "etcd's authentication is on and needs a user and password (%s)",
          "user name not found", "etcd's authentication is on and does not know the user (%s)");

  /**
   * What etcd refused, when the failure is the TLS handshake or the credentials (which trying again
   * does not mend), else null.
   */
  static String refusal(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause()) {
      String msg = String.valueOf(c.getMessage());
      if (c instanceof SSLException) {
        return "TLS with etcd failed ("
            + msg
            + "): check the CA, the client certificate and its key, and that the endpoints are the"
            + " members' https:// client URLs";
      }
      for (Map.Entry<String, String> r : CREDENTIALS_REFUSED.entrySet()) {
        if (msg.contains(r.getKey())) {
          return r.getValue().formatted(msg);
        }
      }
    }
    return null;
  }

  /** Whether the failure says the lease a put named no longer exists. */
  static boolean isLeaseNotFound(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (String.valueOf(c.getMessage()).contains("requested lease not found")) {
        return true;
      }
    }
    return false;
  }
}

package dev.stoker.store.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.IndexType;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB database and its column families (docs/storage.md), opened with bounded memory: one
 * block cache that also accounts for the memtables, index and filter blocks kept in that cache, so
 * that the store's memory does not grow with the number of tasks.
 */
final class Storage implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  /** The on-disk format: the column families, key layouts and records of docs/storage.md. */
  static final long FORMAT = 1;

  static final long CACHE_BYTES = 128L << 20;
  static final long MEMTABLE_BYTES = 64L << 20;

  final RocksDB db;
  final ColumnFamilyHandle meta;
  final ColumnFamilyHandle tasks;
  final ColumnFamilyHandle ready;
  final ColumnFamilyHandle scheduled;
  final ColumnFamilyHandle leases;
  final ColumnFamilyHandle expiry;
  final ColumnFamilyHandle byQueue;
  final ColumnFamilyHandle byState;
  final ColumnFamilyHandle unique;
  final ColumnFamilyHandle queues;
  final ColumnFamilyHandle counts;

  /** Cluster mode only (docs/backends/cluster.md): every origin's events, (origin, seq) → event. */
  final ColumnFamilyHandle events;

  /**
   * Cluster mode only: id → the task's replica (register, version, attempts per node, tombstone).
   */
  final ColumnFamilyHandle replicas;

  final ReadOptions readOptions = new ReadOptions();
  final WriteOptions syncWrite = new WriteOptions().setSync(true);

  /**
   * Rounds are written unsynced and made durable by {@link Syncer}, which syncs the WAL for many.
   */
  final WriteOptions unsyncedWrite = new WriteOptions().setSync(false);

  final Catalog catalog = new Catalog();

  /**
   * Per time-ordered index, a time below which it has no live entries: the sweeper starts there
   * rather than wading through the tombstones of every entry it already handled. Lowered by every
   * insert below it (a clock that stepped back), raised by the sweeper. Sequencer thread only.
   * Keyed by identity: {@code ColumnFamilyHandle.hashCode} and {@code equals} are JNI calls.
   */
  private final java.util.Map<ColumnFamilyHandle, Long> timedFloors =
      new java.util.IdentityHashMap<>();

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();

  Storage(Path dir) throws RocksDBException {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new RocksDBException("cannot create data directory " + dir + ": " + e.getMessage());
    }
    // Half the cache is a high-priority pool for index and filter blocks: with none (the default),
    // a deep queue's data blocks streaming through evicted them, and every point lookup re-read a
    // filter of hundreds of kilobytes (docs/storage.md#memory).
    Cache cache = keep(new LRUCache(CACHE_BYTES, -1, false, 0.5));
    WriteBufferManager memtables = keep(new WriteBufferManager(MEMTABLE_BYTES, cache));
    DBOptions options =
        keep(
            new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setWriteBufferManager(memtables)
                .setMaxBackgroundJobs(2)
                .setMaxTotalWalSize(256L << 20)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2)
                .setMaxLogFileSize(8L << 20));
    ColumnFamilyOptions records = keep(columnFamily(cache, CompressionType.LZ4_COMPRESSION, true));
    ColumnFamilyOptions indexes = keep(columnFamily(cache, CompressionType.NO_COMPRESSION, false));
    String[] names = {
      "default",
      "tasks",
      "ready",
      "scheduled",
      "leases",
      "expiry",
      "by_queue",
      "by_state",
      "unique",
      "queues",
      "counts",
      "events",
      "replicas"
    };
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (String name : names) {
      boolean isRecord =
          name.equals("tasks")
              || name.equals("default")
              || name.equals("queues")
              || name.equals("counts")
              || name.equals("unique")
              || name.equals("events")
              || name.equals("replicas");
      descriptors.add(new ColumnFamilyDescriptor(name.getBytes(), isRecord ? records : indexes));
    }
    db = RocksDB.open(options, dir.toString(), descriptors, handles);
    meta = handles.get(0);
    tasks = handles.get(1);
    ready = handles.get(2);
    scheduled = handles.get(3);
    leases = handles.get(4);
    expiry = handles.get(5);
    byQueue = handles.get(6);
    byState = handles.get(7);
    unique = handles.get(8);
    queues = handles.get(9);
    counts = handles.get(10);
    events = handles.get(11);
    replicas = handles.get(12);
    checkFormat();
    loadCatalog();
  }

  private static ColumnFamilyOptions columnFamily(
      Cache cache, CompressionType compression, boolean pointLookups) {
    // Partitioned index and filters: a lookup loads the small partitions it needs, not a whole
    // file's index and filter, so a deep store's metadata need not fit in the cache at once.
    BlockBasedTableConfig table =
        new BlockBasedTableConfig()
            .setBlockCache(cache)
            .setCacheIndexAndFilterBlocks(true)
            .setCacheIndexAndFilterBlocksWithHighPriority(true)
            .setPinL0FilterAndIndexBlocksInCache(true)
            .setIndexType(IndexType.kTwoLevelIndexSearch)
            .setPinTopLevelIndexAndFilter(true)
            .setBlockSize(16 * 1024);
    if (pointLookups) {
      table.setFilterPolicy(new BloomFilter(10)).setPartitionFilters(true);
    }
    return new ColumnFamilyOptions()
        // Lookups are of tasks that exist, which the last level answers anyway: no filter there
        // saves most of the filter memory (and its cache misses) at no cost.
        .setOptimizeFiltersForHits(pointLookups)
        .setTableFormatConfig(table)
        .setCompressionType(compression)
        .setWriteBufferSize(16L << 20)
        .setMaxWriteBufferNumber(3)
        .setLevelCompactionDynamicLevelBytes(true);
  }

  /** Marks a new store with its format, and refuses a store of a format this code does not know. */
  private void checkFormat() throws RocksDBException {
    byte[] format = db.get(meta, Keys.META_FORMAT);
    if (format == null) {
      db.put(meta, syncWrite, Keys.META_FORMAT, Codec.encodeLong(FORMAT));
    } else if (Codec.decodeLong(format) != FORMAT) {
      db.close();
      throw new RocksDBException(
          "the data directory holds store format "
              + Codec.decodeLong(format)
              + "; this Stoker reads format "
              + FORMAT);
    }
  }

  private void loadCatalog() throws RocksDBException {
    try (RocksIterator it = db.newIterator(queues)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        int id = java.nio.ByteBuffer.wrap(it.key()).getInt();
        Codec.QueueRecord r = Codec.decodeQueue(it.value());
        byte[] c = db.get(counts, it.key());
        long[] counted =
            c == null ? new long[QueueState.SLOTS] : Codec.decodeCounts(c, QueueState.SLOTS);
        catalog.add(new QueueState(id, r.name(), r.settings(), counted));
      }
    }
  }

  /** The lease-token key, made at random the first time the store opens. */
  byte[] leaseTokenKey() throws RocksDBException {
    byte[] key = db.get(meta, Keys.META_TOKEN_KEY);
    if (key == null) {
      key = new byte[32];
      new java.security.SecureRandom().nextBytes(key);
      db.put(meta, syncWrite, Keys.META_TOKEN_KEY, key);
    }
    return key;
  }

  /** The largest HLC timestamp the store has written, so the clock can resume past it. */
  long storedHlc() throws RocksDBException {
    byte[] v = db.get(meta, Keys.META_HLC);
    return v == null ? 0 : Codec.decodeLong(v);
  }

  /** The first key of a time-ordered index at or after {@code from}, or null. */
  byte[] firstKey(ColumnFamilyHandle cf, byte[] from) {
    try (RocksIterator it = db.newIterator(cf, readOptions)) {
      it.seek(from);
      return it.isValid() ? it.key() : null;
    }
  }

  long timedFloor(ColumnFamilyHandle index) {
    return timedFloors.getOrDefault(index, Long.MIN_VALUE);
  }

  void lowerTimedFloor(ColumnFamilyHandle index, long millis) {
    timedFloors.merge(index, millis, Math::min);
  }

  void raiseTimedFloor(ColumnFamilyHandle index, long millis) {
    timedFloors.put(index, millis);
  }

  private <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
  }

  @Override
  public void close() {
    // Flushing the memtables makes the next open quick: nothing to replay from the WAL.
    try (org.rocksdb.FlushOptions flush = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      db.flush(flush, handles);
    } catch (RocksDBException ignored) {
      // closing anyway; everything acknowledged was synced when it was written
    }
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    db.close();
    readOptions.close();
    syncWrite.close();
    unsyncedWrite.close();
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception ignored) {
        // native handles; nothing to do
      }
    }
  }
}

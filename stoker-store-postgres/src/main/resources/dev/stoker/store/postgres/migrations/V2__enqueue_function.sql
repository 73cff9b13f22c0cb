-- Schema version 2: transactional enqueue from SQL, usable from any language and any transaction.
--   SELECT * FROM ${schema}.enqueue('emails', 'send', '{"to":"a@example.com"}');
-- The task exists if and only if the caller's transaction commits. See docs/backends/postgres.md.

-- A task id (uuid, as stored) in Stoker's textual form: 26 characters of Crockford's base32.
CREATE FUNCTION ${schema}.task_id_text(id uuid) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  bits bit(130) := B'00' || ('x' || replace(id::text, '-', ''))::bit(128);
  alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  out text := '';
BEGIN
  FOR i IN 0..25 LOOP
    out := out || substr(alphabet, substring(bits FROM 5 * i + 1 FOR 5)::integer + 1, 1);
  END LOOP;
  RETURN out;
END $$;

CREATE FUNCTION ${schema}.enqueue(
    queue text, name text, params json DEFAULT 'null', priority integer DEFAULT 0, delay_ms bigint DEFAULT 0,
    unique_key text DEFAULT NULL, max_attempts integer DEFAULT NULL, run_at timestamptz DEFAULT NULL,
    OUT task_id text, OUT duplicate boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  now_ms constant bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
  q ${schema}.queues%ROWTYPE;
  tid uuid;
  run bigint;
  sched boolean;
  n integer;
BEGIN
  IF enqueue.queue IS NULL OR enqueue.queue !~ '^[A-Za-z0-9._-]{1,128}$' OR enqueue.queue IN ('.', '..') THEN
    RAISE EXCEPTION 'queue: a queue name is 1-128 characters of [A-Za-z0-9._-], was %', enqueue.queue
      USING ERRCODE = '22023';
  END IF;
  IF enqueue.name IS NULL OR char_length(enqueue.name) NOT BETWEEN 1 AND 256 THEN
    RAISE EXCEPTION 'name: must be 1-256 characters' USING ERRCODE = '22023';
  END IF;
  IF enqueue.delay_ms IS NULL OR enqueue.delay_ms NOT BETWEEN 0 AND 31622400000 THEN
    RAISE EXCEPTION 'delay_ms: must be between 0 and 31622400000, was %', enqueue.delay_ms USING ERRCODE = '22023';
  END IF;
  IF enqueue.run_at IS NOT NULL AND enqueue.delay_ms <> 0 THEN
    RAISE EXCEPTION 'run_at: give either run_at or delay_ms, not both' USING ERRCODE = '22023';
  END IF;
  IF enqueue.max_attempts IS NOT NULL AND enqueue.max_attempts NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'max_attempts: must be between 1 and 1000, was %', enqueue.max_attempts USING ERRCODE = '22023';
  END IF;
  IF enqueue.unique_key IS NOT NULL AND char_length(enqueue.unique_key) NOT BETWEEN 1 AND 256 THEN
    RAISE EXCEPTION 'unique_key: must be 1-256 characters' USING ERRCODE = '22023';
  END IF;
  IF enqueue.params IS NULL THEN
    params := 'null';
  END IF;

  INSERT INTO ${schema}.queues (name) VALUES (enqueue.queue) ON CONFLICT (name) DO NOTHING;
  SELECT * INTO q FROM ${schema}.queues WHERE name = enqueue.queue;
  run := coalesce((extract(epoch FROM enqueue.run_at) * 1000)::bigint, now_ms + enqueue.delay_ms);
  sched := run > now_ms;
  LOOP
    -- Node 65535 is reserved for tasks enqueued in SQL; the low word is random, so ids made in the
    -- same millisecond differ (a clash on the primary key just takes another).
    tid := (lpad(to_hex((now_ms << 16) | 65535), 16, '0')
        || lpad(to_hex((random() * 4611686018427387903)::bigint), 16, '0'))::uuid;
    INSERT INTO ${schema}.tasks (id, queue_id, name, params, priority, run_at, unique_key, max_attempts, attempt,
        state, scheduled, v_done, v_generation, v_rank, v_epoch, v_phase, v_hlc, v_node, created_at, updated_at)
      VALUES (tid, q.id, enqueue.name, enqueue.params::text, coalesce(enqueue.priority, 0), run, enqueue.unique_key,
        coalesce(enqueue.max_attempts, q.max_attempts), 0, 0, sched, 0, 0, 0, 0, 0, now_ms << 16, 65535,
        now_ms, now_ms)
      ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 1 THEN
      INSERT INTO ${schema}.count_deltas (queue_id, pending, scheduled)
        VALUES (q.id, CASE WHEN sched THEN 0 ELSE 1 END, CASE WHEN sched THEN 1 ELSE 0 END);
      IF NOT sched THEN
        PERFORM pg_notify('stoker_${schema}', enqueue.queue);
      END IF;
      task_id := ${schema}.task_id_text(tid);
      duplicate := false;
      RETURN;
    END IF;
    IF enqueue.unique_key IS NOT NULL THEN
      SELECT id INTO tid FROM ${schema}.tasks
        WHERE queue_id = q.id AND unique_key = enqueue.unique_key AND state <= 1;
      IF FOUND THEN
        task_id := ${schema}.task_id_text(tid);
        duplicate := true;
        RETURN;
      END IF;
    END IF;
  END LOOP;
END $$;

-- Schema version 8: a task enqueued in SQL is an event of every server's GET /v1/events, as one
-- enqueued through a server is: the enqueue function (V5) sends the transition notice a server sends
-- for its own enqueues while some server has a subscriber (V6; docs/adr/0008,
-- docs/backends/postgres.md#events-across-servers). Same signature, so the function is replaced.
CREATE OR REPLACE FUNCTION ${schema}.enqueue(
    queue text, name text, params json DEFAULT 'null', priority integer DEFAULT 0, delay_ms bigint DEFAULT 0,
    unique_key text DEFAULT NULL, max_attempts integer DEFAULT NULL, run_at timestamptz DEFAULT NULL,
    traceparent text DEFAULT NULL, OUT task_id text, OUT duplicate boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  now_ms constant bigint := coalesce(nullif(current_setting('stoker.now_ms', true), '')::bigint,
      (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
  q ${schema}.queues%ROWTYPE;
  hi constant bigint := (now_ms << 16) | 65535;
  tid uuid;
  run bigint;
  sched boolean;
  n integer;
BEGIN
  IF enqueue.queue IS NULL OR enqueue.queue !~ '^[A-Za-z0-9._-]{1,${limit.max_queue_name}}$'
      OR enqueue.queue IN ('.', '..') THEN
    RAISE EXCEPTION 'queue: a queue name is 1-${limit.max_queue_name} characters of [A-Za-z0-9._-], was %',
      enqueue.queue USING ERRCODE = '22023';
  END IF;
  IF enqueue.name IS NULL OR char_length(enqueue.name) NOT BETWEEN 1 AND ${limit.max_task_name} THEN
    RAISE EXCEPTION 'name: must be 1-${limit.max_task_name} characters' USING ERRCODE = '22023';
  END IF;
  IF enqueue.delay_ms IS NULL OR enqueue.delay_ms NOT BETWEEN 0 AND ${limit.max_duration_ms} THEN
    RAISE EXCEPTION 'delay_ms: must be between 0 and ${limit.max_duration_ms}, was %', enqueue.delay_ms
      USING ERRCODE = '22023';
  END IF;
  IF enqueue.run_at IS NOT NULL AND enqueue.delay_ms <> 0 THEN
    RAISE EXCEPTION 'run_at: give either run_at or delay_ms, not both' USING ERRCODE = '22023';
  END IF;
  IF enqueue.max_attempts IS NOT NULL AND enqueue.max_attempts NOT BETWEEN 1 AND ${limit.max_attempts} THEN
    RAISE EXCEPTION 'max_attempts: must be between 1 and ${limit.max_attempts}, was %', enqueue.max_attempts
      USING ERRCODE = '22023';
  END IF;
  IF enqueue.unique_key IS NOT NULL AND char_length(enqueue.unique_key) NOT BETWEEN 1 AND ${limit.max_unique_key} THEN
    RAISE EXCEPTION 'unique_key: must be 1-${limit.max_unique_key} characters' USING ERRCODE = '22023';
  END IF;
  IF enqueue.traceparent IS NOT NULL AND (char_length(enqueue.traceparent) > ${limit.max_traceparent}
      OR enqueue.traceparent !~ '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$'
      OR left(enqueue.traceparent, 2) = 'ff'
      OR (left(enqueue.traceparent, 2) = '00' AND char_length(enqueue.traceparent) <> 55)
      OR substr(enqueue.traceparent, 4, 32) = repeat('0', 32)
      OR substr(enqueue.traceparent, 37, 16) = repeat('0', 16)) THEN
    RAISE EXCEPTION 'traceparent: not a W3C traceparent (00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lower case, at most ${limit.max_traceparent} characters)'
      USING ERRCODE = '22023';
  END IF;
  IF enqueue.params IS NULL THEN
    params := 'null';
  END IF;

  INSERT INTO ${schema}.queues (name) VALUES (enqueue.queue) ON CONFLICT (name) DO NOTHING;
  SELECT * INTO q FROM ${schema}.queues WHERE name = enqueue.queue;
  run := coalesce((extract(epoch FROM enqueue.run_at) * 1000)::bigint, now_ms + enqueue.delay_ms);
  sched := run > now_ms;
  LOOP
    -- Node 65535 is reserved for tasks enqueued in SQL; the low word is the next of a sequence, so ids
    -- never clash and those made in one millisecond increase in the order of the calls.
    tid := (lpad(to_hex(hi), 16, '0') || lpad(to_hex(nextval('${schema}.sql_task_ids')), 16, '0'))::uuid;
    INSERT INTO ${schema}.tasks (id, queue_id, name, params, priority, run_at, unique_key, max_attempts, attempt,
        state, scheduled, v_done, v_generation, v_rank, v_epoch, v_phase, v_hlc, v_node, created_at, updated_at,
        traceparent)
      VALUES (tid, q.id, enqueue.name, enqueue.params::text, coalesce(enqueue.priority, 0), run, enqueue.unique_key,
        coalesce(enqueue.max_attempts, q.max_attempts), 0, 0, sched, 0, 0, 0, 0, 0, now_ms << 16, 65535,
        now_ms, now_ms, enqueue.traceparent)
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
      -- The transition notice the servers send for their own enqueues (TransitionNotices: node
      -- 65535, transition 'a' = enqueued, the id and the hlc of its version), while some server has
      -- an event subscriber (V6), so that subscribers see tasks enqueued in SQL too.
      IF EXISTS (SELECT 1 FROM ${schema}.feed_interest WHERE until > clock_timestamp()) THEN
        PERFORM pg_notify('stoker_${schema}', '!ffff a' || task_id || to_hex(now_ms << 16));
      END IF;
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

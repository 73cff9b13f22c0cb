// The three pages: every queue, one queue's tasks, one task. Each view draws from the API, redraws
// on refresh() (which live.js calls on every event, or every 2 s when polling), and offers the
// actions only when the token may take them (ctx.manage).

import {api, allTasks, ApiError} from './api.js';
import {h, s, fill, when, clock, badge, number} from './dom.js';

const STATES = ['pending', 'scheduled', 'working', 'done', 'dead', 'cancelled'];
const LISTABLE = ['pending', 'working', 'done', 'dead', 'cancelled']; // the list API's state filter
const PAGE = 50;

// ---------------------------------------------------------------------------------------------
// Throughput: how many tasks finished (done, dead or cancelled) per second, from the counts this
// tab has seen. Kept across pages, for the last 5 minutes.

const WINDOW_MS = 5 * 60e3;
const samples = new Map(); // queue -> [{t, finished}]

function sample(queue) {
  const finished = queue.counts.done + queue.counts.dead + queue.counts.cancelled;
  const list = samples.get(queue.name) || [];
  const now = Date.now();
  if (!list.length || now - list[list.length - 1].t >= 1000) list.push({t: now, finished});
  while (list.length > 2 && now - list[0].t > WINDOW_MS) list.shift();
  samples.set(queue.name, list);
}

/** Finished tasks per second between successive samples (never negative: pruning lowers the counts). */
function rates(queue) {
  const list = samples.get(queue) || [];
  const out = [];
  for (let i = 1; i < list.length; i++) {
    out.push({t: list[i].t, rate: Math.max(0, list[i].finished - list[i - 1].finished) / ((list[i].t - list[i - 1].t) / 1e3)});
  }
  return out;
}

function sparkline(queue) {
  const r = rates(queue);
  const w = 120;
  const hgt = 28;
  const max = Math.max(1, ...r.map((p) => p.rate));
  const now = Date.now();
  const span = Math.min(WINDOW_MS, Math.max(30e3, r.length ? now - r[0].t : 0));
  const x = (t) => (w * (1 - (now - t) / span)).toFixed(1);
  const y = (v) => (hgt - 2 - (hgt - 4) * v / max).toFixed(1);
  const points = r.map((p) => `${x(p.t)},${y(p.rate)}`).join(' ');
  const last = r.length ? r[r.length - 1].rate : null;
  return h('span', {class: 'spark'},
    s('svg', {width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, role: 'img',
      'aria-label': `finished per second over the last ${Math.round(span / 60e3)} min, peak ${max.toFixed(1)}`},
      s('line', {x1: 0, x2: w, y1: hgt - 2, y2: hgt - 2, class: 'axis'}),
      r.length > 1 ? s('polyline', {points}) : null),
    h('span', {class: 'rate'}, last === null ? '–' : `${last < 10 ? last.toFixed(1) : Math.round(last)}/s`));
}

/** A stacked bar of a queue's tasks by state. */
function stack(counts) {
  const total = STATES.reduce((n, st) => n + counts[st], 0);
  const w = 160;
  let at = 0;
  const bars = [];
  for (const st of STATES) {
    if (!counts[st]) continue;
    const width = Math.max(1, w * counts[st] / total);
    bars.push(s('rect', {x: at.toFixed(1), y: 0, width: width.toFixed(1), height: 8, class: `f-${st}`},
      s('title', {}, `${st}: ${number.format(counts[st])}`)));
    at += width;
  }
  return s('svg', {width: w, height: 8, viewBox: `0 0 ${w} 8`, class: 'stack', 'aria-hidden': 'true'},
    total ? bars : s('rect', {x: 0, y: 0, width: w, height: 8, class: 'f-empty'}));
}

async function act(ctx, what, fn) {
  try {
    const r = await fn();
    ctx.toast(what);
    return r;
  } catch (e) {
    ctx.toast(`${what} failed: ${e.message}`, true);
    return null;
  } finally {
    ctx.refresh();
  }
}

function pauseButton(ctx, q) {
  return h('button', {class: q.paused ? 'primary' : '', 'data-action': q.paused ? 'resume' : 'pause',
    onclick: () => act(ctx, `${q.paused ? 'Resumed' : 'Paused'} ${q.name}`, () => api.pause(q.name, !q.paused))},
  q.paused ? 'Resume' : 'Pause');
}

// ---------------------------------------------------------------------------------------------

export function overview(root, ctx) {
  ctx.crumbs([]);
  return {
    queue: null,
    async refresh() {
      const queues = await api.queues();
      queues.forEach(sample);
      const totals = Object.fromEntries(STATES.map((st) => [st, queues.reduce((n, q) => n + q.counts[st], 0)]));
      fill(root,
        h('div', {class: 'head'}, h('h1', {}, 'Queues'),
          h('p', {class: 'muted'}, `${queues.length} ${queues.length === 1 ? 'queue' : 'queues'} · `,
            'throughput is tasks finished per second, sampled by this page')),
        queues.length === 0 ? h('p', {class: 'empty'}, 'No queues yet: a queue appears with its first task.') :
          h('table', {class: 'queues'},
            h('thead', {}, h('tr', {},
              h('th', {}, 'queue'), h('th', {}, ''),
              STATES.map((st) => h('th', {class: 'num'}, st)),
              h('th', {}, 'throughput'), ctx.manage ? h('th', {}, '') : null)),
            h('tbody', {}, queues.map((q) => h('tr', {'data-queue': q.name},
              h('td', {}, h('a', {href: `#/queues/${encodeURIComponent(q.name)}`, class: 'qname'}, q.name),
                q.paused ? h('span', {class: 'badge paused'}, 'paused') : null),
              h('td', {}, stack(q.counts)),
              STATES.map((st) => h('td', {class: `num c-${st}${q.counts[st] ? '' : ' zero'}`, 'data-state': st},
                number.format(q.counts[st]))),
              h('td', {}, sparkline(q.name)),
              ctx.manage ? h('td', {class: 'act'}, pauseButton(ctx, q)) : null))),
            queues.length > 1 ? h('tfoot', {}, h('tr', {}, h('td', {}, 'all'), h('td', {}),
              STATES.map((st) => h('td', {class: 'num'}, number.format(totals[st]))), h('td', {}),
              ctx.manage ? h('td', {}) : null)) : null));
    },
  };
}

// ---------------------------------------------------------------------------------------------

export function queuePage(root, ctx, name, params) {
  const filter = {state: params.get('state') || '', name: params.get('name') || ''};
  const cursor = params.get('cursor') || '';
  const back = (params.get('back') || '').split(',').filter(Boolean); // the cursors of earlier pages
  let seen = new Map(); // id -> version, to flash the rows that changed
  ctx.crumbs([{label: name}]);

  const link = (f, c, b) => {
    const p = new URLSearchParams();
    if (f.state) p.set('state', f.state);
    if (f.name) p.set('name', f.name);
    if (c) p.set('cursor', c);
    if (b && b.length) p.set('back', b.join(','));
    const qs = p.toString();
    return `#/queues/${encodeURIComponent(name)}${qs ? `?${qs}` : ''}`;
  };

  /** With a name filter a page can be empty and still have a next one: follow the cursors a little. */
  async function page() {
    let c = cursor;
    for (let hops = 0; ; hops++) {
      const p = await api.tasks(name, {state: filter.state, name: filter.name, cursor: c, limit: PAGE});
      if (p.tasks.length || !p.next_cursor || hops >= 20) return p;
      c = p.next_cursor;
    }
  }

  /** How many tasks the filter lists in `states` now: the queue's counts, or a listing with a name filter. */
  async function matchingCount(states) {
    if (!filter.name) {
      const c = (await api.queue(name)).counts;
      return states.reduce((n, st) => n + c[st] + (st === 'pending' ? c.scheduled : 0), 0);
    }
    return (await allTasks(name, filter)).filter((t) => states.includes(t.state)).length;
  }

  /**
   * Has the server cancel or retry what the filter lists (POST /v1/queues/{q}/tasks/cancel|retry),
   * 1000 tasks a request, until nothing more matches or a request changes nothing (tasks that stay,
   * such as dead ones whose unique key is taken). Returns {changed, unchanged, failed}.
   */
  async function onServer(action, state, total, progress) {
    let changed = 0;
    let unchanged = 0;
    try {
      for (let more = true; more;) {
        const r = await api.matching(name, action, {state, name: filter.name, limit: 1000});
        changed += r.changed;
        unchanged += r.unchanged;
        more = r.more && r.changed > 0;
        if (more) ctx.toast(`${progress}… ${number.format(changed + unchanged)} of ${number.format(total)}`);
      }
      return {changed, unchanged, failed: null};
    } catch (e) {
      return {changed, unchanged, failed: e}; // the server refuses or is gone: say so, and how far it got
    } finally {
      ctx.refresh();
    }
  }

  async function bulkCancel() {
    const total = await matchingCount(filter.state ? [filter.state] : ['pending', 'working']);
    if (!total) return ctx.toast('Nothing to cancel: no pending or working task matches');
    const ok = await ctx.confirm(`Cancel ${number.format(total)} tasks?`,
      `Every pending or working task of ${name}${describe(filter)} — ${number.format(total)} now — is cancelled. `
      + 'Workers holding one find out on their next heartbeat. This cannot be undone.', `Cancel ${total}`);
    if (!ok) return;
    const r = await onServer('cancel', filter.state, total, 'Cancelling');
    const summary = `Cancelled ${r.changed} of ${total}${r.unchanged ? `; ${r.unchanged} had finished meanwhile` : ''}`;
    ctx.toast(r.failed ? `${summary}; then stopped: ${r.failed.message}` : summary, Boolean(r.failed));
  }

  async function bulkRedrive(dead) {
    const total = filter.name ? await matchingCount(['dead']) : dead;
    if (!total) return ctx.toast('Nothing to redrive: no dead task matches');
    const ok = await ctx.confirm(`Redrive ${number.format(total)} dead tasks?`,
      `Every dead task of ${name}${describe(filter)} goes back to pending with its attempts reset, oldest first. `
      + 'A dead task whose unique key a live task holds stays dead.', `Redrive ${total}`);
    if (!ok) return;
    if (!filter.name) {
      const r = await act(ctx, `Redrive of ${name}`, () => api.redrive(name, Math.min(dead, 100000)));
      if (r) ctx.toast(`Redrove ${r.moved}${r.skipped ? `; ${r.skipped} kept dead (their unique key is taken)` : ''}`);
      return;
    }
    const r = await onServer('retry', 'dead', total, 'Redriving');
    const summary = `Redrove ${r.changed}${r.unchanged ? `; ${r.unchanged} kept dead (their unique key is taken)` : ''}`;
    ctx.toast(r.failed ? `${summary}; then stopped: ${r.failed.message}` : summary, Boolean(r.failed));
  }

  // The filter form is drawn once, so a refresh does not take the text from under the operator's fingers.
  const top = h('div');
  const bulk = h('span', {class: 'bulk'});
  const bottom = h('div');
  const nameInput = h('input', {type: 'search', name: 'name', value: filter.name, placeholder: 'task name (exact)',
    'aria-label': 'filter by task name'});
  const form = h('form', {class: 'filter', onsubmit: (e) => {
    e.preventDefault();
    location.hash = link({...filter, name: nameInput.value.trim()});
  }}, nameInput, h('button', {type: 'submit'}, 'Filter'),
  filter.name ? h('a', {href: link({...filter, name: ''}), class: 'clear'}, 'clear') : null, bulk);
  fill(root, top, form, bottom);

  return {
    queue: name,
    async refresh() {
      const [q, p] = await Promise.all([api.queue(name), page()]);
      const c = q.counts;
      const tab = (st, label, count) => h('a', {href: link({...filter, state: st}), class: `tab${filter.state === st ? ' on' : ''}`,
        'data-tab': st || 'all'}, label, count === null ? null : h('span', {class: `count c-${st}${count ? '' : ' zero'}`}, number.format(count)));
      const all = STATES.reduce((n, st) => n + c[st], 0);
      const changed = new Set(p.tasks.filter((t) => seen.has(t.id) && seen.get(t.id) !== t.version).map((t) => t.id));
      seen = new Map(p.tasks.map((t) => [t.id, t.version]));
      fill(top,
        h('div', {class: 'head'},
          h('h1', {}, name, q.paused ? h('span', {class: 'badge paused'}, 'paused') : null),
          ctx.manage ? h('div', {class: 'actions'}, pauseButton(ctx, q),
            c.dead ? h('button', {'data-action': 'redrive-all', onclick: () => bulkRedrive(c.dead)},
              `Redrive ${number.format(c.dead)} dead`) : null) : null),
        h('p', {class: 'muted settings'}, `lease ${q.settings.lease_ms / 1000} s · up to ${q.settings.max_attempts} attempts · `
          + `backoff ${q.settings.backoff.initial_ms} ms ×${q.settings.backoff.multiplier} ≤ ${q.settings.backoff.max_ms / 1000} s · `
          + `finished tasks kept ${Math.round(q.settings.retention_ms / 3600e3)} h`),
        h('nav', {class: 'tabs'}, tab('', 'all', all),
          LISTABLE.map((st) => tab(st, st === 'pending' && c.scheduled ? `pending (${number.format(c.scheduled)} scheduled)` : st,
            st === 'pending' ? c.pending + c.scheduled : c[st]))));
      if (ctx.manage) {
        fill(bulk,
          filter.state !== 'done' && filter.state !== 'dead' && filter.state !== 'cancelled'
            ? h('button', {type: 'button', class: 'danger', 'data-action': 'cancel-matching', onclick: bulkCancel},
              'Cancel matching…') : null,
          filter.state === 'dead' && c.dead
            ? h('button', {type: 'button', 'data-action': 'redrive-matching', onclick: () => bulkRedrive(c.dead)},
              'Redrive these…') : null);
      }
      fill(bottom,
        p.tasks.length === 0 ? h('p', {class: 'empty'}, `No ${filter.state || ''} tasks${describe(filter)}${cursor ? ' on this page' : ''}.`) :
          h('table', {class: 'tasks'},
            h('thead', {}, h('tr', {}, ['id', 'name', 'state', 'attempt', 'priority', 'run at', 'updated', 'last error']
              .map((t) => h('th', {}, t)))),
            h('tbody', {}, p.tasks.map((t) => h('tr', {'data-id': t.id, class: changed.has(t.id) ? 'flash' : null},
              h('td', {class: 'mono'}, h('a', {href: `#/tasks/${t.id}`}, t.id)),
              h('td', {}, t.name),
              h('td', {'data-state': t.state}, badge(t.state)),
              h('td', {class: 'num'}, `${t.attempt}/${t.max_attempts}`),
              h('td', {class: 'num'}, t.priority),
              h('td', {}, when(t.run_at)),
              h('td', {}, when(t.updated_at)),
              h('td', {class: 'error', title: t.last_error || ''}, t.last_error || ''))))),
        h('nav', {class: 'pager'},
          cursor ? h('a', {href: link(filter, back[back.length - 1], back.slice(0, -1)), 'data-page': 'prev'}, '← previous') : null,
          cursor ? h('a', {href: link(filter, '', []), 'data-page': 'first'}, 'first page') : null,
          h('span', {class: 'muted'}, 'oldest first'),
          p.next_cursor ? h('a', {href: link(filter, p.next_cursor, [...back, cursor]), 'data-page': 'next'}, 'next →') : null));
    },
  };
}

function describe(filter) {
  return filter.name ? ` named “${filter.name}”` : '';
}

// ---------------------------------------------------------------------------------------------

/** What a task's version says (docs/api.md, the task object): its generation counts redrives and retries. */
function version(v) {
  const [doneFlag, generation, , , , hlc] = (v || '').split('.');
  const ms = hlc ? Number(BigInt(hlc) >> 16n) : null;
  return {done: doneFlag === '1', generation: Number(generation || 0), at: ms ? new Date(ms).toISOString() : null};
}

export function taskPage(root, ctx, id) {
  const history = []; // transitions seen while this page is open: {at, what, task}
  let last = null;
  ctx.crumbs([{label: '…'}, {label: id}]);

  /** A transition: `what` is the event's name when the stream told it, null when a poll saw it. */
  function remember(what, task) {
    const previous = history[history.length - 1];
    if (previous && previous.task.version === task.version && previous.task.state === task.state) {
      previous.what ||= what; // a poll saw it first; the event that follows names it
      return;
    }
    history.push({at: task.updated_at || new Date().toISOString(), what, task});
  }

  return {
    queue: null, // the task's queue is not known before the first read: every queue's events
    concerns: (task) => task.id === id,
    // A heartbeat moves a working task's progress and lease without an event: re-read it while open.
    watching: () => last?.state === 'working',
    onEvent(name, task) {
      if (task.id !== id) return;
      remember(name, task);
      last = task;
    },
    async refresh() {
      let t;
      try {
        t = await api.task(id);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          fill(root, h('h1', {}, 'No such task'), h('p', {class: 'empty'},
            `Task ${id} does not exist: never enqueued, pruned after its queue's retention, or in a queue this token does not see.`));
          return;
        }
        throw e;
      }
      if (!last || last.version !== t.version || last.state !== t.state) {
        if (last) remember(null, t);
        last = t;
      }
      if (root.isConnected) ctx.crumbs([{label: t.queue, href: `#/queues/${encodeURIComponent(t.queue)}`}, {label: t.id}]);
      const v = version(t.version);
      const field = (k, ...val) => [h('dt', {}, k), h('dd', {'data-field': k}, ...val)];
      const block = (title, value, cls) => h('section', {class: 'block'}, h('h2', {}, title),
        h('pre', {class: cls || '', 'data-block': title}, typeof value === 'string' ? value : JSON.stringify(value, null, 2)));
      fill(root,
        h('div', {class: 'head'},
          h('h1', {}, t.name, ' ', badge(t.state)),
          ctx.manage ? h('div', {class: 'actions'},
            t.state === 'pending' || t.state === 'working' ? h('button', {class: 'danger', 'data-action': 'cancel',
              onclick: async () => {
                if (await ctx.confirm('Cancel this task?', t.state === 'working'
                  ? `Its worker (${t.lease?.owner}) finds out on its next heartbeat.` : 'It will not run.', 'Cancel task')) {
                  act(ctx, `Cancelled ${t.id}`, () => api.cancel(t.id));
                }
              }}, 'Cancel') : null,
            t.state === 'dead' || t.state === 'cancelled' ? h('button', {class: 'primary', 'data-action': 'retry',
              onclick: () => act(ctx, `Retried ${t.id}`, () => api.retry(t.id))}, 'Retry') : null)
            : null),
        h('dl', {class: 'fields'},
          field('id', h('span', {class: 'mono'}, t.id)),
          field('queue', h('a', {href: `#/queues/${encodeURIComponent(t.queue)}`}, t.queue)),
          field('state', badge(t.state)),
          field('attempt', `${t.attempt} of ${t.max_attempts}`, v.generation ? ` · retried ${v.generation}×` : ''),
          field('priority', String(t.priority)),
          field('run at', when(t.run_at), ' · ', clock(t.run_at)),
          t.lease ? field('lease', `held by ${t.lease.owner}, expires `, when(t.lease.expires_at)) : null,
          t.progress !== undefined ? field('progress', typeof t.progress === 'number'
            ? h('progress', {max: 1, value: t.progress}) : JSON.stringify(t.progress)) : null,
          t.unique_key ? field('unique key', h('span', {class: 'mono'}, t.unique_key)) : null,
          t.traceparent ? field('trace', h('span', {class: 'mono'}, t.traceparent)) : null,
          field('created', when(t.created_at), ' · ', clock(t.created_at)),
          field('updated', when(t.updated_at), ' · ', clock(t.updated_at)),
          field('version', h('span', {class: 'mono'}, t.version))),
        t.last_error ? block('last error', t.last_error, 'error') : null,
        block('params', t.params),
        t.result !== undefined ? block('result', t.result) : null,
        h('section', {class: 'block'}, h('h2', {}, 'history'),
          h('ol', {class: 'history'},
            h('li', {}, when(t.created_at), ' enqueued', v.generation ? ` (since then retried ${v.generation}×)` : ''),
            history.map((e) => h('li', {'data-transition': e.task.state}, when(e.at), ' ',
              e.what && e.what !== e.task.state ? [h('strong', {}, e.what), ' → '] : null, badge(e.task.state), e.task.lease ? ` by ${e.task.lease.owner}` : '', ` · attempt ${e.task.attempt}`)),
            h('li', {class: 'muted'}, 'now ', badge(t.state), ` · attempt ${t.attempt}`)),
          h('p', {class: 'muted'}, 'Stoker keeps no per-task log: this is what the task record tells, and the transitions '
            + 'seen while this page is open.')));
    },
  };
}

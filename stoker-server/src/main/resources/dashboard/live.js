// Keeps a page live. It reads the server's event stream, GET /v1/events (Server-Sent Events: the
// event's name is the transition, its data the task as GET /v1/tasks/{id} shows it), through fetch
// rather than EventSource, which cannot send the bearer token. When the server has no stream (404),
// refuses it, or the stream breaks, the page polls every 2 s instead and tries the stream again;
// after a break it resumes where it was with Last-Event-ID.

import {authHeaders} from './api.js';

export const POLL_MS = 2000;
const STREAMING_REFRESH_MS = 15000; // a safety net: the stream tells of tasks, not of pruning or settings
const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

/**
 * Calls onEvent(name, task) for each event, and refresh() when something may have changed: an event
 * whose task concerns(task) says matters, a missed stretch ('reset'), or a tick of the timer;
 * onMode(mode) tells 'stream', 'polling' or 'offline'. While watching() says so and the page is
 * visible, it refreshes every 2 s even with the stream: for what changes without an event (a working
 * task's progress and lease, which heartbeats move). Returns a function that stops it all.
 */
export function live({queue, refresh, onEvent = () => {}, concerns = () => true, onMode = () => {},
  watching = () => false}) {
  let stopped = false;
  let mode = null;
  let lastEventId = null;
  let failures = 0;
  let controller = null;
  let timer = null;
  let reconnect = null;

  const setMode = (m) => {
    if (m === mode) return;
    mode = m;
    onMode(m);
    clearInterval(timer);
    timer = setInterval(tick, m === 'stream' ? STREAMING_REFRESH_MS : POLL_MS);
  };

  async function tick() {
    try {
      await refresh();
      if (mode === 'offline') setMode('polling');
    } catch (e) {
      if (e.status === undefined) setMode('offline');
    }
  }

  // Events come in bursts (a batch of enqueues, a redrive): refresh at most every 300 ms.
  let pending = null;
  const soon = () => {
    if (!pending) pending = setTimeout(() => { pending = null; tick(); }, 300);
  };

  async function connect() {
    if (stopped) return;
    controller = new AbortController();
    const headers = authHeaders({Accept: 'text/event-stream'});
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
    try {
      const res = await fetch(`/v1/events${queue ? `?queue=${encodeURIComponent(queue)}` : ''}`,
        {headers, cache: 'no-store', signal: controller.signal});
      const type = res.headers.get('Content-Type') || '';
      if (!res.ok || !type.startsWith('text/event-stream')) {
        res.body?.cancel();
        throw new Error(`no event stream (HTTP ${res.status})`);
      }
      setMode('stream');
      failures = 0;
      soon(); // whatever happened while the stream was down
      await read(res.body);
    } catch (e) {
      if (stopped) return;
    }
    if (stopped) return;
    if (mode !== 'offline') setMode('polling');
    reconnect = setTimeout(connect, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]);
  }

  /** Parses the text/event-stream format (HTML Living Standard, 9.2.6) until the stream ends. */
  async function read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = {name: 'message', data: []};
    for (;;) {
      const {value, done} = await reader.read();
      if (done) return;
      buffer += value;
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') {
          if (event.data.length) dispatch(event);
          event = {name: 'message', data: []};
          continue;
        }
        if (line.startsWith(':')) continue; // a keep-alive comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.name = val;
        else if (field === 'data') event.data.push(val);
        else if (field === 'id' && !val.includes('\0')) lastEventId = val;
      }
    }
  }

  function dispatch(event) {
    let task = null;
    try {
      task = JSON.parse(event.data.join('\n'));
    } catch {
      return;
    }
    onEvent(event.name, task);
    if (event.name === 'reset' || concerns(task)) soon();
  }

  setMode('polling');
  tick();
  connect();
  // Polling refreshes every 2 s anyway; offline, the ticks find out when the server is back.
  const watch = setInterval(() => {
    if (mode === 'stream' && !document.hidden && watching()) tick();
  }, POLL_MS);
  return () => {
    stopped = true;
    controller?.abort();
    clearInterval(watch);
    clearInterval(timer);
    clearTimeout(reconnect);
    clearTimeout(pending);
  };
}

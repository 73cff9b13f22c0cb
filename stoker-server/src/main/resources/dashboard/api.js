// The dashboard's only way to the server: the HTTP+JSON API of docs/api.md, with the bearer token
// the operator typed in (kept in this tab's sessionStorage, never in localStorage or a cookie).

const TOKEN_KEY = 'stoker.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A refusal from the API: its status and its problem+json (type, detail, field, state). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function authHeaders(extra = {}) {
  const t = token.get();
  return t ? {...extra, Authorization: `Bearer ${t}`} : extra;
}

export async function call(method, path, body) {
  const headers = authHeaders({Accept: 'application/json'});
  const init = {method, headers, cache: 'no-store'};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

const q = encodeURIComponent;

/** The query of a task filter ({state, name, cursor, limit}, each optional), '' when empty. */
function query({state, name, cursor, limit} = {}) {
  const p = new URLSearchParams();
  if (state) p.set('state', state);
  if (name) p.set('name', name);
  if (cursor) p.set('cursor', cursor);
  if (limit) p.set('limit', String(limit));
  const text = p.toString();
  return text ? `?${text}` : '';
}

export const api = {
  queues: () => call('GET', '/v1/queues').then((r) => r.queues),
  queue: (name) => call('GET', `/v1/queues/${q(name)}`),
  /** One page of a queue's tasks: {tasks, next_cursor}. */
  tasks: (queue, filter = {}) => call('GET', `/v1/queues/${q(queue)}/tasks${query(filter)}`),
  task: (id) => call('GET', `/v1/tasks/${q(id)}`),
  cancel: (id) => call('POST', `/v1/tasks/${q(id)}/cancel`),
  retry: (id) => call('POST', `/v1/tasks/${q(id)}/retry`),
  redrive: (queue, limit) => call('POST', `/v1/queues/${q(queue)}/redrive`, {limit}),
  /**
   * Cancels ('cancel') or retries ('retry') up to `limit` tasks the filter lists, on the server:
   * {changed, unchanged, more}.
   */
  matching: (queue, action, {state, name, limit}) =>
    call('POST', `/v1/queues/${q(queue)}/tasks/${action}${query({state, name, limit})}`),
  pause: (queue, paused) => call('PUT', `/v1/queues/${q(queue)}`, {paused}),
};

/**
 * Every task of a queue that a filter lists, following the cursors to the end (1000 a page), for
 * bulk actions; stops after `max` tasks.
 */
export async function allTasks(queue, filter, max = 100000) {
  const out = [];
  let cursor = null;
  do {
    const page = await api.tasks(queue, {...filter, cursor, limit: 1000});
    out.push(...page.tasks);
    cursor = page.next_cursor;
  } while (cursor && out.length < max);
  return out;
}

/**
 * Whether the token may cancel, redrive and pause: asks to cancel a task id that no task can have.
 * The server checks the role before it looks for the task, so an admin (or an open server) gets
 * 404 and any other role 403; nothing is changed either way.
 */
export async function mayManage() {
  try {
    await call('POST', '/v1/tasks/00000000000000000000000000/cancel');
    return true;
  } catch (e) {
    if (e.status === 404) return true;
    if (e.status === 403) return false;
    throw e;
  }
}

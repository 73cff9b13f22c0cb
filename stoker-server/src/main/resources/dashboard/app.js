// The dashboard's entry: finds out what the token may do, routes #/… to a view, and keeps the view
// live (live.js). Pages: #/ every queue, #/queues/NAME?state=&name=&cursor= one queue, #/tasks/ID.

import {token, mayManage, ApiError} from './api.js';
import {live} from './live.js';
import {h, fill, tickRelativeTimes} from './dom.js';
import {overview, queuePage, taskPage} from './views.js';

const view = document.getElementById('view');
const liveBadge = document.getElementById('live');
const who = document.getElementById('who');
const toastBox = document.getElementById('toast');
let current = null; // {stop}
let manage = false;

const MODES = {
  stream: ['live', 'live: the server streams every change'],
  polling: ['polling 2 s', 'the server has no event stream here: refreshing every 2 s'],
  offline: ['offline', 'the server does not answer; retrying'],
};

const ctx = {
  get manage() { return manage; },
  refresh: () => current?.refresh(),
  crumbs(parts) {
    fill(document.getElementById('crumbs'), parts.map((p) => [h('span', {class: 'sep'}, '/'),
      p.href ? h('a', {href: p.href}, p.label) : h('span', {}, p.label)]));
  },
  toast(message, error = false) {
    toastBox.textContent = message;
    toastBox.className = `toast${error ? ' bad' : ''}`;
    toastBox.hidden = false;
    clearTimeout(toastBox.timer);
    toastBox.timer = setTimeout(() => { toastBox.hidden = true; }, error ? 8000 : 3000);
  },
  /** Asks before a change to many tasks; resolves true when the operator goes on. */
  confirm(title, text, yes) {
    return new Promise((resolve) => {
      const d = h('dialog', {class: 'confirm'},
        h('form', {method: 'dialog'},
          h('h2', {}, title), h('p', {}, text),
          h('div', {class: 'actions'},
            h('button', {value: 'no', type: 'submit'}, 'Keep as is'),
            h('button', {value: 'yes', type: 'submit', class: 'danger', 'data-confirm': ''}, yes))));
      d.addEventListener('close', () => { resolve(d.returnValue === 'yes'); d.remove(); });
      document.body.append(d);
      d.showModal();
    });
  },
};

function askForToken(message) {
  current?.stop();
  current = null;
  liveBadge.textContent = '';
  const input = h('input', {type: 'password', name: 'token', autocomplete: 'off', required: true,
    placeholder: 'stk_…', 'aria-label': 'bearer token'});
  ctx.crumbs([]);
  fill(view, h('form', {class: 'token', onsubmit: (e) => {
    e.preventDefault();
    token.set(input.value);
    start();
  }},
  h('h1', {}, 'Token'),
  h('p', {}, message),
  h('p', {class: 'muted'}, 'It stays in this tab’s session storage only, and is sent to this server as a bearer ',
    'token. A viewer token shows everything and changes nothing.'),
  input, h('button', {type: 'submit', class: 'primary'}, 'Open')));
  input.focus();
}

async function start() {
  try {
    manage = await mayManage();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      const refused = token.get() !== null;
      token.clear();
      return askForToken(refused ? `The server refused that token: ${e.message}.`
        : 'This server needs a bearer token (stoker token create; docs/security.md).');
    }
    fill(view, h('p', {class: 'empty'}, `The server does not answer: ${e.message}. Reload to try again.`));
    return;
  }
  document.body.classList.toggle('read-only', !manage);
  fill(who, token.get() ? [manage ? 'admin' : 'read-only', ' · ',
    h('button', {class: 'link', onclick: () => { token.clear(); location.reload(); }}, 'forget token')]
    : manage ? '' : 'read-only');
  route();
}

function route() {
  current?.stop();
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  // Each page draws into an element of its own, shown in place of the page before once it has
  // drawn for the first time: a refresh of the page before, still in flight when the operator moved
  // on, then draws into a detached element instead of over this page, and the view is never blank
  // in between.
  const root = h('div', {class: 'page'});
  const page = parts[0] === 'queues' && parts[1] ? queuePage(root, ctx, parts[1], params)
    : parts[0] === 'tasks' && parts[1] ? taskPage(root, ctx, parts[1])
      : overview(root, ctx);
  const refresh = async () => {
    try {
      await page.refresh();
      if (!root.isConnected && current?.root === root) fill(view, root);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return askForToken('The token is no longer valid.');
      if (e instanceof ApiError) ctx.toast(e.message, true);
      throw e;
    }
  };
  const stop = live({
    queue: page.queue,
    refresh,
    onEvent: (name, task) => page.onEvent?.(name, task),
    concerns: (task) => page.concerns?.(task) ?? true,
    watching: () => page.watching?.() ?? false,
    onMode: (m) => {
      liveBadge.textContent = MODES[m][0];
      liveBadge.title = MODES[m][1];
      liveBadge.dataset.mode = m;
    },
  });
  current = {stop, refresh, root};
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', () => { if (current) route(); });
setInterval(() => tickRelativeTimes(view), 1000);
start();

// Small helpers to build the page from data, with no HTML strings: every text goes in as text, so
// nothing a task holds (its name, params, errors) can become markup.

/** An element: h('a', {href: '#/', class: 'x', onclick: fn}, 'text', child, [more children]). */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, as h(). */
export function s(tag, attrs = {}, ...children) {
  return build(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces everything in el with children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** "12 s ago", "in 3 min": how far a time is from now, for people. */
export function relative(iso, now = Date.now()) {
  if (!iso) return '';
  const ms = Date.parse(iso) - now;
  const a = Math.abs(ms);
  const text = a < 1000 ? 'now' : a < 60e3 ? `${Math.round(a / 1e3)} s` : a < 3600e3 ? `${Math.round(a / 60e3)} min`
    : a < 86400e3 ? `${(a / 3600e3).toFixed(1)} h` : `${(a / 86400e3).toFixed(1)} d`;
  return text === 'now' ? text : ms < 0 ? `${text} ago` : `in ${text}`;
}

/** A time as the browser's locale writes it, with milliseconds. */
export function clock(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
    fractionalSecondDigits: 3,
  });
}

/** A <time> showing how long ago, with the exact time on hover. */
export function when(iso) {
  return iso ? h('time', {datetime: iso, title: clock(iso), 'data-relative': ''}, relative(iso)) : '';
}

/** Re-writes every relative time on the page: called once a second so "3 s ago" stays true. */
export function tickRelativeTimes(root = document) {
  const now = Date.now();
  for (const t of root.querySelectorAll('time[data-relative]')) t.textContent = relative(t.dateTime, now);
}

export const number = new Intl.NumberFormat();

/** A state's badge: its colour says what it is at a glance. */
export function badge(state) {
  return h('span', {class: `badge s-${state}`}, state);
}

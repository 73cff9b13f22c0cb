// Drives the dashboard of a running `stoker serve --tokens` in Debian's headless Chromium through
// Playwright, as an operator would, and prints what it saw as one JSON object on stdout (the last
// line): DashboardTest seeds the queues before and checks this report and the server's state after.
// Every wait has a deadline; a step that does not see what it waits for fails the run (exit 1).
//
// Environment: STOKER_URL, STOKER_ADMIN_TOKEN, STOKER_VIEWER_TOKEN, STOKER_SCREENSHOTS (a directory),
// STOKER_PLAYWRIGHT_DIR (where ./install put playwright-core).

import {createRequire} from 'node:module';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';

const require = createRequire(join(process.env.STOKER_PLAYWRIGHT_DIR, 'package.json'));
const {chromium} = require('playwright-core');

const base = process.env.STOKER_URL;
const admin = process.env.STOKER_ADMIN_TOKEN;
const viewer = process.env.STOKER_VIEWER_TOKEN;
const shots = process.env.STOKER_SCREENSHOTS;
const WAIT = {timeout: 20000};
mkdirSync(shots, {recursive: true});

const report = {steps: [], consoleErrors: []};

async function step(name, fn) {
  process.stderr.write(`dashboard test: ${name}\n`);
  try {
    report[name] = (await fn()) ?? true;
    report.steps.push(name);
  } catch (e) {
    report.failed = name;
    report.error = String(e.stack || e);
    throw e;
  }
}

/** The API, as a worker or another operator would use it beside the browser. */
async function http(method, path, body) {
  const res = await fetch(base + path, {method, headers: {Authorization: `Bearer ${admin}`,
    ...(body ? {'Content-Type': 'application/json'} : {})}, body: body ? JSON.stringify(body) : undefined});
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const browser = await chromium.launch({
  executablePath: process.env.STOKER_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // what works on these machines (no sandbox as root; nothing reaching out to Google's hosts)
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

async function open(token) {
  const context = await browser.newContext({viewport: {width: 1280, height: 800}, colorScheme: 'light'});
  const page = await context.newPage();
  // Chromium logs every 4xx the page's fetches get (the token probe's 403/404, /v1/events before the
  // server has it); anything else logged as an error, a refused script or style (CSP) among them, counts.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) report.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => report.consoleErrors.push(String(e)));
  await page.goto(base + '/');
  await page.waitForSelector('form.token input[name="token"]', WAIT);
  await page.fill('form.token input[name="token"]', token);
  await page.click('form.token button[type="submit"]');
  await page.waitForSelector('table.queues', WAIT);
  return page;
}

const countsOf = (page, queue) => page.$$eval(`tr[data-queue="${queue}"] td[data-state]`,
  (tds) => Object.fromEntries(tds.map((td) => [td.dataset.state, Number(td.textContent.replace(/\D/g, ''))])));
/** A screenshot once the last action's note has gone. */
async function shoot(page, name, fullPage = false) {
  await page.waitForSelector('#toast', {state: 'hidden', timeout: 10000});
  await page.screenshot({path: join(shots, `dashboard-${name}.png`), fullPage});
}

const stateOnTaskPage = (page) => page.textContent('dd[data-field="state"]').then((t) => t.trim());

let exit = 0;
try {
  const page = await open(admin);

  await step('overview', async () => {
    const queues = await page.$$eval('tr[data-queue]', (rows) => rows.map((r) => r.dataset.queue));
    const counts = {};
    for (const q of queues) counts[q] = await countsOf(page, q);
    const paused = await page.$$eval('tr[data-queue] .badge.paused', (b) => b.map((x) => x.closest('tr').dataset.queue));
    return {queues, counts, paused};
  });

  await step('throughput', async () => {
    // a worker finishes tasks of "emails" while the overview is open: its sparkline draws them
    let stop = false;
    const worker = (async () => {
      while (!stop) {
        const {tasks} = await http('POST', '/v1/queues/emails/claim', {worker: 'sparkline', max: 2});
        for (const t of tasks) await http('POST', `/v1/tasks/${t.id}/complete`, {token: t.lease.token, result: {sent: true}});
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await page.waitForFunction(() => document.querySelector('tr[data-queue="emails"] .spark polyline')
      ?.getAttribute('points').split(' ').length >= 6, null, {timeout: 60000});
    await page.waitForFunction(() => !document.querySelector('tr[data-queue="emails"] .rate').textContent.startsWith('0.0'),
      null, {timeout: 30000});
    const rate = await page.textContent('tr[data-queue="emails"] .rate');
    await shoot(page, 'overview');
    stop = true;
    await worker;
    return {rate, mode: await page.getAttribute('#live', 'data-mode')};
  });

  await step('pause', async () => {
    await page.click('tr[data-queue="emails"] button[data-action="pause"]');
    await page.waitForSelector('tr[data-queue="emails"] .badge.paused', WAIT);
    const pausedOnServer = (await http('GET', '/v1/queues/emails')).paused;
    await page.click('tr[data-queue="emails"] button[data-action="resume"]');
    await page.waitForSelector('tr[data-queue="emails"] button[data-action="pause"]', WAIT);
    return {pausedOnServer, resumedOnServer: !(await http('GET', '/v1/queues/emails')).paused};
  });

  await step('queue', async () => {
    await page.click('tr[data-queue="thumbnails"] a.qname');
    await page.waitForSelector('table.tasks', WAIT);
    const tabs = await page.$$eval('.tabs a.tab', (as) => Object.fromEntries(as.map((a) =>
      [a.dataset.tab, Number(a.querySelector('.count').textContent.replace(/\D/g, ''))])));
    const firstPage = await page.$$eval('table.tasks tbody tr', (rows) => rows.map((r) => r.dataset.id));
    await shoot(page, 'queue');
    await page.click('nav.pager a[data-page="next"]');
    await page.waitForFunction((first) => document.querySelector('table.tasks tbody tr')?.dataset.id !== first,
      firstPage[0], WAIT);
    const secondPage = await page.$$eval('table.tasks tbody tr', (rows) => rows.map((r) => r.dataset.id));
    await page.click('nav.pager a[data-page="prev"]');
    await page.waitForFunction((first) => document.querySelector('table.tasks tbody tr')?.dataset.id === first,
      firstPage[0], WAIT);
    await page.fill('form.filter input[name="name"]', 'resize-small');
    await page.click('form.filter button[type="submit"]');
    await page.waitForFunction(() => [...document.querySelectorAll('table.tasks tbody tr td:nth-child(2)')]
      .every((td) => td.textContent === 'resize-small'), null, WAIT);
    const filteredNames = await page.$$eval('table.tasks tbody tr td:nth-child(2)', (tds) => [...new Set(tds.map((t) => t.textContent))]);
    return {tabs, firstPage, secondPage, filteredNames};
  });

  await step('bulkCancel', async () => {
    await page.click('.tabs a[data-tab="pending"]');
    await page.waitForFunction(() => location.hash.includes('state=pending') && location.hash.includes('name=resize-small'), null, WAIT);
    await page.waitForSelector('#toast', {state: 'hidden', timeout: 10000});
    await page.click('button[data-action="cancel-matching"]');
    await page.waitForSelector('dialog.confirm[open]', WAIT);
    const question = await page.textContent('dialog.confirm h2');
    await page.screenshot({path: join(shots, 'dashboard-confirm.png')});
    await page.click('dialog.confirm button[data-confirm]');
    await page.waitForSelector('main p.empty', WAIT); // no pending resize-small left
    return {question};
  });

  await step('bulkRedrive', async () => {
    // with a name filter: the server retries the dead tasks of that name (tasks/retry)
    await page.goto(`${base}/#/queues/thumbnails?state=dead&name=resize-large`);
    await page.waitForSelector('table.tasks tbody tr', WAIT);
    const deadBefore = await page.$$eval('table.tasks tbody tr', (rows) => rows.length);
    await page.click('button[data-action="redrive-matching"]');
    await page.waitForSelector('dialog.confirm[open]', WAIT);
    const question = await page.textContent('dialog.confirm h2');
    await page.click('dialog.confirm button[data-confirm]');
    await page.waitForSelector('main p.empty', WAIT);
    const deadTab = await page.textContent('.tabs a[data-tab="dead"] .count');
    return {deadBefore, question, deadTab: Number(deadTab)};
  });

  await step('retryLive', async () => {
    await page.goto(`${base}/#/queues/reports?state=dead`);
    await page.waitForSelector('table.tasks tbody tr a', WAIT);
    // the newest dead task, behind older ones: a retry of it leaves them dead
    await page.click('table.tasks tbody tr:last-child a');
    await page.waitForSelector('dd[data-field="state"] .s-dead', WAIT);
    const id = (await page.textContent('dd[data-field="id"]')).trim();
    const seen = [await stateOnTaskPage(page)];
    await page.click('button[data-action="retry"]');
    await page.waitForSelector('dd[data-field="state"] .s-pending', WAIT);
    seen.push(await stateOnTaskPage(page));
    const confirmAsked = await page.locator('dialog.confirm[open]').count();
    const deadLeft = (await http('GET', '/v1/queues/reports')).counts.dead;
    // a worker takes it and finishes it: the open page follows without a click
    const {tasks} = await http('POST', '/v1/queues/reports/claim', {worker: 'report-worker-7', lease_ms: 60000});
    await page.waitForSelector('dd[data-field="state"] .s-working', WAIT);
    seen.push(await stateOnTaskPage(page));
    const lease = await page.textContent('dd[data-field="lease"]');
    // the worker reports a progress: a heartbeat, not an event, so the page of a working task
    // re-reads it (every 2 s; the stream's safety net is 15 s, longer than this wait)
    await http('POST', `/v1/tasks/${tasks[0].id}/heartbeat`, {token: tasks[0].lease.token, progress: 0.4});
    await page.waitForSelector('dd[data-field="progress"] progress[value="0.4"]', {timeout: 8000});
    await shoot(page, 'task-progress');
    const progress = await page.getAttribute('dd[data-field="progress"] progress', 'value');
    await http('POST', `/v1/tasks/${tasks[0].id}/complete`, {token: tasks[0].lease.token, result: {rows: 1289, file: 's3://reports/2026-11.csv'}});
    await page.waitForSelector('dd[data-field="state"] .s-done', WAIT);
    seen.push(await stateOnTaskPage(page));
    const history = await page.$$eval('ol.history li[data-transition]', (lis) => lis.map((li) => li.dataset.transition));
    await shoot(page, 'task', true);
    return {id, claimed: tasks[0].id, seen, confirmAsked, deadLeft, lease, progress, history,
      progressAfter: await page.locator('dd[data-field="progress"]').count(),
      result: await page.textContent('pre[data-block="result"]')};
  });

  await step('readOnly', async () => {
    const ro = await open(viewer);
    const buttons = {};
    buttons.overview = await ro.locator('button[data-action]').count();
    const counts = await countsOf(ro, 'thumbnails');
    await ro.click('tr[data-queue="emails"] a.qname');
    await ro.waitForSelector('table.tasks', WAIT);
    buttons.queue = await ro.locator('button[data-action]').count();
    await shoot(ro, 'read-only');
    await ro.click('.tabs a[data-tab="working"]');
    await ro.waitForSelector('table.tasks tbody tr a', WAIT);
    await ro.click('table.tasks tbody tr a');
    await ro.waitForSelector('dd[data-field="state"] .s-working', WAIT);
    buttons.task = await ro.locator('button[data-action]').count();
    const who = (await ro.textContent('#who')).trim();
    // the same pages show the admin its actions (so the zeros above are the role, not a broken page)
    await page.goto(`${base}/#/tasks/${await ro.textContent('dd[data-field="id"]').then((t) => t.trim())}`);
    await page.waitForSelector('dd[data-field="state"] .s-working', WAIT);
    const adminTaskButtons = await page.locator('button[data-action]').count();
    return {buttons, counts, who, adminTaskButtons};
  });

  await step('assets', async () => {
    const res = await page.request.get(base + '/');
    const html = await res.text();
    const css = html.match(/\/ui\/[0-9a-f]+\/style\.css/)[0];
    const asset = await page.request.get(base + css);
    return {page: res.headers(), asset: asset.headers()};
  });
} catch (e) {
  process.stderr.write(`dashboard test failed in ${report.failed}: ${report.error}\n`);
  exit = 1;
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(exit);

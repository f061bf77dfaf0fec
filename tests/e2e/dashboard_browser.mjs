// The police dashboard in a real browser (Debian's chromium, driven by playwright-core)
// against the `wardsoc run` that tests/e2e/dashboard_test.cc started. It sends its own
// syslog lines with logger(1) where the scenario needs new activity, and changes an
// incident through the API behind the browser's back for the conflict case.
// Exit 0 when every step passed; otherwise 1 with the failed step. No step is skipped:
// a missing browser is a failure.
//
// Environment: WARDSOC_URL, WEB_DIR (for playwright-core), CHROMIUM, LOGGER, SYSLOG_PORT,
// SCREENSHOTS (a directory), BRUTE_ID (the incident the C++ side saw open).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const base = env('WARDSOC_URL');
const chromiumPath = env('CHROMIUM');
const shots = env('SCREENSHOTS');
const bruteId = env('BRUTE_ID');
// "token": wardsoc has api.token; the dashboard must ask for it, refuse a wrong one and
// work with the right one (TOKEN). Anything else: the police's whole scenario.
const scenario = process.env.SCENARIO ?? 'police';
mkdirSync(shots, { recursive: true });
if (!existsSync(chromiumPath)) {
  console.error(`FAIL: no browser at ${chromiumPath}: install chromium (make setup-test)`);
  process.exit(1);
}
const { chromium } = createRequire(join(env('WEB_DIR'), 'package.json'))('playwright-core');

const TIMEOUT = 20000;
let step = '';
const problems = [];

function send(message) {
  execFileSync(env('LOGGER'), ['-n', '127.0.0.1', '-P', env('SYSLOG_PORT'), '-T', '-t', 'sshd', '--', message]);
}

async function api(path, init = {}) {
  const res = await fetch(base + path, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  return { status: res.status, body: await res.json() };
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // A script from a log line, a policy violation, an uncaught error: each fails the test.
  page.on('dialog', (d) => {
    problems.push(`a dialog opened (${d.type()}: ${d.message()}): markup from a log line ran`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The browser logs every 4xx; the one 409 of the conflict step is expected.
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (step === 'a stale acknowledge shows the conflict' && m.text().includes('status of 409')) return;
    problems.push(`console error (${step}): ${m.text()}`);
  });
  await page.addInitScript(() => {
    window.__xss = 0;
  });

  if (scenario === 'token') {
    step = 'the dashboard asks for the token';
    const token = env('TOKEN');
    await page.goto(base + '/');
    await page.getByRole('heading', { name: 'Cần mã truy cập' }).waitFor();
    const field = page.getByLabel('Mã truy cập');
    await field.fill('wrong-token');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    step = 'a wrong token is asked again';
    await page.getByRole('heading', { name: 'Cần mã truy cập' }).waitFor();
    await page.getByLabel('Mã truy cập').fill(token);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    step = 'the right token shows the incidents';
    await page.locator(`li.row[data-id="${bruteId}"]`).waitFor();
    await page.reload(); // kept for the tab
    await page.locator(`li.row[data-id="${bruteId}"]`).waitFor();
    await shot(page, 'token-vi-desktop');
    const stray = problems.filter((p) => !p.includes('status of 401'));
    if (stray.length) throw new Error(stray.join('\n'));
    console.log('dashboard: token scenario passed');
    process.exit(0);
  }

  step = 'the list shows the brute force in Vietnamese';
  await page.goto(base + '/');
  await page.getByRole('heading', { name: 'Sự cố đang diễn ra' }).waitFor();
  const brute = page.locator(`li.row[data-id="${bruteId}"]`);
  await brute.waitFor();
  const bruteText = await brute.innerText();
  check(bruteText.includes('Dò mật khẩu SSH'), `row text: ${bruteText}`);
  check(bruteText.includes('Cao'), `no Vietnamese severity in: ${bruteText}`);
  check(bruteText.includes('Mới'), `no Vietnamese status in: ${bruteText}`);
  check(bruteText.includes('Trụ sở UBND phường'), `no site in: ${bruteText}`);
  check(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/.test(bruteText), `no dd/mm/yyyy HH:mm in: ${bruteText}`);
  // The browser is in Berlin; the times are Vietnam's.
  const firstSeen = (await api(`/api/v1/incidents/${bruteId}`)).body.incident.first_seen_us;
  const vn = new Date(Math.floor(firstSeen / 1000) + 7 * 3600 * 1000);
  const p2 = (n) => String(n).padStart(2, '0');
  const expected = `${p2(vn.getUTCDate())}/${p2(vn.getUTCMonth() + 1)}/${vn.getUTCFullYear()} ${p2(vn.getUTCHours())}:${p2(vn.getUTCMinutes())}`;
  check(bruteText.includes(expected), `first seen should read ${expected} (Asia/Ho_Chi_Minh) in: ${bruteText}`);
  await shot(page, 'incidents-vi-desktop');

  step = 'a new incident appears without a reload';
  await page.evaluate(() => {
    window.__sameDocument = 'yes';
  });
  send('Accepted password for root from 203.0.113.9 port 4242 ssh2');
  const rootRow = page.locator('li.row', { hasText: 'Đăng nhập root qua SSH thành công' });
  await rootRow.waitFor();
  check((await page.evaluate(() => window.__sameDocument)) === 'yes', 'the page was reloaded');
  check((await page.locator('li.row').first().getAttribute('data-id')) !== bruteId, 'the newest activity is not first');
  const rootId = await rootRow.getAttribute('data-id');

  step = 'markup from log lines is shown as text';
  for (let i = 0; i < 6; i++) {
    send(`Failed password for invalid user <img src=x onerror=alert(1)><script>alert(2)</script> from 198.51.100.23 port ${5000 + i} ssh2`);
  }
  const hostileRow = page.locator('li.row .grouped');
  await hostileRow.waitFor(); // two brute forces on one device: one row, with a count
  const groupedText = await hostileRow.innerText();
  check(groupedText.includes('2 sự cố'), `group says: ${groupedText}`);
  const hostileId = (await api('/api/v1/incidents?rule=ssh.auth_failure_burst')).body.incidents.find((i) => i.group_key === '198.51.100.23')?.id;
  check(hostileId, 'no incident for the hostile lines');
  await page.goto(`${base}/incidents/${hostileId}`);
  await page.locator('.evidence li').nth(5).waitFor();
  const ev = await page.locator('.evidence').innerText();
  check(ev.includes('<img src=x onerror=alert(1)><script>alert(2)</script>'), `evidence not literal: ${ev.slice(0, 300)}`);
  check((await page.locator('.evidence img, .evidence script, .fields img').count()) === 0, 'log markup became elements');
  const fieldsText = await page.locator('dl.fields').innerText();
  check(fieldsText.includes('<img src=x onerror=alert(1)>'), `captured user not literal: ${fieldsText}`);
  await shot(page, 'incident-hostile-vi-desktop');

  step = 'acknowledge with a note';
  await page.goto(`${base}/incidents/${bruteId}`);
  await page.getByRole('heading', { name: 'Dò mật khẩu SSH' }).waitFor();
  check((await page.locator('.evidence li').count()) === 6, 'six evidence lines');
  await page.getByLabel('Cán bộ xử lý').fill('cong-an-phuong/an');
  await page.getByLabel('Ghi chú').fill('đang kiểm tra camera');
  await page.getByRole('button', { name: 'Tiếp nhận' }).click();
  await page.locator('.msg-ok').waitFor();
  await page.locator('.incident-head .status', { hasText: 'Đã tiếp nhận' }).waitFor();
  const hist = await page.locator('.history').innerText();
  check(hist.includes('cong-an-phuong/an') && hist.includes('đang kiểm tra camera'), `history: ${hist}`);
  check(await page.getByRole('button', { name: 'Tiếp nhận' }).isDisabled(), 'acknowledge still offered');
  await shot(page, 'incident-vi-desktop');

  step = 'a stale acknowledge shows the conflict';
  await page.goto(`${base}/incidents/${rootId}`);
  await page.locator('.incident-head .status', { hasText: 'Mới' }).waitFor();
  // Another officer acknowledges it meanwhile.
  const other = await api(`/api/v1/incidents/${rootId}/transition`, {
    method: 'POST',
    body: JSON.stringify({ status: 'acknowledged', actor: 'cong-an-phuong/binh', note: 'tôi nhận', expected_status: 'new' }),
  });
  check(other.status === 200, `the other officer's acknowledge: ${other.status}`);
  await page.getByRole('button', { name: 'Tiếp nhận' }).click();
  const conflict = page.locator('.msg-conflict');
  await conflict.waitFor();
  const conflictText = await conflict.innerText();
  check(conflictText.includes('Người khác vừa thay đổi sự cố này'), `conflict text: ${conflictText}`);
  check(conflictText.includes('Đã tiếp nhận'), `conflict does not name the status: ${conflictText}`);
  // The screen now shows what the other officer did.
  await page.locator('.history', { hasText: 'cong-an-phuong/binh' }).waitFor();
  const after = (await api(`/api/v1/incidents/${rootId}`)).body;
  check(after.history.length === 2, `the stale click changed the incident: ${JSON.stringify(after.history)}`);
  await shot(page, 'incident-conflict-vi-desktop');

  step = 'the filter lives in the URL';
  await page.goto(`${base}/`);
  await page.getByLabel('Trạng thái').selectOption('acknowledged');
  await page.waitForURL(/status=acknowledged/);
  await page.locator(`li.row[data-id="${rootId}"]`).waitFor();
  await page.reload();
  check((await page.getByLabel('Trạng thái').inputValue()) === 'acknowledged', 'filter lost on reload');
  await page.getByLabel('Tìm kiếm').fill('nhap root');
  await page.waitForURL(/q=nhap\+root/);
  await page.locator(`li.row[data-id="${rootId}"]`).waitFor();
  check((await page.locator('li.row').count()) === 1, 'search shows other incidents');

  step = 'English is remembered';
  await page.goto(`${base}/`);
  await page.getByRole('button', { name: 'Chuyển sang tiếng Anh' }).click();
  await page.getByRole('heading', { name: 'Live incidents' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Live incidents' }).waitFor();
  const enRow = await page.locator(`li.row[data-id="${rootId}"]`).innerText();
  check(enRow.includes('Successful SSH login as root') && enRow.includes('Acknowledged'), `English row: ${enRow}`);
  await shot(page, 'incidents-en-desktop');
  await page.goto(`${base}/incidents/${bruteId}`);
  await page.getByRole('heading', { name: 'SSH brute-force login' }).waitFor();
  await page.getByRole('heading', { name: 'Evidence (log lines)' }).waitFor();
  await shot(page, 'incident-en-desktop');
  await page.goto(`${base}/incidents/${hostileId}`);
  await page.getByRole('heading', { name: 'Evidence (log lines)' }).waitFor();
  check((await page.locator('.evidence').innerText()).includes('<img src=x onerror=alert(1)><script>alert(2)</script>'), 'English evidence not literal');
  check((await page.locator('.evidence img, .evidence script, .fields img').count()) === 0, 'log markup became elements in English');
  await page.goto(`${base}/overview`);
  await page.getByRole('heading', { name: 'Incidents over time by severity' }).waitFor();
  await shot(page, 'overview-en-desktop');
  await page.getByRole('button', { name: 'Switch to Vietnamese' }).click();

  step = 'the overview counts by severity, rule and site';
  await page.getByRole('heading', { name: /Sự cố theo thời gian/ }).waitFor();
  check((await page.locator('.chart rect').count()) > 0, 'no bars');
  await page.locator('ol.top a', { hasText: 'Dò mật khẩu SSH' }).waitFor();
  await page.locator('ol.top a', { hasText: 'Trụ sở UBND phường' }).waitFor();
  await shot(page, 'overview-vi-desktop');

  step = 'a 360 px phone';
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const ph = await phone.newPage();
  ph.setDefaultTimeout(TIMEOUT);
  ph.on('pageerror', (e) => problems.push(`phone page error: ${e.message}`));
  await ph.goto(`${base}/`);
  await ph.locator('li.row', { hasText: 'Dò mật khẩu SSH' }).waitFor();
  const overflow = await ph.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the list is ${overflow}px wider than the phone`);
  await shot(ph, 'incidents-vi-phone');
  await ph.goto(`${base}/incidents/${bruteId}`);
  await ph.locator('.evidence li').first().waitFor();
  check((await ph.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0, 'the incident is wider than the phone');
  await shot(ph, 'incident-vi-phone');

  step = 'the place in the list stays while rows arrive';
  const short = await browser.newContext({ viewport: { width: 1280, height: 300 } });
  const sp = await short.newPage();
  sp.setDefaultTimeout(TIMEOUT);
  sp.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await sp.goto(`${base}/`);
  const anchorRow = sp.locator(`li.row[data-id="${rootId}"]`);
  await anchorRow.waitFor();
  await sp.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const scrolled = await sp.evaluate(() => window.scrollY);
  check(scrolled > 0, 'the short page does not scroll');
  const yBefore = (await anchorRow.boundingBox()).y;
  const rowsBefore = await sp.locator('li.row').count();
  send('ROOT LOGIN REFUSED FROM 203.0.113.8');
  await sp.locator('li.row').nth(rowsBefore).waitFor(); // one more row, above (newest first)
  const top = await sp.locator('li.row').first().innerText();
  check(top.includes('Từ chối đăng nhập root qua SSH'), `the new row is not on top: ${top}`);
  const yAfter = (await anchorRow.boundingBox()).y;
  check(Math.abs(yAfter - yBefore) <= 2, `the row the user looked at moved from ${yBefore}px to ${yAfter}px`);
  await short.close();

  step = 'keyboard only';
  await page.goto(`${base}/`);
  await page.locator('li.row').first().waitFor();
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate((id) => document.activeElement?.closest('li.row')?.getAttribute('data-id') === id, rootId);
  }
  check(reached, 'Tab never reached the incident row');
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/incidents/${rootId}$`));
  await page.getByRole('heading', { name: 'Đăng nhập root qua SSH thành công' }).waitFor();

  step = 'print';
  await page.emulateMedia({ media: 'print' });
  check(!(await page.locator('.actions').isVisible()), 'the buttons are printed');
  check(await page.locator('.evidence').isVisible(), 'the evidence is not printed');
  await page.emulateMedia({ media: 'screen' });

  step = 'nothing ran that should not have';
  check((await page.evaluate(() => window.__xss)) === 0, 'xss marker changed');
  if (problems.length) throw new Error(problems.join('\n'));
  console.log('dashboard: every step passed');
} catch (e) {
  console.error(`FAIL at "${step}": ${e instanceof Error ? e.message : e}`);
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}

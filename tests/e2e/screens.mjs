// End-to-end: every page as each role sees it, at 1280 px and on a 390 px phone, after
// flow.mjs and composer.mjs have filled the service (drafts in every state, issued and
// sent documents, the register, the audit log). A page fails on:
// - a horizontal scrollbar;
// - code on the screen: a raw identifier (`snn-bac-giang`, `approve-sign`), `agency:` or
//   `person:` references, certificate DNs (`CN=…`), ISO or UTC timestamps, template
//   placeholders (`{{ … }}`), the decree's box numbers ("ô 12"), or an English word of
//   the list below. An identifier may appear only inside a `<code>` element (where the
//   page labels it as a code, "Mã");
// - a short Vietnamese word broken across two lines.
// Usage: node screens.mjs BASE_URL OUT_DIR [ADMIN_PASSWORD]
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

const [base, out, adminPassword] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const password = (login) => (login === 'qt' && adminPassword) ? adminPassword : `mat-khau-${login}-123`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
const page = await context.newPage();

async function login(who) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Tên đăng nhập').fill(who);
  await page.getByLabel('Mật khẩu').fill(password(who));
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL(`${base}/`);
}
async function logout() {
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await page.waitForURL(`${base}/login`);
}

// Words of program English that must not reach a clerk's screen.
const english = ['approve', 'approved', 'sign', 'signed', 'seal', 'signature', 'image', 'draft',
  'drafts', 'submit', 'issue', 'issued', 'send', 'sent', 'queued', 'sending', 'failed', 'error',
  'null', 'undefined', 'true', 'false', 'none', 'couldn', 'parse', 'input', 'invalid', 'field',
  'agency', 'person', 'signer', 'clerk', 'drafter', 'admin', 'login', 'token', 'OK', 'PAdES',
  'ETSI', 'CAdES', 'Signature1', 'Signature2', 'SHA-256', 'subject', 'body', 'recipients',
  'addressees', 'return', 'extend', 'verify', 'import', 'upload', 'template', 'preview'];
const englishRe = new RegExp(`(^|[^\\p{L}\\p{N}_])(${english.join('|')})(?=$|[^\\p{L}\\p{N}_])`, 'u');
const patterns = [
  ['an identifier', /(^|[^\p{L}\p{N}_/.@])[a-z]+-[a-z0-9]+(-[a-z0-9]+)*(?=$|[^\p{L}\p{N}_@.])/u],
  ['a reference', /\b(agency|person|group):/],
  ['a certificate DN', /\b(CN|OU?|C)=\S/],
  ['an ISO time', /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}:\d{2}Z/],
  ['a placeholder', /\{\{|\{%/],
  ['a box number', /(^|[\s(])ô \d+/u],
  ['an English word', englishRe],
];

// The visible text of the page, outside <code>, scripts, styles and text boxes, one
// entry per text node.
async function visibleTexts() {
  return page.evaluate(() => {
    const out = [];
    // A closed <details> keeps its content out of view (the technical detail a clerk
    // opens on purpose), so only its summary counts until it is opened.
    const skip = (el) => el.closest('code, script, style, textarea, noscript, [hidden], template')
      || (el.closest('details:not([open])') && !el.closest('summary'));
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || skip(el)) continue;
      const t = node.textContent.trim();
      if (!t) continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      out.push(t);
    }
    // Placeholders and labels of inputs are read as text too.
    for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
      out.push(el.getAttribute('placeholder'));
    }
    return out;
  });
}

// Short words (≤ 12 letters) laid out over two lines.
async function brokenWords() {
  return page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || el.closest('script, style, textarea, option, select')) continue;
      if (el.closest('details:not([open])') && !el.closest('summary')) continue;
      for (const m of node.textContent.matchAll(/\S+/g)) {
        if (m[0].length > 12) continue;
        const r = document.createRange();
        r.setStart(node, m.index);
        r.setEnd(node, m.index + m[0].length);
        const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
        if (lines.size > 1) out.push(m[0]);
      }
    }
    return out;
  });
}

const problems = [];
async function check(who, path, width) {
  const response = await page.goto(`${base}${path}`);
  assert.ok(response.status() < 500, `${path}: ${response.status()}`);
  const where = `${who} ${path} @${width}`;
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) problems.push(`${where}: ${overflow}px wider than the window`);
  for (const t of await visibleTexts()) {
    for (const [what, re] of patterns) {
      const m = t.match(re);
      if (m) problems.push(`${where}: ${what} "${m[0].trim()}" in "${t.slice(0, 120)}"`);
    }
  }
  const broken = await brokenWords();
  if (broken.length) problems.push(`${where}: words broken over two lines: ${broken.join(', ')}`);
  await page.screenshot({ path: `${out}/man-hinh-${who}-${width}-${path.replace(/[^a-z0-9]+/gi, '_')}.png`, fullPage: true });
}

// The pages a role reaches from its menu and its dashboard, and one of each thing.
async function linksOf(selector) {
  return page.locator(selector).evaluateAll((xs) => [...new Set(xs.map((a) => new URL(a.href).pathname + new URL(a.href).search))]);
}
const roles = ['cv', 'ld', 'vt', 'qt'];
for (const who of roles) {
  await login(who);
  const paths = new Set(['/', '/drafts', '/drafts/new?template=letter', '/register', '/verify', '/account']);
  if (who === 'qt') ['/admin/users', '/admin/audit', '/data'].forEach((p) => paths.add(p));
  if (who === 'vt') paths.add('/data');
  await page.goto(`${base}/drafts`);
  for (const p of (await linksOf('main a[href^="/drafts/"]')).slice(0, 8)) paths.add(p);
  await page.goto(`${base}/register?year=2020`);
  for (const p of (await linksOf('main a[href^="/documents/"]')).filter((p) => !/\/(pdf|docx)$/.test(p)).slice(0, 3)) paths.add(p);
  await page.goto(`${base}/?date=2020-10-20`);
  for (const p of (await linksOf('main a[href^="/milestones/"]')).slice(0, 2)) paths.add(p);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    for (const p of paths) await check(who, p, width);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await logout();
}

await browser.close();
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`${problems.length} problems`);
  process.exit(1);
}
console.log(`e2e screens: ok; every page of 4 roles at 1280 and 390 px`);

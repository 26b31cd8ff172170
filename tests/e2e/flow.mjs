// End-to-end: four people in one browser (Debian's Chromium, headless) take a
// reminder dispatch from draft to delivered. Usage: node flow.mjs BASE_URL OUT_DIR
// Screenshots of the main pages go to OUT_DIR for a reviewer to look at.
import { chromium, request } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

const [base, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const password = (login) => `mat-khau-${login}-123`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
const page = await context.newPage();
const shot = (name) => page.screenshot({ path: `${out}/${name}.png`, fullPage: true });

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
const state = () => page.locator('#state').innerText();

// A wrong password is refused with a message in Vietnamese.
await page.goto(`${base}/login`);
await shot('01-dang-nhap');
await page.getByLabel('Tên đăng nhập').fill('cv');
await page.getByLabel('Mật khẩu').fill('sai-mat-khau');
await page.getByRole('button', { name: 'Đăng nhập' }).click();
assert.match(await page.locator('[role=alert]').innerText(), /sai tên đăng nhập hoặc mật khẩu/);

// The drafter composes a reminder dispatch from the form; a missing field is named next to it.
await login('cv');
await page.goto(`${base}/?date=2020-10-20`);
await shot('02-tong-quan');
await page.goto(`${base}/drafts`);
await page.getByRole('link', { name: 'Công văn đôn đốc thực hiện mốc thời hạn' }).click();
await page.getByLabel('Ngày văn bản').fill('2020-10-23');
await page.getByRole('button', { name: 'Tạo bản nháp' }).click();
assert.equal(await page.locator('#e-milestone').innerText(), 'hãy chọn mốc thời hạn');
await page.getByLabel('Mốc thời hạn').selectOption('bg-2020-chuyen-ho-so');
await page.getByLabel(/Cơ quan ban hành/).selectOption('snn-bac-giang');
await shot('03-soan-thao');
await page.getByRole('button', { name: 'Tạo bản nháp' }).click();
await page.waitForURL(/\/drafts\/\d+$/);
const draftUrl = page.url();
assert.equal(await state(), 'Đang soạn');
// The preview in the page is the draft's pages as images, and its PDF a click away.
assert.ok((await page.locator('#preview img.page').count()) >= 1, 'page images in the draft page');
const src = await page.getByRole('link', { name: 'Mở PDF xem trước' }).getAttribute('href');
const preview = await page.request.get(`${base}${src}`);
assert.equal(preview.headers()['content-type'], 'application/pdf');
assert.equal((await preview.body()).subarray(0, 5).toString(), '%PDF-');
await shot('04-ban-nhap');
await page.getByRole('button', { name: 'Trình duyệt' }).click();
assert.equal(await state(), 'Chờ duyệt');
// A drafter has no approve button, and the API refuses the approval.
assert.equal(await page.getByRole('button', { name: 'Duyệt' }).count(), 0);
await logout();

// The signer approves.
await login('ld');
await page.goto(draftUrl);
await page.getByRole('button', { name: 'Duyệt', exact: true }).click();
assert.equal(await state(), 'Đã duyệt, chờ ban hành');
await logout();

// The clerk issues (the register gives the number) and sends.
await login('vt');
await page.goto(draftUrl);
// Without the confirmation box ticked the browser does not submit; ticked, it issues.
await page.getByRole('button', { name: 'Ban hành (lấy số)' }).click();
assert.equal(await state(), 'Đã duyệt, chờ ban hành');
await page.getByLabel(/ban hành sẽ lấy số/).check();
await page.getByRole('button', { name: 'Ban hành (lấy số)' }).click();
assert.equal(await state(), 'Đã ban hành');
assert.equal(await page.locator('#number').innerText(), '01/SNN-PTNT');
await page.getByLabel(/Gửi thư điện tử đến mọi nơi nhận/).check();
await page.getByRole('button', { name: 'Gửi văn bản' }).click();
let states = [];
for (let i = 0; i < 50; i++) {
  states = await page.locator('#deliveries tbody tr td:nth-child(3)').allInnerTexts();
  if (states.length === 4 && states.every((s) => /^(đã gửi|gửi bản giấy)/.test(s))) break;
  await page.waitForTimeout(300);
  await page.reload();
}
assert.equal(states.filter((s) => s.startsWith('đã gửi')).length, 3, states.join(' | '));
assert.equal(states.filter((s) => s.startsWith('gửi bản giấy')).length, 1, states.join(' | '));
await shot('05-da-gui');
await page.goto(`${base}/register?q=don+doc&year=2020`);
assert.equal(await page.locator('#register tbody tr').count(), 1);
await shot('06-so-van-ban');
await page.goto(`${base}/data`);
await shot('07-du-lieu');
// The clerk records a report received for another milestone.
await page.goto(`${base}/milestones/bg-2020-danh-gia-huyen`);
const before = await page.locator('#agencies tbody tr', { hasText: 'chưa báo cáo' }).count();
await page.getByLabel('Ngày nhận báo cáo').fill('2020-10-21');
await page.getByRole('button', { name: 'Ghi nhận' }).click();
assert.equal(await page.locator('[role=status]').innerText(), 'Đã ghi nhận báo cáo.');
assert.equal(await page.locator('#agencies tbody tr', { hasText: 'chưa báo cáo' }).count(), before - 1);
assert.equal(await page.locator('#agencies tbody tr', { hasText: 'đã báo cáo ngày 21/10/2020' }).count(), 1);
await shot('12-moc-thoi-han');

// On a phone the pages fit the width.
await page.setViewportSize({ width: 390, height: 844 });
for (const [path, name] of [['/?date=2020-10-20', '08-dien-thoai-tong-quan'], [new URL(draftUrl).pathname, '09-dien-thoai-ban-nhap']]) {
  await page.goto(`${base}${path}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${path} is ${overflow}px wider than the phone`);
  await shot(name);
}
// No short word (a number, a date, "Số") is broken inside a table cell on the phone.
for (const path of ['/register?year=2020', '/?date=2020-10-20', new URL(draftUrl).pathname]) {
  await page.goto(`${base}${path}`);
  const broken = await page.evaluate(() => {
    const out = [];
    for (const cell of document.querySelectorAll('th, td')) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of node.textContent.matchAll(/\S+/g)) {
          if (m[0].length > 12) continue;
          const r = document.createRange();
          r.setStart(node, m.index);
          r.setEnd(node, m.index + m[0].length);
          const lines = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
          if (lines.size > 1) out.push(m[0]);
        }
      }
    }
    return out;
  });
  assert.deepEqual(broken, [], `${path}: words broken inside table cells`);
}
await page.setViewportSize({ width: 1280, height: 900 });
await logout();

// The admin reads who did what.
await login('qt');
await page.goto(`${base}/admin/audit`);
const actions = await page.locator('#audit tbody tr td:nth-child(3)').allInnerTexts();
for (const a of ['tạo bản nháp', 'trình duyệt', 'duyệt', 'ban hành', 'gửi']) assert.ok(actions.includes(a), `${a} in ${actions}`);
await shot('10-nhat-ky');
await page.goto(`${base}/admin/users`);
await shot('11-nguoi-dung');
// Anyone may make an API token for themselves; it works once shown.
await page.getByRole('link', { name: 'Phạm Quản Trị' }).click();
await page.getByLabel(/Ghi chú/).fill('bảng tính tổng hợp');
await page.getByRole('button', { name: 'Tạo mã' }).click();
const token = await page.locator('#token').innerText();
const cookieless = await request.newContext();
assert.equal((await cookieless.get(`${base}/api/v1/me`)).status(), 401);
const me = await cookieless.get(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
assert.equal((await me.json()).login, 'qt');
// The token is listed with its last use, and revoked from the same page.
await page.goto(`${base}/account`);
const row = page.locator('#tokens tbody tr', { hasText: 'bảng tính tổng hợp' });
assert.match(await row.innerText(), /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/, 'its last use is shown');
await shot('13-tai-khoan');
await row.getByRole('button', { name: 'Thu hồi' }).click();
assert.match(await page.locator('[role=status]').innerText(), /Đã thu hồi mã API/);
const revoked = await request.newContext();
assert.equal((await revoked.get(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } })).status(), 401);
await revoked.dispose();

// The admin changes their password (the composer's test after this one signs the
// others in): a wrong current one is said next to its box, a common one too; then the
// new one signs in and the old one no longer does.
await page.goto(`${base}/account`);
const newPassword = 'hoa sen nở trên đầm lầy';
await page.getByLabel('Mật khẩu hiện tại').fill('khong-phai-mat-khau');
await page.getByLabel('Mật khẩu mới', { exact: true }).fill(newPassword);
await page.getByLabel('Nhập lại mật khẩu mới').fill(newPassword);
await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
assert.match(await page.locator('#e-old_password').innerText(), /mật khẩu hiện tại không đúng/);
await page.getByLabel('Mật khẩu hiện tại').fill(password('qt'));
await page.getByLabel('Mật khẩu mới', { exact: true }).fill('matkhau123456');
await page.getByLabel('Nhập lại mật khẩu mới').fill('matkhau123456');
await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
assert.match(await page.locator('#e-new_password').innerText(), /quá phổ biến/);
await page.getByLabel('Mật khẩu hiện tại').fill(password('qt'));
await page.getByLabel('Mật khẩu mới', { exact: true }).fill(newPassword);
await page.getByLabel('Nhập lại mật khẩu mới').fill(newPassword);
await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
await page.waitForURL(`${base}/account?done=password`);
assert.match(await page.locator('[role=status]').innerText(), /Đã đổi mật khẩu/);
await shot('14-doi-mat-khau');
await logout();
await page.getByLabel('Tên đăng nhập').fill('qt');
await page.getByLabel('Mật khẩu').fill(password('qt'));
await page.getByRole('button', { name: 'Đăng nhập' }).click();
assert.match(await page.locator('[role=alert]').innerText(), /sai tên đăng nhập hoặc mật khẩu/);
await page.getByLabel('Mật khẩu').fill(newPassword);
await page.getByRole('button', { name: 'Đăng nhập' }).click();
await page.waitForURL(`${base}/`);

await browser.close();
console.log(`e2e: ok; screenshots in ${out}`);

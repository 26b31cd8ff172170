// End-to-end, counted: task A of the clerk's day. A drafter writes one công văn to three
// huyện, the director approves it, the clerk issues and sends it. Every action a person
// takes is one step (typing into a box, choosing, ticking, clicking, each login box);
// the whole task must take at most 30 steps, with the confirmations that guard what
// cannot be undone still ticked. Usage: node task.mjs BASE_URL OUT_DIR
import { chromium } from 'playwright-core';
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

const steps = [];
// One step of a person: what it is, and the action.
async function step(what, action) {
  steps.push(what);
  await action();
}
async function login(who) {
  await page.goto(`${base}/login`);
  await step(`${who}: tên đăng nhập`, () => page.getByLabel('Tên đăng nhập').fill(who));
  await step(`${who}: mật khẩu`, () => page.getByLabel('Mật khẩu').fill(password(who)));
  await step(`${who}: đăng nhập`, () => page.getByRole('button', { name: 'Đăng nhập' }).click());
  await page.waitForURL(`${base}/`);
}
async function logout(who) {
  await step(`${who}: đăng xuất`, () => page.getByRole('button', { name: 'Đăng xuất' }).click());
  await page.waitForURL(`${base}/login`);
}
const subject = 'V/v rà soát sản phẩm OCOP hết hạn chứng nhận năm 2026';

// The drafter: the form starts with their agency and its one signer, and today.
await login('cv');
await step('cv: Bản nháp', () => page.getByRole('link', { name: 'Bản nháp', exact: true }).first().click());
await step('cv: Văn bản tự soạn', () => page.getByRole('link', { name: /Văn bản tự soạn/ }).click());
await page.waitForURL(/template=letter/);
assert.equal(await page.locator('#f-issuer').inputValue(), 'snn-bac-giang');
assert.equal(await page.locator('#f-signer').inputValue(), 'duong-thanh-tung');
await step('cv: loại văn bản', () => page.getByLabel('Loại văn bản').selectOption('công văn'));
await step('cv: trích yếu', () => page.getByLabel(/Trích yếu/).fill(subject));
const addressees = page.locator('[data-field=addressees]');
await step('cv: mở danh sách Kính gửi', () => addressees.locator('summary').click());
for (const huyen of ['UBND huyện Lục Nam', 'UBND huyện Lục Ngạn', 'UBND huyện Yên Thế']) {
  await step(`cv: chọn ${huyen}`, () => addressees.getByLabel(huyen, { exact: true }).check());
}
await step('cv: nội dung', () => page.locator('#f-body').fill(
  'Thực hiện Kế hoạch năm 2026, Sở Nông nghiệp và PTNT đề nghị UBND các huyện:\n'
  + '- Rà soát các sản phẩm OCOP có giấy chứng nhận hết hạn trong năm 2026;\n'
  + '- Báo cáo kết quả về Sở trước ngày 20/12/2026.\n'
  + 'Trân trọng./.'));
// Nơi nhận starts as "Như trên; Lưu: VT." already.
assert.equal(await page.locator('#f-recipients').inputValue(), 'Như trên;\nLưu: VT.');
await step('cv: tạo bản nháp', () => page.getByRole('button', { name: 'Tạo bản nháp' }).click());
await page.waitForURL(/\/drafts\/\d+$/);
const draftUrl = page.url();
await step('cv: trình duyệt', () => page.getByRole('button', { name: 'Trình duyệt' }).click());
assert.equal(await page.locator('#state').innerText(), 'Chờ duyệt');
await logout('cv');

// The director finds it on their dashboard, waiting for them.
await login('ld');
const waiting = page.locator('#waiting');
assert.match(await waiting.innerText(), /duyệt hoặc trả lại/);
await step('ld: mở văn bản chờ duyệt', () => waiting.getByRole('link', { name: subject }).click());
await page.waitForURL(draftUrl);
await step('ld: duyệt', () => page.getByRole('button', { name: 'Duyệt', exact: true }).click());
assert.equal(await page.locator('#state').innerText(), 'Đã duyệt, chờ ban hành');
await logout('ld');

// The clerk finds it waiting too, issues (a ticked confirmation) and sends (another).
await login('vt');
await step('vt: mở văn bản chờ ban hành', () => page.locator('#waiting').getByRole('link', { name: subject }).click());
await page.waitForURL(draftUrl);
await step('vt: xác nhận ban hành', () => page.getByLabel(/ban hành sẽ lấy số/).check());
await step('vt: xác nhận gửi ngay', () => page.getByLabel(/Gửi ngay khi ban hành xong/).check());
await step('vt: ban hành và gửi', () => page.getByRole('button', { name: 'Ban hành (lấy số)' }).click());
assert.equal(await page.locator('#state').innerText(), 'Đã ban hành');
// The delivery table refreshes itself: no reload by the clerk.
let states = [];
for (let i = 0; i < 60; i++) {
  states = await page.locator('#deliveries tbody tr td:nth-child(3)').allInnerTexts().catch(() => []);
  if (states.length >= 3 && states.every((s) => !/chờ gửi|đang gửi/.test(s))) break;
  await page.waitForTimeout(500);
}
assert.ok(states.filter((s) => s.startsWith('đã gửi')).length >= 3, states.join(' | '));
await page.screenshot({ path: `${out}/30-viec-a-da-gui.png`, fullPage: true });
await logout('vt');

await browser.close();
assert.ok(steps.length <= 30, `task A took ${steps.length} steps:\n${steps.join('\n')}`);
console.log(`e2e task A: ok in ${steps.length} steps (drafter, director, clerk, with logins)`);

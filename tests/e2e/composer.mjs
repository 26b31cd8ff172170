// End-to-end: the free composer. A drafter writes an ordinary công văn in the browser
// (two addressees picked from the groups, a bold deadline and a table from the
// toolbar), watches the page images of the live preview change as they type, fixes the
// field the preview names, saves and submits; the signer approves; the clerk issues
// and sends; the register lists it. Then a letter file and a Word draft are uploaded
// as drafts, a draft is saved as a template and a new draft made from it, and a
// 390 px phone shows the preview's page images.
// Usage: node composer.mjs BASE_URL OUT_DIR
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

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
const state = () => page.locator('#state').innerText();

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
// The sources of the live preview's page images once they settle after a change.
async function livePages(previous) {
  for (let i = 0; i < 100; i++) {
    const srcs = await page.locator('#live-pages img.page').evaluateAll((xs) => xs.map((x) => x.src));
    const stale = await page.locator('#live-pages.stale').count();
    if (srcs.length > 0 && !stale && srcs.join() !== (previous || []).join()) return srcs;
    await page.waitForTimeout(100);
  }
  throw new Error(`the live preview did not change: ${await page.locator('#live-status').innerText()}`);
}
// Every page image is decoded and really drawn (not an empty box).
async function imagesDrawn(selector) {
  return page.locator(selector).evaluateAll((xs) => xs.map((x) => ({
    natural: x.naturalWidth, shown: x.getBoundingClientRect().width,
  })));
}

await login('cv');
await page.goto(`${base}/drafts`);
await page.getByRole('link', { name: /Văn bản tự soạn/ }).click();
await page.waitForURL(/template=letter/);
await page.getByLabel('Loại văn bản').selectOption('công văn');
await page.locator('#f-issuer').selectOption('snn-bac-giang');
// Only the signers of the chosen issuer are offered.
const offered = await page.locator('#f-signer option:not([disabled])').evaluateAll((xs) => xs.map((x) => x.value).filter(Boolean));
assert.deepEqual(offered, ['duong-thanh-tung'], `signers offered: ${offered}`);
await page.locator('#f-signer').selectOption('duong-thanh-tung');
await page.getByLabel('Ngày ban hành').fill('2026-12-04');
await page.getByLabel(/Trích yếu/).fill('V/v báo cáo kết quả thực hiện\nChương trình OCOP năm 2026');
const addressees = page.locator('[data-field=addressees]');
await addressees.locator('summary').click();
await addressees.getByLabel('UBND các huyện, thành phố').check();
await addressees.getByLabel('UBND các xã, thị trấn').check();
const body = page.locator('#f-body');
const toolbar = page.getByRole('toolbar', { name: 'Định dạng nội dung', exact: true });
await body.fill('Thực hiện Kế hoạch năm 2026, Sở Nông nghiệp đề nghị các đơn vị báo cáo kết quả ');
await body.press('End');
await toolbar.getByRole('button', { name: 'Đậm' }).click();
// The toolbar wrapped its hint; the drafter types the deadline over it.
await page.keyboard.type('trước ngày 15/12/2026');
await body.press('End');
await page.keyboard.type('.');
await toolbar.getByRole('button', { name: 'Bảng' }).click();
await body.press('End');
await page.keyboard.type('Trân trọng./.');
// Nơi nhận starts as "Như trên; Lưu: VT."; emptied, the page is drawn all the same,
// as a sketch marking what is missing on the page, and the field is named under it.
assert.equal(await page.locator('#f-recipients').inputValue(), 'Như trên;\nLưu: VT.');
await page.locator('#f-recipients').fill('');
for (let i = 0; i < 100 && !(await page.locator('#e-recipients').innerText()); i++) await page.waitForTimeout(100);
assert.match(await page.locator('#e-recipients').innerText(), /hãy (chọn|nhập) nơi nhận/);
const sketch = await livePages();
assert.match(await page.locator('#live-status').innerText(), /Bản phác thảo, \d+ trang: các chỗ «…» trên trang còn thiếu/);
await shot('20-soan-thao-loi');
await page.locator('#f-recipients').fill('Như trên;\nLưu: VT, PTNT.');
const first = await livePages(sketch);
assert.equal(await page.locator('#e-recipients').innerText(), '');
const value = await body.inputValue();
assert.match(value, /\*\*trước ngày 15\/12\/2026\*\*/);
assert.match(value, /\| TT \| Nội dung \| Thời hạn \|/);
// Typing changes the pages.
await body.press('End');
await page.keyboard.type(' Đề nghị gửi kèm biểu mẫu.');
const second = await livePages(first);
assert.notDeepEqual(second, first);
const drawn = await imagesDrawn('#live-pages img.page');
assert.ok(drawn.every((x) => x.natural > 800 && x.shown > 100), JSON.stringify(drawn));
await shot('21-soan-thao-xem-truoc');
await page.getByRole('button', { name: 'Tạo bản nháp' }).click();
await page.waitForURL(/\/drafts\/\d+$/);
const draftUrl = page.url();
assert.equal(await state(), 'Đang soạn');
assert.ok((await page.locator('#preview img.page').count()) >= 1, 'the draft page shows page images');
await shot('22-ban-nhap-tu-soan');

// Saved as a template with a field; a new draft from it asks for that field.
await page.getByRole('link', { name: 'Sửa' }).click();
await page.getByLabel(/Trích yếu/).fill('V/v báo cáo kết quả thực hiện\nChương trình OCOP năm {{ nam }}');
await page.getByRole('button', { name: 'Lưu bản nháp' }).click();
await page.waitForURL(draftUrl);
await page.getByLabel(/Tên mẫu/).fill('Công văn đề nghị báo cáo OCOP');
await page.getByRole('button', { name: 'Lưu làm mẫu' }).click();
await page.waitForURL(/\/templates\/\d+\?done=saved$/);
await page.getByRole('button', { name: 'Tạo bản nháp từ mẫu' }).click();
assert.equal(await page.locator('#e-nam').innerText(), 'hãy nhập nam');
await page.getByLabel(/^Nam/).fill('2027');
await page.getByRole('button', { name: 'Tạo bản nháp từ mẫu' }).click();
await page.waitForURL(/\/drafts\/\d+$/);
assert.match(await page.locator('main').innerText(), /Chương trình OCOP năm 2027/);
// The draft with an unfilled field cannot go to the signer; filled again, it can.
await page.goto(draftUrl);
await page.getByRole('button', { name: 'Trình duyệt' }).click();
assert.match(await page.locator('[role=alert]').innerText(), /còn ô \{\{ nam \}\} chưa điền/);
await page.goto(`${draftUrl}/edit`);
await page.getByLabel(/Trích yếu/).fill('V/v báo cáo kết quả thực hiện\nChương trình OCOP năm 2026');
await page.getByRole('button', { name: 'Lưu bản nháp' }).click();
await page.waitForURL(draftUrl);
await page.getByRole('button', { name: 'Trình duyệt' }).click();
assert.equal(await state(), 'Chờ duyệt');
await logout();

await login('ld');
await page.goto(draftUrl);
await page.getByRole('button', { name: 'Duyệt', exact: true }).click();
assert.equal(await state(), 'Đã duyệt, chờ ban hành');
await logout();

await login('vt');
await page.goto(draftUrl);
await page.getByLabel(/ban hành sẽ lấy số/).check();
await page.getByRole('button', { name: 'Ban hành (lấy số)' }).click();
assert.equal(await state(), 'Đã ban hành');
const number = await page.locator('#number').innerText();
assert.match(number, /^\d+\/SNN-PTNT$/);
await page.getByLabel(/Gửi thư điện tử đến mọi nơi nhận/).check();
await page.getByRole('button', { name: 'Gửi văn bản' }).click();
assert.ok((await page.locator('#deliveries tbody tr').count()) >= 2, 'one delivery per addressee at least');
const documentUrl = await page.locator('#number').getAttribute('href');
await page.goto(`${base}/register?year=2026`);
const rows = await page.locator('#register tbody tr').allInnerTexts();
assert.ok(rows.some((r) => r.includes(number) && /báo cáo kết quả thực hiện/.test(r)), rows.join('\n'));
await shot('23-so-van-ban-tu-soan');
// The issued DOCX, for the upload below.
const docx = await page.request.get(`${base}/api/v1${documentUrl}/docx`);
assert.equal(docx.status(), 200);
writeFileSync(`${out}/van-ban.docx`, await docx.body());
await logout();

// Uploads: a letter file of another agency is refused (a drafter drafts for their own
// agency only); a Word draft of one's own agency becomes a draft.
await login('cv');
await page.goto(`${base}/drafts`);
await page.locator('#upload-file').setInputFiles({
  name: 'luc-nam-cong-van.toml', mimeType: 'application/toml',
  buffer: readFileSync(new URL('../../letters/drafts/luc-nam-cong-van.toml', import.meta.url)),
});
await page.getByRole('button', { name: 'Tải lên thành bản nháp' }).click();
assert.match(await page.locator('main').innerText(), /thuộc UBND huyện Lục Nam/);
await page.goto(`${base}/drafts`);
await page.locator('#upload-file').setInputFiles(`${out}/van-ban.docx`);
await page.getByRole('button', { name: 'Tải lên thành bản nháp' }).click();
await page.waitForURL(/\/drafts\/\d+\?done=upload$/);
const uploaded = await page.locator('main').innerText();
assert.match(uploaded, /báo cáo kết quả thực hiện/);
assert.match(uploaded, /Dương Thanh Tùng/);
await shot('24-tai-len-docx');
// A file of another kind is refused in words.
await page.goto(`${base}/drafts`);
await page.locator('#upload-file').setInputFiles({ name: 'anh.png', mimeType: 'image/png', buffer: Buffer.from('x') });
await page.getByRole('button', { name: 'Tải lên thành bản nháp' }).click();
assert.match(await page.locator('main').innerText(), /hãy tải lên tệp thư \(\.toml\) hoặc bản soạn thảo Word \(\.docx\)/);

// On a 390 px phone the composer's preview shows page images that fit the width.
await page.setViewportSize({ width: 390, height: 844 });
await page.goto(`${base}/drafts/new?template=letter`);
// From the first keystroke the page is drawn: only the trích yếu typed, the rest is
// marked on the page as missing («…»), the drafter's own agency as issuer.
await page.getByLabel(/Trích yếu/).fill('Kết quả đánh giá sản phẩm OCOP năm 2026');
const early = await livePages();
assert.match(await page.locator('#live-status').innerText(), /Bản phác thảo/);
// A form shows only the fields of the chosen kind: a decision's grounds for a decision.
await page.getByLabel('Loại văn bản').selectOption('quyết định');
assert.equal(await page.locator('[data-field=grounds]').isVisible(), true);
await page.getByLabel('Loại văn bản').selectOption('thông báo');
assert.equal(await page.locator('[data-field=grounds]').isVisible(), false);
assert.equal(await page.locator('[data-field=addressees]').isVisible(), false);
await page.locator('#f-issuer').selectOption('snn-bac-giang');
await page.locator('#f-signer').selectOption('duong-thanh-tung');
await page.locator('#f-body').fill('Sở thông báo kết quả đánh giá./.');
await page.locator('#f-recipients').fill('Lưu: VT, PTNT.');
await livePages(early);
assert.match(await page.locator('#live-status').innerText(), /^Xem trước: \d+ trang/);
const phone = await imagesDrawn('#live-pages img.page');
assert.ok(phone.length >= 1 && phone.every((x) => x.natural > 800 && x.shown > 200 && x.shown <= 390), JSON.stringify(phone));
const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
assert.ok(overflow <= 1, `the composer is ${overflow}px wider than the phone`);
await shot('25-dien-thoai-soan-thao');

await browser.close();
console.log(`e2e composer: ok; screenshots in ${out}`);

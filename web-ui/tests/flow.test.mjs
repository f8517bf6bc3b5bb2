// The evening in a browser (issue 6 acceptance): a restaurant set up with the wizard, a waiter
// logs in by PIN, takes an order for two seats and two courses, fires the mains later; the
// tickets appear on a second page open as the kitchen display, the cook bumps them, the
// waiter sees the "ready" call, splits and pays; the sale shows on the dashboard. Screenshots
// of each main screen go to web-ui/screenshots/. No console errors anywhere.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DESKTOP, KDS, PHONE, TABLET, TABLET_LANDSCAPE, api, launch, shoot, startBox, tablet } from "./support.mjs";

let box;
let browser;
const pages = [];

before(async () => {
  box = await startBox();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

const sel = (name) => `[data-test="${name}"]`;

async function open(viewport, path) {
  const t = await tablet(browser, box.base, viewport);
  pages.push(t);
  await t.page.goto(path);
  return t;
}

async function pinLogin(page, username, pin) {
  await page.fill(sel("username"), username);
  for (const d of pin) await page.click(sel(`pin-digit-${d}`));
}

/// What the wizard does not do: the menu, the floor and the staff, made through the API as an
/// owner would in the dashboard.
async function furnish(owner) {
  const post = async (path, body) => {
    const r = await api(box.base, "POST", path, body, owner);
    assert.ok(r.status < 300, `${path}: ${r.text}`);
    return r.body;
  };
  const kitchen = await post("/api/v1/kitchen/stations", { name: "Kitchen" });
  const bar = await post("/api/v1/kitchen/stations", { name: "Bar" });
  const food = await post("/api/v1/menu/categories", { name: "Food", position: 1 });
  const drinks = await post("/api/v1/menu/categories", { name: "Drinks", position: 2 });
  const cooking = await post("/api/v1/menu/modifier-groups", {
    name: "Cooking", min: 1, max: 1, options: [{ name: "rare", price_delta: 0 }, { name: "medium", price_delta: 0 }],
  });
  await post("/api/v1/menu/items", { category_id: food.id, name: "Soup", price: 650, tax_rate_bp: 1000, station_id: kitchen.id });
  await post("/api/v1/menu/items", {
    category_id: food.id, name: "Steak", price: 2400, tax_rate_bp: 1000, station_id: kitchen.id, modifier_group_ids: [cooking.id],
  });
  await post("/api/v1/menu/items", { category_id: drinks.id, name: "Wine", price: 700, tax_rate_bp: 2000, station_id: bar.id });
  const area = await post("/api/v1/areas", { name: "Main room" });
  for (const [n, x] of [[1, 100], [2, 320], [3, 540], [4, 100]]) {
    await post("/api/v1/tables", { name: `T${n}`, area_id: area.id, seats: 4, x, y: n === 4 ? 320 : 100 });
  }
  await post("/api/v1/staff", { name: "Ana", username: "ana", role: "waiter", pin: "1111" });
  await post("/api/v1/staff", { name: "Kai", username: "kai", role: "kitchen", pin: "3333" });
  await post("/api/v1/cash/sessions", { opening_float: 10000 });
}

test("an evening in the browser, from the wizard to the dashboard", async () => {
  // ---- the setup wizard ----
  const setup = await open(TABLET, "/");
  const { page: wizard } = setup;
  await wizard.waitForSelector(sel("setup-name"));
  await wizard.fill(sel("setup-name"), "Chez Playwright");
  await wizard.selectOption(sel("setup-currency"), "EUR");
  await wizard.click(sel("next"));
  await wizard.fill(sel("owner-name"), "Olivia Owner");
  await wizard.fill(sel("owner-username"), "olivia");
  await wizard.fill(sel("owner-password"), "a long password");
  await wizard.fill(sel("owner-password2"), "a long password");
  await wizard.click(sel("next"));
  await wizard.click(sel("skip-printer"));
  await wizard.waitForSelector(sel("lan-url"));
  await wizard.waitForSelector(`${sel("lan-qr")}`);
  assert.match(await wizard.textContent(sel("lan-url")), /127\.0\.0\.1/);
  await shoot(wizard, "setup-done");

  const login = await api(box.base, "POST", "/api/v1/auth/login", { username: "olivia", password: "a long password" });
  assert.equal(login.status, 200, login.text);
  const owner = login.body.access_token;
  await furnish(owner);

  // ---- the waiter logs in by PIN and seats table 1 ----
  const waiter = await open(TABLET_LANDSCAPE, "/waiter/");
  const { page: w } = waiter;
  await w.waitForSelector(sel("pin-digit-1"));
  await w.fill(sel("username"), "ana");
  await shoot(w, "pin-pad");
  for (const d of "1111") await w.click(sel(`pin-digit-${d}`));
  await w.waitForSelector(sel("table-T1"));
  await shoot(w, "floor-plan");
  await w.click(sel("table-T1"));
  await w.click(sel("guests-ok"));

  // ---- two seats, two courses ----
  await w.waitForSelector(sel("item-Soup"));
  await w.click(sel("seat-1"));
  await w.click(sel("course-1"));
  await w.click(sel("item-Soup"));
  await w.click(sel("seat-2"));
  await w.click(sel("item-Soup"));
  await w.click(sel("course-2"));
  await w.click(sel("seat-1"));
  await w.click(sel("item-Steak"));
  await w.click(sel("option-medium"));
  await shoot(w, "modifiers");
  await w.click(sel("modifiers-done"));
  await w.click(sel("seat-2"));
  await w.click(sel("item-Steak"));
  await w.click(sel("option-rare"));
  await w.click(sel("modifiers-done"));
  await w.waitForFunction(() => document.querySelectorAll('[data-test="line"]').length === 4);
  await shoot(w, "order");
  await w.click(sel("fire-course-1"));
  await w.waitForFunction(() =>
    [...document.querySelectorAll('[data-test="line"]')].filter((l) => l.dataset.status === "sent").length === 2);

  // ---- the kitchen display, on another screen ----
  const kds = await open(KDS, "/kds/");
  const { page: k } = kds;
  await k.fill(sel("kds-username"), "kai");
  await k.fill(sel("kds-pin"), "3333");
  await k.click(sel("kds-login"));
  await k.click(sel("station-Kitchen"));
  await k.waitForSelector(`${sel("ticket")}[data-table="T1"]`);
  assert.equal(await k.locator(sel("ticket")).count(), 1, "the starters' ticket, once");

  // Mains fired later: a second ticket appears live.
  await w.click(sel("fire-course-2"));
  await k.waitForFunction(() => document.querySelectorAll('[data-test="ticket"]').length === 2);
  await shoot(k, "kds");
  // The cook bumps the mains to ready (new → preparing → ready). A card re-renders when its
  // event arrives, so press until the state shows, as a cook would (bounded).
  const mains = () => k.locator(sel("ticket")).nth(1);
  for (const target of ["preparing", "ready"]) {
    for (let i = 0; i < 5 && (await mains().getAttribute("data-status")) !== target; i++) {
      await mains().locator(sel("bump")).click();
      await k.waitForFunction((s) => document.querySelectorAll('[data-test="ticket"]')[1]?.dataset.status === s, target, { timeout: 2000 }).catch(() => {});
    }
    assert.equal(await mains().getAttribute("data-status"), target);
  }
  // The waiter hears about it.
  await w.waitForSelector(sel("ready-call"), { timeout: 10_000 });

  // ---- the bill, split in two, card and cash ----
  await w.click(sel("bill"));
  // (It failed twice in 11 local runs here without saying why: on failure, say what the
  // screen shows instead.)
  await w.waitForSelector(sel("bill-total")).catch(async (e) => {
    throw new Error(`${e.message}\nthe waiter's screen at ${w.url()}: ${(await w.textContent("body")).slice(0, 800)}\nbrowser errors: ${waiter.errors.join(" | ")}`);
  });
  await w.click(sel("split-even"));
  await w.click(sel("split-ok"));
  await w.waitForFunction(() => document.querySelectorAll('[data-test="bill-part"]').length === 2);
  await shoot(w, "bill-split");
  const parts = await w.locator(sel("bill-part")).evaluateAll((els) => els.map((e) => Number(e.dataset.total)));
  assert.equal(parts[0] + parts[1], 650 * 2 + 2400 * 2, "the parts add up to the bill");
  await w.locator(sel("bill-part")).nth(0).click();
  await w.click(sel("pay-method-card"));
  await w.click(sel("confirm-payment"));
  await w.locator(sel("bill-part")).nth(1).click();
  await w.click(sel("pay-method-cash"));
  await w.fill(sel("tendered"), "40");
  await shoot(w, "payment");
  await w.click(sel("confirm-payment"));
  await w.waitForSelector(sel("change"));

  // ---- the owner sees the sale ----
  const dash = await open(DESKTOP, "/dashboard/");
  const { page: d } = dash;
  await d.fill(sel("dash-username"), "olivia");
  await d.fill(sel("dash-password"), "a long password");
  await d.click(sel("dash-login"));
  await d.waitForFunction(() => Number(document.querySelector('[data-test="today-sales"]')?.dataset.minor) === 650 * 2 + 2400 * 2, null, { timeout: 15_000 });
  await d.waitForSelector(sel("hour-chart"));
  await shoot(d, "dashboard-today");
  await d.click(sel("nav-reports"));
  await d.waitForSelector(sel("report-gross"));
  await shoot(d, "reports");
  // Bookings: tomorrow at the first free slot, for 4; it lands in the day's book on a table.
  await d.click(sel("nav-reservations"));
  await d.click(sel("new-booking"));
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await d.fill(sel("booking-day"), tomorrow);
  await d.dispatchEvent(sel("booking-day"), "change");
  await d.fill(sel("booking-party"), "4");
  await d.dispatchEvent(sel("booking-party"), "change");
  await d.waitForSelector(`${sel("booking-slot")}[data-for="${tomorrow}|4"] option`, { state: "attached" });
  await d.fill(sel("booking-name"), "Anna Dupont");
  await d.fill(sel("booking-email"), "anna@example.com");
  await d.click(sel("sheet-save"));
  const booked = await d.waitForSelector(sel("booking-Anna Dupont"));
  assert.match(await booked.textContent(), /Booked/);
  await shoot(d, "reservations");
  // Profit over the same period: the owner adds the oven first, so depreciation counts.
  await d.click(sel("nav-assets"));
  await d.click(sel("add-asset"));
  await d.fill(sel("asset-name"), "Combi oven");
  await d.fill(sel("asset-category"), "Kitchen");
  await d.fill(sel("asset-purchase_date"), "2026-01-01");
  await d.fill(sel("asset-cost"), "3650.00");
  await d.fill(sel("asset-useful_life_months"), "120");
  await d.click(sel("sheet-save"));
  await d.waitForSelector(sel("asset-Combi oven"));
  await shoot(d, "assets");
  await d.click(sel("nav-reports"));
  await d.click(sel("report-view-profit"));
  const profit = await d.waitForSelector(sel("profit-total"));
  const sales = Number(await (await d.waitForSelector(sel("profit-net-sales"))).getAttribute("data-minor"));
  assert.ok(sales > 0, "the evening's net sales are in the profit report");
  assert.ok(Number(await profit.getAttribute("data-minor")) < sales, "costs come off");
  await d.waitForSelector(sel("profit-chart"));
  await shoot(d, "profit");
  await d.click(sel("report-view-sales"));
  await d.waitForSelector(sel("report-gross"));
  await d.click(sel("nav-menu"));
  await d.waitForTimeout(300);
  await shoot(d, "menu-editor");

  // System: the running version, and an update whose checksum does not match is refused with
  // the box's own explanation (nothing is installed).
  await d.click(sel("nav-system"));
  const version = await d.waitForSelector(sel("system-version"));
  assert.match(await version.textContent(), /^\d+\.\d+\.\d+/);
  await d.waitForSelector(sel("sync-off")); // this box has no cloud configured
  // Pairing with a cloud that does not answer (nothing listens on loopback's port 9) says so,
  // and the box stays as it was.
  await d.fill(sel("pair-url"), "http://127.0.0.1:9");
  await d.fill(sel("pair-code"), "7KQ2M-X9D4F");
  await d.click(sel("pair-submit"));
  await d.waitForSelector(`${sel("pair-message")}.form-error:text('cannot reach the cloud')`);
  await d.waitForSelector(sel("sync-off"));
  const unreachable = dash.errors.filter((e) => e.includes("503"));
  assert.equal(unreachable.length, 1, "the refused pairing");
  dash.errors.splice(dash.errors.indexOf(unreachable[0]), 1);
  await d.setInputFiles(sel("update-file"), { name: "comanda-next.root.ext4.zst", mimeType: "application/octet-stream", buffer: Buffer.from("not really a system") });
  await d.setInputFiles(sel("update-sha256"), { name: "comanda-next.root.ext4.zst.sha256", mimeType: "text/plain", buffer: Buffer.from(`${"0".repeat(64)}  comanda-next.root.ext4.zst\n`) });
  await d.click(sel("update-upload"));
  await d.waitForSelector("form .form-error:text('damaged or incomplete')");
  await shoot(d, "system");
  // The browser logs that refused upload itself; it was the point, so it is not an error here.
  const expected = dash.errors.filter((e) => e.includes("422"));
  assert.equal(expected.length, 1, "the refused upload");
  dash.errors.splice(dash.errors.indexOf(expected[0]), 1);

  // ---- the same screens on a phone ----
  const phone = await open(PHONE, "/waiter/");
  await phone.page.waitForSelector(sel("pin-digit-1"));
  await pinLogin(phone.page, "ana", "1111");
  await phone.page.waitForSelector(sel("table-T2"));
  await shoot(phone.page, "floor-plan-phone");
  await phone.page.click(sel("table-T2"));
  await phone.page.click(sel("guests-ok"));
  await phone.page.click(sel("category-Drinks"));
  await phone.page.click(sel("item-Wine"));
  await shoot(phone.page, "order-phone");
  await phone.page.click(sel("send"));
  await phone.page.click(sel("bill"));
  await phone.page.waitForSelector(sel("bill-total"));
  await phone.page.click(sel("pay-method-card"));
  await shoot(phone.page, "payment-phone");

  for (const p of pages) assert.deepEqual(p.errors, [], `console errors on ${p.page.url()}`);
});

// Guest ordering in the browser: a guest scans the table's QR code (its page on a phone),
// fills a basket and sends it to the waiter; a waiter accepts on the tablet and fires it; the
// kitchen gets it once. A declined request never reaches the kitchen. A device that floods is
// held back.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { PHONE, TABLET_LANDSCAPE, api, launch, shoot, startBox, tablet } from "./support.mjs";

const sel = (name) => `[data-test="${name}"]`;
let box, browser;

before(async () => {
  box = await startBox(["--demo"]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

async function manager() {
  return (await api(box.base, "POST", "/api/v1/auth/pin", { username: "manager", pin: "9999" })).body.access_token;
}

async function ticketsOf(token, orderId) {
  const page = (await api(box.base, "GET", "/api/v1/kitchen/tickets?limit=500", undefined, token)).body;
  return page.items.filter((tk) => tk.order_id === orderId);
}

test("a guest's basket reaches the kitchen once, through a waiter", async () => {
  const boss = await manager();
  const tables = (await api(box.base, "GET", "/api/v1/tables", undefined, boss)).body.items;
  const table = tables.find((tb) => tb.name === "T5") || tables[4];
  const { token } = (await api(box.base, "POST", `/api/v1/tables/${table.id}/rotate-token`, {}, boss)).body;
  const menu = (await api(box.base, "GET", "/api/v1/menu", undefined, boss)).body;
  const simple = menu.categories.flatMap((c) => c.items.map((i) => ({ ...i, category: c.name })))
    .filter((i) => i.available && i.modifier_group_ids.length === 0).slice(0, 2);

  // The guest's phone: the table's page, a basket, sent to the waiter.
  const g = await tablet(browser, box.base, PHONE);
  await g.page.goto(`/t/${token}`);
  assert.match(await (await g.page.waitForSelector(sel("guest-table"))).textContent(), new RegExp(table.name));
  for (const item of [simple[0], simple[0], simple[1]]) {
    await g.page.click(sel(`guest-cat-${item.category}`));
    await g.page.click(sel(`guest-add-${item.name}`));
  }
  await shoot(g.page, "guest-menu");
  await g.page.click(sel("guest-basket"));
  await g.page.fill(sel("guest-note"), "No onions please");
  await g.page.click(sel("guest-send"));
  await g.page.waitForSelector(sel("guest-status-pending"));

  // Nothing has reached the kitchen.
  const before = (await api(box.base, "GET", "/api/v1/kitchen/tickets?limit=500", undefined, boss)).body.items.length;

  // The waiter's tablet shows the request; she accepts and fires it.
  const w = await tablet(browser, box.base, TABLET_LANDSCAPE);
  await w.page.goto("/waiter/");
  await w.page.fill(sel("username"), "ana");
  for (const d of "1111") await w.page.click(sel(`pin-digit-${d}`));
  const request = await w.page.waitForSelector(sel(`guest-request-${table.name}`));
  assert.match(await request.textContent(), new RegExp(`2× ${simple[0].name}`));
  await shoot(w.page, "guest-request");
  await w.page.click(`${sel(`guest-request-${table.name}`)} ${sel("guest-accept")}`);
  await w.page.waitForSelector(sel("send"));
  await w.page.click(sel("send"));
  await g.page.waitForSelector(sel("guest-status-accepted"), { timeout: 15_000 });

  const orders = (await api(box.base, "GET", "/api/v1/orders?status=open&limit=500", undefined, boss)).body.items;
  const order = orders.find((o) => o.table_id === table.id);
  assert.ok(order, "the table's order was opened by the waiter's accept");
  let tickets = [];
  for (let i = 0; i < 50 && tickets.length === 0; i++) {
    tickets = await ticketsOf(boss, order.id);
    await new Promise((r) => setTimeout(r, 100));
  }
  const quantities = tickets.flatMap((tk) => tk.lines).reduce((s, l) => s + l.quantity, 0);
  assert.equal(quantities, 3, "2 + 1 dishes, once");
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await ticketsOf(boss, order.id)).length, tickets.length, "no second ticket");

  // Another request, declined: the guest is told; the kitchen gets nothing more.
  await g.page.click(sel("guest-again"));
  await g.page.click(sel(`guest-cat-${simple[1].category}`));
  await g.page.click(sel(`guest-add-${simple[1].name}`));
  await g.page.click(sel("guest-basket"));
  await g.page.click(sel("guest-send"));
  await g.page.waitForSelector(sel("guest-status-pending"));
  await w.page.click(`${sel(`guest-request-${table.name}`)} ${sel("guest-decline")}`);
  await g.page.waitForSelector(sel("guest-status-declined"), { timeout: 15_000 });
  const all = (await api(box.base, "GET", "/api/v1/kitchen/tickets?limit=500", undefined, boss)).body.items.length;
  assert.equal(all, before + tickets.length, "the declined request made no ticket");
  const lines = (await api(box.base, "GET", `/api/v1/orders/${order.id}`, undefined, boss)).body.lines;
  assert.equal(lines.reduce((s, l) => s + l.quantity, 0), 3, "the order did not grow");

  // A flood from one device: one request waits at a time; past 6 in 10 minutes, 429.
  const device = "flooding-phone-0001";
  const ask = () => api(box.base, "POST", `/api/v1/guest/${token}/requests`, { device_id: device, lines: [{ item_id: simple[0].id, quantity: 1 }] });
  const first = await ask();
  assert.equal(first.status, 201, first.text);
  const burst = await Promise.all([ask(), ask(), ask()]);
  assert.deepEqual(burst.map((r) => r.status), [409, 409, 409]);
  const statuses = [];
  let last = first;
  for (let i = 0; i < 6 && last.status === 201; i++) {
    await api(box.base, "POST", `/api/v1/guest-requests/${last.body.id}/decline`, {}, boss);
    last = await ask();
    statuses.push(last.status);
  }
  assert.equal(statuses.at(-1), 429, `throttled: ${statuses}`);
  // An old code after rotation opens nothing.
  await api(box.base, "POST", `/api/v1/tables/${table.id}/rotate-token`, {}, boss);
  assert.equal((await api(box.base, "GET", `/api/v1/guest/${token}`)).status, 404);

  assert.deepEqual(w.errors, []);
  const guestErrors = g.errors.filter((e) => !e.includes("409") && !e.includes("429"));
  assert.deepEqual(guestErrors, []);
});

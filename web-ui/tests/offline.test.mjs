// A Wi-Fi blip at table 3 (issue 6 acceptance): the tablet loses the box, the waiter keeps
// adding lines and sends; the banner says what is waiting; when the box is back the queue
// replays with its idempotency keys and the kitchen gets the order exactly once.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TABLET, api, launch, startBox, tablet } from "./support.mjs";

let box;
let browser;

before(async () => {
  box = await startBox(["--demo"]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

const sel = (name) => `[data-test="${name}"]`;

test("orders taken while offline reach the kitchen exactly once", async () => {
  const { context, page, errors } = await tablet(browser, box.base, TABLET);
  await page.goto("/waiter/");
  await page.waitForSelector(sel("pin-digit-1"));
  await page.fill(sel("username"), "ana");
  for (const d of "1111") await page.click(sel(`pin-digit-${d}`));
  await page.waitForSelector(sel("table-T3"));
  await page.click(sel("table-T3"));
  await page.click(sel("guests-ok"));
  const menu = await api(box.base, "GET", "/api/v1/menu", undefined, (await api(box.base, "POST", "/api/v1/auth/pin", { username: "manager", pin: "9999" })).body.access_token);
  const simple = menu.body.categories
    .flatMap((c) => c.items)
    .filter((i) => i.available && i.modifier_group_ids.length === 0)
    .slice(0, 2);
  await page.waitForSelector(sel(`item-${simple[0].name}`));

  // The connection drops.
  await context.setOffline(true);
  await page.click(sel(`item-${simple[0].name}`));
  await page.click(sel(`item-${simple[1].name}`));
  await page.click(sel("send"));
  await page.waitForSelector(".banner.offline", { timeout: 3000 });
  assert.match(await page.textContent(".banner"), /\d/);

  // ... and comes back.
  await context.setOffline(false);
  await page.waitForSelector(".banner.back", { timeout: 15_000 });

  const manager = (await api(box.base, "POST", "/api/v1/auth/pin", { username: "manager", pin: "9999" })).body.access_token;
  const orders = await api(box.base, "GET", "/api/v1/orders?status=open", undefined, manager);
  const order = orders.body.items.find((o) => o.table_name === "T3");
  assert.ok(order, "the order exists");
  assert.equal(order.lines.length, 2, "each line once");
  assert.ok(order.lines.every((l) => l.status === "sent"), "and sent");
  let tickets = [];
  for (let i = 0; i < 50; i++) {
    tickets = (await api(box.base, "GET", "/api/v1/kitchen/tickets", undefined, manager)).body.items.filter((t) => t.order_id === order.id);
    if (tickets.length > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const stations = new Set(tickets.map((t) => t.station_id));
  assert.equal(tickets.length, stations.size, "one ticket per station, never two");
  assert.deepEqual(errors.filter((e) => !/net::ERR_INTERNET_DISCONNECTED|Failed to fetch|WebSocket/.test(e)), []);
});

// The owner's cloud page, end to end on loopback: a box (demo restaurant) and comanda-cloud on
// a throwaway PostgreSQL. The owner signs in to the cloud, adds the restaurant and gets a
// pairing code; on the box's dashboard she pairs it; a sale on the box shows up in the cloud's
// totals and in the restaurant's row, to the cent.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { join } from "node:path";

import { DESKTOP, api, launch, root, shoot, startBox, tablet } from "./support.mjs";

const bin = (name, env) => process.env[env] || join(root, "target", "debug", name);
const sel = (name) => `[data-test="${name}"]`;

/// Spawns `cmd` and resolves with the first match of `pattern` on its stdout (30 s at most).
function started(child, pattern, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s`)), 30_000);
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`${what} exited early (${code})`)));
  });
}

let postgres, cloud, box, browser, cloudBase;

before(async () => {
  postgres = spawn(bin("throwaway-postgres", "COMANDA_POSTGRES_BIN"), [], { stdio: ["pipe", "pipe", "inherit"] });
  const url = await started(postgres, /postgres at (\S+)/, "PostgreSQL");
  const cli = (...args) => {
    const r = spawnSync(bin("comanda-cloud", "COMANDA_CLOUD_BIN"), ["--database-url", url, ...args], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  cli("org", "create", "Bistros", "--owner-username", "olivia", "--owner-password", "a long password");
  cloud = spawn(bin("comanda-cloud", "COMANDA_CLOUD_BIN"), ["--database-url", url, "serve", "--listen", "127.0.0.1:0"],
    { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RUST_LOG: "warn" } });
  cloudBase = await started(cloud, /serving at (http:\/\/127\.0\.0\.1:\d+)\//, "comanda-cloud");
  box = await startBox(["--demo"]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await box?.stop();
  cloud?.kill("SIGTERM");
  postgres?.stdin.end();
  await new Promise((resolve) => (postgres && postgres.exitCode === null ? postgres.once("exit", resolve) : resolve()));
});

/// One table's dinner on the box, through its API: two simple items, billed, paid by card.
async function sell(base) {
  const ana = (await api(base, "POST", "/api/v1/auth/pin", { username: "ana", pin: "1111" })).body.access_token;
  const menu = (await api(base, "GET", "/api/v1/menu", undefined, ana)).body;
  const items = menu.categories.flatMap((c) => c.items).filter((i) => i.available && i.modifier_group_ids.length === 0).slice(0, 2);
  const table = (await api(base, "GET", "/api/v1/tables", undefined, ana)).body.items[0];
  const order = await api(base, "POST", "/api/v1/orders", { table_id: table.id, guests: 2 }, ana);
  assert.equal(order.status, 201, order.text);
  const lines = items.map((i) => ({ item_id: i.id, quantity: 1, seat: null, course: 1, modifier_option_ids: [] }));
  assert.equal((await api(base, "POST", `/api/v1/orders/${order.body.id}/lines`, { lines }, ana)).status, 201);
  assert.equal((await api(base, "POST", `/api/v1/orders/${order.body.id}/send`, {}, ana)).status, 200);
  const bill = await api(base, "POST", `/api/v1/orders/${order.body.id}/bill`, {}, ana);
  assert.equal(bill.status, 201, bill.text);
  const paid = await api(base, "POST", `/api/v1/bills/${bill.body.id}/payments`, { method: "card", amount: bill.body.total }, ana);
  assert.equal(paid.status, 201, paid.text);
  return bill.body.total;
}

test("the owner pairs a restaurant from the cloud page and sees its sales there", async () => {
  const c = await tablet(browser, cloudBase, DESKTOP);
  await c.page.goto("/");
  // A wrong password first: said plainly.
  await c.page.fill(sel("username"), "olivia");
  await c.page.fill(sel("password"), "not it");
  await c.page.click(sel("login-submit"));
  await c.page.waitForSelector(`${sel("login-error")}:text('Wrong username or password')`);
  await c.page.fill(sel("password"), "a long password");
  await c.page.click(sel("login-submit"));
  await c.page.waitForSelector(sel("add-site"));
  await c.page.fill(sel("site-name"), "Rue Haute");
  await c.page.click(sel("add-site-submit"));
  const code = await (await c.page.waitForSelector(sel("pairing-code"))).textContent();
  assert.match(code, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);

  // On the box's dashboard, the owner pairs it.
  const b = await tablet(browser, box.base, DESKTOP);
  await b.page.goto("/dashboard/");
  await b.page.fill(sel("dash-username"), "owner");
  await b.page.fill(sel("dash-password"), "demo-owner-1");
  await b.page.click(sel("dash-login"));
  await b.page.click(sel("nav-system"));
  await b.page.fill(sel("pair-url"), cloudBase);
  await b.page.fill(sel("pair-code"), code);
  await b.page.click(sel("pair-submit"));
  await b.page.waitForSelector(`${sel("pair-message")}:text('Paired')`);

  // A sale on the box reaches the cloud's page.
  const total = await sell(box.base);
  const gross = new Intl.NumberFormat(undefined, { style: "currency", currency: "EUR" }).format(total / 100);
  let shown = "";
  for (let i = 0; i < 100 && !shown.includes(gross); i++) {
    await c.page.click(sel("preset-7d"));
    await c.page.waitForTimeout(200);
    shown = (await c.page.textContent(sel("site-Rue Haute"))) || "";
  }
  assert.ok(shown.includes(gross), `the restaurant's row shows ${gross}: ${shown}`);
  assert.match(await c.page.textContent(sel("site-Rue Haute")), /Synced/);
  assert.ok((await c.page.textContent(sel("total-gross-EUR"))).includes(gross));
  await c.page.evaluate(() => window.scrollTo(0, 0));
  await shoot(c.page, "cloud-dashboard");

  const expected = c.errors.filter((e) => e.includes("401"));
  assert.equal(expected.length, 1, "the wrong password");
  c.errors.splice(c.errors.indexOf(expected[0]), 1);
  assert.deepEqual(c.errors, []);
  assert.deepEqual(b.errors, []);
});

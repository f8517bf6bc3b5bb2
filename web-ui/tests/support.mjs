// Shared by the browser tests: the real `comanda` binary on 127.0.0.1 with a fresh data dir,
// Debian's Chromium driven by Playwright (core only: no browser download), console errors
// collected (a test fails on any), screenshots into web-ui/screenshots/.
//
// COMANDA_BIN chooses the binary (default: target/debug/comanda). Everything stays on loopback.

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..");
export const screenshots = join(root, "web-ui", "screenshots");

export const TABLET = { width: 768, height: 1024 };
export const TABLET_LANDSCAPE = { width: 1024, height: 768 };
export const PHONE = { width: 390, height: 844 };
export const KDS = { width: 1920, height: 1080 };
export const DESKTOP = { width: 1440, height: 900 };

/// Starts `comanda serve` (with `args`, e.g. ["--demo"]) and resolves once it says where it
/// listens. `stop()` ends it.
export async function startBox(args = [], dataDir = mkdtempSync(join(tmpdir(), "comanda-ui-"))) {
  const bin = process.env.COMANDA_BIN || join(root, "target", "debug", "comanda");
  const child = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--data-dir", join(dataDir, "data"), ...args], {
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("comanda did not start within 30 s")), 30_000);
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/Comanda is running at (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`comanda exited early (${code})`)));
  });
  return {
    base,
    dataDir,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", resolve);
        child.kill("SIGTERM");
      }),
    kill: () => child.kill("SIGKILL"),
  };
}

/// Headless Chromium as this machine runs it (no first-run, no background networking: the
/// network is closed and Chromium must not try to reach anything).
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

/// A page of its own (own storage: another tablet) at `viewport`, collecting console errors.
export async function tablet(browser, base, viewport = TABLET) {
  const context = await browser.newContext({ viewport, baseURL: base, hasTouch: true });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  return { context, page, errors };
}

export async function shoot(page, name) {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: false });
}

/// An API call from the test itself (setup shortcuts, checks).
export async function api(base, method, path, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, body: json, text };
}

// The box's live event stream (BRIEF §5): authenticates with its first message, replays what
// this page missed (`since`, remembered per page), then goes live; reconnects by itself, and
// never hands the page the same event twice.

import { session } from "./api.js";

/// `onEvent(event)` for every event, in order; `onStatus("live" | "connecting")`.
export function connectEvents({ page, onEvent, onStatus = () => {} }) {
  const cursorKey = `comanda.since.${page}`;
  let last = Number(localStorage.getItem(cursorKey) || "0");
  let socket = null;
  let stopped = false;
  let delay = 500;

  function open() {
    if (stopped) return;
    const s = session();
    if (!s?.access_token) {
      setTimeout(open, 1000);
      return;
    }
    onStatus("connecting");
    const proto = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${proto}://${location.host}/api/v1/events`);
    socket.onopen = () => {
      const auth = { type: "auth", token: s.access_token };
      if (last > 0) auth.since = last;
      socket.send(JSON.stringify(auth));
    };
    socket.onmessage = (m) => {
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      if (msg.type === "welcome") {
        delay = 500;
        onStatus("live");
        if (last === 0) {
          last = msg.last_seq;
          localStorage.setItem(cursorKey, String(last));
        }
        return;
      }
      if (msg.type === "resync" || msg.type === "auth_expired" || msg.type === "error") {
        socket.close();
        return;
      }
      if (typeof msg.seq !== "number" || msg.seq <= last) return;
      last = msg.seq;
      localStorage.setItem(cursorKey, String(last));
      onEvent(msg);
    };
    socket.onclose = () => {
      onStatus("connecting");
      if (!stopped) setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    };
    socket.onerror = () => socket.close();
  }

  open();
  return {
    close() {
      stopped = true;
      socket?.close();
    },
  };
}

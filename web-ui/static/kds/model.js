// The kitchen display's state, apart from the DOM: the active tickets of the chosen station,
// what was bumped lately, and the sums the screen shows (ALL DAY, ages). Every change can arrive
// twice (a replay after a reconnect, our own bump echoed back, a full refetch): everything here
// is keyed by ticket id and ordered by the server's `status_at`, so nothing doubles or goes back.

export const AGE_AMBER_MIN = 8;
export const AGE_RED_MIN = 15;

/// The age class of a ticket: "ok" (neutral), "warn" (amber) or "late" (red).
export function ageClass(seconds, amber = AGE_AMBER_MIN, red = AGE_RED_MIN) {
  if (seconds >= red * 60) return "late";
  if (seconds >= amber * 60) return "warn";
  return "ok";
}

/// "7:05", "12:40", "1:02:09" — minutes and seconds, hours only when needed.
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh > 0 ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

export class Board {
  constructor() {
    this.tickets = new Map(); // id → ticket (status ≠ served)
    this.voidedLines = new Set(); // line ids a VOID ticket took back
    this.pending = new Map(); // id → bumps/recalls in flight from this screen
  }

  /// A ticket from the API or rebuilt from a `ticket.created` event.
  upsert(ticket) {
    if (ticket.kind === "void") for (const l of ticket.lines) this.voidedLines.add(l.line_id);
    if (ticket.status === "served") {
      this.tickets.delete(ticket.id);
      return;
    }
    const known = this.tickets.get(ticket.id);
    if (known && this.pending.get(ticket.id)) {
      // Our own bump is in flight: keep what the cook sees until the answer comes.
      this.tickets.set(ticket.id, { ...ticket, status: known.status, status_at: known.status_at });
      return;
    }
    if (known && Date.parse(known.status_at) > Date.parse(ticket.status_at)) return;
    this.tickets.set(ticket.id, ticket);
  }

  /// Replaces everything with a fresh list (after a (re)connect): tickets with a bump in flight
  /// keep their local state.
  reset(list) {
    const old = this.tickets;
    this.tickets = new Map();
    for (const t of list) {
      const mine = old.get(t.id);
      if (mine && this.pending.get(t.id)) this.tickets.set(t.id, { ...t, status: mine.status, status_at: mine.status_at });
      else this.upsert(t);
    }
    for (const [id, t] of old) if (this.pending.get(id) && !this.tickets.has(id) && t.status !== "served") this.tickets.set(id, t);
  }

  /// A status change (`ticket.bumped` / `ticket.recalled`). Returns the ticket when it changed,
  /// `null` when the event is old news or ours, `undefined` when the ticket is not known here.
  applyStatus(id, status, at) {
    const t = this.tickets.get(id);
    if (!t) return undefined;
    if (this.pending.get(id)) return null;
    if (Date.parse(at) < Date.parse(t.status_at)) return null;
    if (t.status === status) {
      t.status_at = at;
      return null;
    }
    t.status = status;
    t.status_at = at;
    if (status === "served") this.tickets.delete(id);
    return t;
  }

  /// Oldest first: the order of the columns, left to right.
  ordered() {
    return [...this.tickets.values()].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || (a.id < b.id ? -1 : 1));
  }

  /// ALL DAY: how many of each item the active tickets still hold (voided lines taken out).
  allDay() {
    const counts = new Map();
    for (const t of this.tickets.values()) {
      if (t.kind === "void") continue;
      for (const l of t.lines) {
        if (this.voidedLines.has(l.line_id)) continue;
        counts.set(l.name, (counts.get(l.name) || 0) + l.quantity);
      }
    }
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }
}

/// The next status a bump gives, as the API moves it: new → preparing → ready → served.
export const NEXT = { new: "preparing", preparing: "ready", ready: "served" };
/// …and the one a recall gives back.
export const PREVIOUS = { served: "ready", ready: "preparing", preparing: "new" };

//! The WebSocket hub at `/api/v1/events` (BRIEF §5): tablets and kitchen displays get every
//! event they may see, live, and after a reconnect everything they missed, once, in order.
//!
//! One pump task reads newly committed events from the log and fans them out on a bounded
//! broadcast channel, each serialised once. A session authenticates with its first message
//! (`{"type":"auth","token":…,"since":N}`; tokens never go in URLs), subscribes to the
//! broadcast, replays `seq > since` from the log, then forwards live events it has not sent yet
//! (by `seq`), so replay and live overlap without gaps or doubles. A client too slow for the
//! channel is told `{"type":"resync"}` and closed; it reconnects with `since`.
//! Control messages have undotted types (`welcome`, `resync`, `auth_expired`, `error`); events
//! always have dotted ones.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use comanda_api::ApiError;
use comanda_domain::{EventAudience, Role};
use comanda_staff::{Auth, AuthStaff};
use comanda_store::Store;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{broadcast, watch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const CHANNEL: usize = 4096;
const REPLAY_PAGE: u32 = 500;
/// Further behind than this, a client should reload its state instead of replaying.
const MAX_REPLAY: u64 = 100_000;
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
const PING_EVERY: Duration = Duration::from_secs(20);

/// One committed event, serialised once for every session.
#[derive(Debug)]
struct LiveEvent {
    seq: u64,
    audience: EventAudience,
    json: String,
}

#[derive(Clone)]
pub struct Hub {
    store: Store,
    auth: Auth,
    live: broadcast::Sender<Arc<LiveEvent>>,
    stopping: watch::Receiver<bool>,
    pending: Arc<AtomicUsize>,
}

/// At most this many sockets may sit unauthenticated (each for up to 10 s).
const MAX_PENDING_AUTH: usize = 128;

/// A slot among the sockets that have not authenticated yet; freed on drop.
struct PendingAuth(Arc<AtomicUsize>);

impl PendingAuth {
    fn take(hub: &Hub) -> Option<Self> {
        if hub.pending.fetch_add(1, Ordering::SeqCst) >= MAX_PENDING_AUTH {
            hub.pending.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Self(hub.pending.clone()))
    }
}

impl Drop for PendingAuth {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hub {
    /// Starts the pump. `stopping` turning true closes every session (graceful shutdown).
    pub fn start(store: Store, auth: Auth, stopping: watch::Receiver<bool>) -> Self {
        let (live, _) = broadcast::channel(CHANNEL);
        tokio::spawn(pump(store.clone(), live.clone()));
        Self { store, auth, live, stopping, pending: Arc::new(AtomicUsize::new(0)) }
    }
}

async fn pump(store: Store, live: broadcast::Sender<Arc<LiveEvent>>) {
    let mut committed = store.committed();
    let mut last = store.last_seq();
    loop {
        // Only up to what the watch says is committed: an event whose commit is not yet
        // announced must not reach live sessions before sessions replaying from the log can see
        // it as committed too, or a session joining in between would miss it.
        let upto = *committed.borrow_and_update();
        if upto > last {
            match store.events_after(last, REPLAY_PAGE).await {
                Ok(events) => {
                    for event in events.into_iter().take_while(|e| e.seq <= upto) {
                        last = event.seq;
                        let json = match serde_json::to_string(&event) {
                            Ok(json) => json,
                            Err(e) => {
                                tracing::error!(seq = event.seq, error = %e, "cannot serialise event");
                                continue;
                            }
                        };
                        let audience = EventAudience::of(&event.event_type);
                        // No receivers is fine: nobody is connected.
                        let _ = live.send(Arc::new(LiveEvent { seq: event.seq, audience, json }));
                    }
                    continue; // there may be more than one page
                }
                Err(e) => {
                    tracing::warn!(error = %e, "hub cannot read the log; retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            }
        }
        if committed.changed().await.is_err() {
            return; // the store is gone
        }
    }
}

pub fn router(hub: Hub) -> OpenApiRouter {
    OpenApiRouter::new().routes(routes!(events)).with_state(hub)
}

#[derive(Deserialize)]
struct AuthMessage {
    #[serde(rename = "type")]
    kind: String,
    token: String,
    since: Option<u64>,
}

/// Live events over WebSocket. First message: `{"type":"auth","token":"<access_token>","since":<seq>?}`.
#[utoipa::path(get, path = "/events", tag = "events",
    responses((status = 101, description = "Switching to WebSocket; then event messages `{seq,id,type,at,actor,data}`")))]
async fn events(State(hub): State<Hub>, upgrade: WebSocketUpgrade) -> Response {
    let Some(pending) = PendingAuth::take(&hub) else {
        return ApiError::unavailable("too many connections waiting to authenticate").into_response();
    };
    upgrade
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .on_upgrade(move |socket| session(hub, socket, pending))
}

fn control(kind: &str, extra: serde_json::Value) -> Message {
    let mut body = json!({ "type": kind });
    if let (Some(obj), serde_json::Value::Object(more)) = (body.as_object_mut(), extra) {
        obj.extend(more);
    }
    Message::Text(body.to_string().into())
}

struct Session {
    who: AuthStaff,
    token: String,
    expires: tokio::time::Instant,
    since: Option<u64>,
}

async fn authenticate(hub: &Hub, socket: &mut WebSocket) -> Option<Session> {
    let first = tokio::time::timeout(AUTH_TIMEOUT, socket.recv()).await;
    let text = match first {
        Ok(Some(Ok(Message::Text(text)))) => text,
        Ok(Some(Ok(_))) | Ok(Some(Err(_))) | Ok(None) | Err(_) => {
            let _ = socket
                .send(control(
                    "error",
                    json!({"code": "unauthenticated", "message": "send {\"type\":\"auth\",\"token\":…} first"}),
                ))
                .await;
            return None;
        }
    };
    let parsed: Option<AuthMessage> = serde_json::from_str(&text).ok().filter(|m: &AuthMessage| m.kind == "auth");
    let Some(msg) = parsed else {
        let _ = socket
            .send(control(
                "error",
                json!({"code": "bad_request", "message": "the first message must be {\"type\":\"auth\",\"token\":…}"}),
            ))
            .await;
        return None;
    };
    match hub.auth.verify_session(&msg.token) {
        Ok((who, at)) => Some(Session { who, expires: deadline(hub, at), since: msg.since, token: msg.token }),
        Err(e) => {
            let _ = socket.send(control("error", json!({"code": e.code(), "message": e.message()}))).await;
            None
        }
    }
}

async fn session(hub: Hub, mut socket: WebSocket, pending: PendingAuth) {
    let authenticated = authenticate(&hub, &mut socket).await;
    drop(pending);
    let Some(Session { who, token, expires, since }) = authenticated else {
        let _ = socket.send(Message::Close(None)).await;
        return;
    };
    // Subscribe before reading the log, so nothing committed in between is missed.
    let mut live = hub.live.subscribe();
    let head = hub.store.last_seq();
    let mut sent = since.unwrap_or(head).min(head);
    if head.saturating_sub(sent) > MAX_REPLAY {
        let _ = socket.send(control("resync", json!({"reason": "too far behind to replay", "last_seq": head}))).await;
        return;
    }
    if socket.send(control("welcome", json!({"last_seq": head, "role": who.role}))).await.is_err() {
        return;
    }
    let role = who.role;
    while sent < head {
        let page = match hub.store.events_after(sent, REPLAY_PAGE).await {
            Ok(page) if !page.is_empty() => page,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(error = %e, "replay failed");
                let _ = socket.send(control("resync", json!({"reason": "replay failed", "last_seq": sent}))).await;
                return;
            }
        };
        for event in page {
            sent = event.seq;
            if EventAudience::of(&event.event_type).includes(role) {
                let Ok(json) = serde_json::to_string(&event) else { continue };
                if socket.send(Message::Text(json.into())).await.is_err() {
                    return;
                }
            }
        }
    }
    forward_live(hub, socket, who, token, expires, sent, &mut live).await;
}

async fn forward_live(
    hub: Hub,
    mut socket: WebSocket,
    who: AuthStaff,
    mut token: String,
    mut expires: tokio::time::Instant,
    mut sent: u64,
    live: &mut broadcast::Receiver<Arc<LiveEvent>>,
) {
    let mut stopping = hub.stopping.clone();
    let mut role: Role = who.role;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut unanswered_pings = 0u8;
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(event) => {
                    if event.seq <= sent {
                        continue;
                    }
                    sent = event.seq;
                    if event.audience.includes(role) && socket.send(Message::Text(event.json.clone().into())).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let _ = socket.send(control("resync", json!({"reason": "you fell behind; reconnect with since", "last_seq": sent}))).await;
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Pong(_))) => unanswered_pings = 0,
                Some(Ok(Message::Text(text))) => {
                    // A fresh access token extends the session without reconnecting.
                    if let Ok(msg) = serde_json::from_str::<AuthMessage>(&text)
                        && msg.kind == "auth"
                    {
                        match hub.auth.verify_session(&msg.token) {
                            Ok((renewed, at)) if renewed.id == who.id => {
                                role = renewed.role;
                                expires = deadline(&hub, at);
                                token = msg.token;
                            }
                            _ => {
                                let refused = json!({"code": "unauthenticated", "message": "that token is not valid for this session"});
                                let _ = socket.send(control("error", refused)).await;
                            }
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if unanswered_pings >= 2 {
                    return; // the client is gone
                }
                // Deactivation, a password change or a demotion ends the stream too.
                match hub.auth.verify_access(&token) {
                    Ok(current) => role = current.role,
                    Err(e) => {
                        let _ = socket.send(control("auth_expired", json!({"last_seq": sent, "message": e.message()}))).await;
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
                unanswered_pings += 1;
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            },
            _ = tokio::time::sleep_until(expires) => {
                let _ = socket.send(control("auth_expired", json!({"last_seq": sent}))).await;
                let _ = socket.send(Message::Close(None)).await;
                return;
            },
            _ = stopping.changed() => {
                let _ = socket.send(Message::Close(None)).await;
                return;
            },
        }
    }
}

/// The instant (on the runtime's clock) when a token that expires at `at` stops being valid.
fn deadline(hub: &Hub, at: time::OffsetDateTime) -> tokio::time::Instant {
    let left = (at - hub.auth.now()).whole_milliseconds().max(0);
    tokio::time::Instant::now() + Duration::from_millis(u64::try_from(left).unwrap_or(0))
}

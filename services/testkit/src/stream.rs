//! A client of the live event stream, as a tablet or kitchen display uses it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub struct EventStream {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl EventStream {
    /// Connects and sends the auth message (with `since` when given). Does not wait for the
    /// welcome: read it with [`next`](Self::next).
    pub async fn connect(url: &str, token: &str, since: Option<u64>) -> Self {
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket connects");
        let mut auth = json!({"type": "auth", "token": token});
        if let Some(since) = since {
            auth["since"] = json!(since);
        }
        ws.send(Message::Text(auth.to_string().into())).await.expect("auth sent");
        Self { ws }
    }

    /// Connects without authenticating, to test refusals.
    pub async fn connect_raw(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket connects");
        Self { ws }
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::Text(text.to_owned().into())).await.expect("sent");
    }

    /// The next JSON message, or `None` if the server closed or nothing came within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let msg = tokio::time::timeout(wait, self.ws.next()).await.ok()??.ok()?;
            match msg {
                Message::Text(text) => return serde_json::from_str(&text).ok(),
                Message::Close(_) => return None,
                _ => continue, // pings are answered by tungstenite
            }
        }
    }

    /// The next JSON message; fails the test if none comes within 5 s.
    pub async fn next(&mut self) -> Value {
        self.next_within(Duration::from_secs(5)).await.expect("a message within 5 s")
    }

    /// The next `n` events (dotted types), skipping nothing: a control message here fails.
    pub async fn events(&mut self, n: usize) -> Vec<Value> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let msg = self.next().await;
            let ty = msg["type"].as_str().unwrap_or_default();
            assert!(ty.contains('.'), "expected an event, got {msg}");
            out.push(msg);
        }
        out
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

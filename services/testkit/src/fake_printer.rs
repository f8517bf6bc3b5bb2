//! A fake network receipt printer on 127.0.0.1: records what it is sent (one job per
//! connection), answers `DLE EOT` status requests like an Epson ESC/POS printer, and can be
//! told to go offline, stall, run out of paper, or come back — so tests can break printing on
//! purpose without a printer on the desk.

use std::fmt;
use std::future::poll_fn;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Handle;
use tokio::sync::{Notify, watch};

/// How the fake printer behaves from now on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrinterMode {
    /// Prints: records each connection's bytes as a job, answers status as all clear.
    Online,
    /// Switched off: the listening socket is closed, so connecting fails at once (connection
    /// refused), and open connections are dropped. Any other mode listens again on the same
    /// port.
    Offline,
    /// Accepts connections but never reads them, and stops reading the ones it was reading;
    /// nothing is recorded. A sender's write times out once the socket buffers are full (a few
    /// MiB on loopback), so a small job is swallowed as it would be by a real printer that
    /// jams after taking it.
    Stall,
    /// Out of paper: reads print data and throws it away (no job is recorded); status answers
    /// say offline, paper-end stop and roll end (and near end).
    PaperOut,
}

/// A handle on a running fake printer; clones share it. The printer stops (its port closes)
/// when the last handle is dropped.
#[derive(Clone)]
pub struct FakePrinter {
    inner: Arc<Owner>,
}

/// What the handles own: dropping it stops the server and every connection.
struct Owner {
    shared: Arc<Shared>,
    /// Never sent on; tasks see it closed when the last handle goes.
    _stop: watch::Sender<()>,
}

/// What the handles and the server's tasks share.
struct Shared {
    port: u16,
    runtime: Handle,
    mode: watch::Sender<PrinterMode>,
    /// `None` while offline. Dropping it closes the port at once, which is what makes
    /// connections to an offline printer fail fast.
    listener: Mutex<Option<TcpListener>>,
    /// Each job with the instant its first print byte arrived.
    jobs: Mutex<Vec<(Instant, Vec<u8>)>>,
    job_added: Notify,
}

impl FakePrinter {
    /// Binds 127.0.0.1 on a free port and serves it on a tokio task, online.
    pub async fn start() -> FakePrinter {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("fake printer binds 127.0.0.1:0");
        let port = listener.local_addr().expect("fake printer has a local address").port();
        let (mode, _) = watch::channel(PrinterMode::Online);
        let shared = Arc::new(Shared {
            port,
            runtime: Handle::current(),
            mode,
            listener: Mutex::new(Some(listener)),
            jobs: Mutex::new(Vec::new()),
            job_added: Notify::new(),
        });
        let (stop, stopped) = watch::channel(());
        tokio::spawn(serve(Arc::clone(&shared), stopped));
        FakePrinter { inner: Arc::new(Owner { shared, _stop: stop }) }
    }

    /// `tcp://127.0.0.1:PORT`, as a printer's address is written.
    pub fn address(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port())
    }

    pub fn port(&self) -> u16 {
        self.inner.shared.port
    }

    /// One entry per connection that sent print data and ended cleanly while online, in the
    /// order they ended. Bytes are kept as received, `DLE EOT` requests included; a connection
    /// that only asked for status is not a job.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        lock(&self.inner.shared.jobs).iter().map(|(_, bytes)| bytes.clone()).collect()
    }

    /// The jobs with the instant their first print byte arrived (status requests do not
    /// count): what a benchmark measures "bytes at the printer" by.
    pub fn jobs_timed(&self) -> Vec<(Instant, Vec<u8>)> {
        lock(&self.inner.shared.jobs).clone()
    }

    /// Everything printed: the jobs, concatenated.
    pub fn bytes(&self) -> Vec<u8> {
        lock(&self.inner.shared.jobs).iter().flat_map(|(_, bytes)| bytes.iter().copied()).collect()
    }

    pub fn mode(&self) -> PrinterMode {
        *self.inner.shared.mode.borrow()
    }

    /// Takes effect before it returns: once offline, connecting is refused; once back, the
    /// same port listens again.
    ///
    /// # Panics
    /// If the port cannot be bound again (another process took it meanwhile).
    pub fn set_mode(&self, mode: PrinterMode) {
        let shared = &self.inner.shared;
        let mut listener = lock(&shared.listener);
        match mode {
            PrinterMode::Offline => drop(listener.take()),
            _ if listener.is_none() => *listener = Some(shared.bind_again()),
            _ => {}
        }
        drop(listener);
        shared.mode.send_replace(mode);
    }

    /// Waits until at least `n` jobs are recorded, at most `within`; says whether they were.
    pub async fn wait_for_jobs(&self, n: usize, within: Duration) -> bool {
        let shared = &self.inner.shared;
        let deadline = tokio::time::Instant::now() + within;
        // Each turn waits for a new job or the deadline, so the loop ends.
        loop {
            let added = shared.job_added.notified();
            tokio::pin!(added);
            added.as_mut().enable();
            if lock(&shared.jobs).len() >= n {
                return true;
            }
            if tokio::time::timeout_at(deadline, added).await.is_err() {
                return lock(&shared.jobs).len() >= n;
            }
        }
    }
}

impl fmt::Debug for FakePrinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakePrinter")
            .field("port", &self.port())
            .field("mode", &self.mode())
            .field("jobs", &lock(&self.inner.shared.jobs).len())
            .finish()
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        // Close the port now rather than when the server task gets round to it.
        drop(lock(&self.shared.listener).take());
    }
}

impl Shared {
    fn bind_again(&self) -> TcpListener {
        let _runtime = self.runtime.enter();
        // std sets SO_REUSEADDR on Unix, so connections of the old listener in TIME_WAIT do
        // not stand in the way.
        let listener = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
            .and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
            .and_then(TcpListener::from_std);
        listener.unwrap_or_else(|e| panic!("fake printer cannot listen on 127.0.0.1:{} again: {e}", self.port))
    }

    fn record(&self, job: Vec<u8>, first_byte: Instant) {
        lock(&self.jobs).push((first_byte, job));
        self.job_added.notify_waiters();
    }
}

/// A poisoned lock only means another test thread panicked; the data is still good.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Accepts connections while there is a listener; a mode change wakes it to look again. Each
/// turn accepts a connection, sees a mode change or ends (on stop).
async fn serve(shared: Arc<Shared>, mut stop: watch::Receiver<()>) {
    let mut mode = shared.mode.subscribe();
    loop {
        let accept = poll_fn(|cx| match lock(&shared.listener).as_ref() {
            Some(listener) => listener.poll_accept(cx),
            None => Poll::Pending,
        });
        tokio::select! {
            _ = stop.changed() => return,
            _ = mode.changed() => {}
            accepted = accept => match accepted {
                Ok((stream, _)) => {
                    // Status answers are single bytes: send each at once, as a printer does.
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_connection(Arc::clone(&shared), stream, stop.clone()));
                }
                // Out of file descriptors and the like: do not spin on it.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

/// One connection: a print job, a status query, or both.
async fn serve_connection(shared: Arc<Shared>, mut stream: TcpStream, mut stop: watch::Receiver<()>) {
    let mut mode = shared.mode.subscribe();
    let mut received = Vec::new();
    // Print data that arrived while out of paper is gone, even if the paper is back by the end.
    let mut discarded = false;
    let mut requests = StatusRequests::default();
    let mut first_byte = None;
    let mut buf = vec![0u8; 64 * 1024];
    // Each turn reads a chunk, sees a mode change or ends; ends at EOF, error, stop or when
    // the mode says so.
    loop {
        let now = *mode.borrow_and_update();
        match now {
            PrinterMode::Offline => return,
            PrinterMode::Stall => return stall(&mut mode, &mut stop).await,
            PrinterMode::Online | PrinterMode::PaperOut => {}
        }
        let n = tokio::select! {
            _ = stop.changed() => return,
            _ = mode.changed() => continue,
            read = stream.read(&mut buf) => match read {
                Ok(0) => break,
                Ok(n) => n,
                Err(_) => return,
            },
        };
        let chunk = buf.get(..n).unwrap_or_default();
        let answers: Vec<u8> = requests.feed(chunk).map(|request| answer(now, request)).collect();
        if requests.print_bytes > 0 && first_byte.is_none() {
            first_byte = Some(Instant::now());
        }
        if !answers.is_empty() {
            tokio::select! {
                _ = stop.changed() => return,
                written = stream.write_all(&answers) => {
                    if written.is_err() {
                        return;
                    }
                }
            }
        }
        received.extend_from_slice(chunk);
        discarded |= now == PrinterMode::PaperOut;
    }
    requests.finish();
    if requests.print_bytes > 0 {
        first_byte.get_or_insert_with(Instant::now);
    }
    // Recorded before the connection closes, so a sender that waits for the close finds it.
    if let Some(first_byte) = first_byte.filter(|_| *mode.borrow() == PrinterMode::Online && !discarded) {
        shared.record(received, first_byte);
    }
}

/// Holds a connection without reading it until the printer leaves `Stall`, then drops it.
async fn stall(mode: &mut watch::Receiver<PrinterMode>, stop: &mut watch::Receiver<()>) {
    // Each turn waits for a mode change; the loop ends when the mode is not Stall or on stop.
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            changed = mode.changed() => {
                if changed.is_err() || *mode.borrow_and_update() != PrinterMode::Stall {
                    return;
                }
            }
        }
    }
}

/// The answer byte to `DLE EOT n` (Epson ESC/POS): bits 1 and 4 are always on.
fn answer(mode: PrinterMode, n: u8) -> u8 {
    const FIXED: u8 = 0x12;
    match (mode, n) {
        (PrinterMode::PaperOut, 1) => FIXED | 0x08,
        (PrinterMode::PaperOut, 2) => FIXED | 0x20,
        (PrinterMode::PaperOut, 4) => FIXED | 0x0C | 0x60,
        _ => FIXED,
    }
}

/// Finds `DLE EOT n` (`10 04 n`, n = 1..=4) in a stream that arrives in chunks, and counts the
/// bytes that are not part of one.
#[derive(Default)]
struct StatusRequests {
    /// How much of `10 04` the last chunk ended with.
    pending: usize,
    print_bytes: usize,
}

impl StatusRequests {
    fn feed<'a>(&'a mut self, chunk: &'a [u8]) -> impl Iterator<Item = u8> + 'a {
        chunk.iter().filter_map(move |&b| self.step(b))
    }

    fn step(&mut self, b: u8) -> Option<u8> {
        match (self.pending, b) {
            (2, 1..=4) => {
                self.pending = 0;
                return Some(b);
            }
            (1, 0x04) => {
                self.pending = 2;
                return None;
            }
            (0, _) => {}
            // A `10` or `10 04` that led nowhere was print data; `b` starts afresh.
            (pending, _) => {
                self.print_bytes += pending;
                self.pending = 0;
            }
        }
        if b == 0x10 {
            self.pending = 1;
        } else {
            self.print_bytes += 1;
        }
        None
    }

    /// The stream ended: a dangling `10` or `10 04` was print data.
    fn finish(&mut self) {
        self.print_bytes += self.pending;
        self.pending = 0;
    }
}

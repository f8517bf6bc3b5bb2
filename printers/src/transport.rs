//! Getting bytes to a printer and asking how it is: raw TCP (port 9100), USB line-printer
//! devices (`/dev/usb/lp*`) and serial ports, every step under a timeout so a dead printer costs
//! its worker a few seconds, never a hang; plus real-time status with `DLE EOT` (Epson ESC/POS).
//!
//! Knows nothing of jobs, retries or backup printers: that is the print queue's business.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout, timeout_at};

/// The raw-printing port (HP JetDirect / AppSocket), used when a `tcp://` address gives none.
pub const DEFAULT_TCP_PORT: u16 = 9100;
/// The factory setting of most ESC/POS serial printers.
pub const DEFAULT_BAUD: u32 = 19200;
/// The line speeds a serial printer may be set to.
pub const BAUD_RATES: [u32; 5] = [9600, 19200, 38400, 57600, 115200];

/// `DLE EOT 1` (printer status), `DLE EOT 2` (offline cause), `DLE EOT 4` (paper roll sensor).
/// ESC/POS handles `DLE EOT` in real time, ahead of anything queued in the printer's buffer.
pub const STATUS_REQUESTS: [u8; 9] = [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4];

/// The slowest rate a printer may take a job at before `send` gives up however steady it is:
/// half of a 9600-baud serial line (8N1: 960 bytes/s). Bounds `send` even against a printer
/// that trickles.
const SLOWEST_BYTES_PER_SEC: u64 = 480;
/// How long `send` waits, once the job is written, for the printer to close its end. Printers
/// close after reading the end of the job; waiting for that means the bytes were read, not just
/// queued in our kernel, and that closing never resets a connection with unread back-channel
/// data (which can make the printer drop the end of the job). Not closing is no error: some
/// printers keep the connection open.
const CLOSE_LINGER: Duration = Duration::from_secs(2);

/// Where a printer is: BRIEF §4 `address` strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Address {
    /// `tcp://HOST:PORT`; `host` is a name, an IPv4 address or an IPv6 address without brackets.
    Tcp { host: String, port: u16 },
    /// `usb:/dev/usb/lp0`
    Usb { path: PathBuf },
    /// `serial:/dev/ttyUSB0?baud=19200`
    Serial { path: PathBuf, baud: u32 },
}

/// Why a string is not a printer address, said for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AddressError(pub String);

fn invalid<T>(reason: impl Into<String>) -> Result<T, AddressError> {
    Err(AddressError(reason.into()))
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return invalid("the printer address is empty");
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return invalid("a printer address has no spaces or control characters");
        }
        if let Some(rest) = strip_scheme(s, "tcp://") {
            parse_tcp(rest)
        } else if let Some(rest) = strip_scheme(s, "usb:") {
            if rest.contains('?') {
                return invalid("a USB address takes no options: usb:/dev/usb/lp0");
            }
            Ok(Address::Usb { path: parse_device(rest, "usb:/dev/usb/lp0")? })
        } else if let Some(rest) = strip_scheme(s, "serial:") {
            let (path, query) = match rest.split_once('?') {
                Some((path, query)) => (path, Some(query)),
                None => (rest, None),
            };
            let path = parse_device(path, "serial:/dev/ttyUSB0?baud=19200")?;
            let baud = match query {
                None => DEFAULT_BAUD,
                Some(query) => parse_baud(query)?,
            };
            Ok(Address::Serial { path, baud })
        } else {
            invalid("a printer address is tcp://HOST:9100, usb:/dev/usb/lp0 or serial:/dev/ttyUSB0?baud=19200")
        }
    }
}

/// `s` without its scheme, which is matched regardless of case (`TCP://` is `tcp://`).
fn strip_scheme<'a>(s: &'a str, scheme: &str) -> Option<&'a str> {
    let head = s.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme).then(|| &s[scheme.len()..])
}

fn parse_tcp(rest: &str) -> Result<Address, AddressError> {
    if rest.contains(['/', '?', '#', '@']) {
        return invalid("a network printer address is only tcp://HOST or tcp://HOST:PORT, without a path");
    }
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return invalid("an IPv6 address needs its closing bracket: tcp://[::1]:9100");
        };
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return invalid(format!("“{host}” is not an IPv6 address"));
        }
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return invalid("after an IPv6 address in brackets comes only :PORT"),
            },
        };
        (host, port)
    } else {
        match rest.split_once(':') {
            Some((_, port)) if port.contains(':') => {
                return invalid("an IPv6 address goes in brackets: tcp://[fe80::1]:9100");
            }
            Some((host, port)) => (check_host(host)?, Some(port)),
            None => (check_host(rest)?, None),
        }
    };
    let port = match port {
        None => DEFAULT_TCP_PORT,
        Some(port) => parse_port(port)?,
    };
    Ok(Address::Tcp { host: host.to_owned(), port })
}

/// A host name (letters, digits, `-` and dots) or an IPv4 address.
fn check_host(host: &str) -> Result<&str, AddressError> {
    if host.is_empty() {
        return invalid("the address has no host: tcp://192.168.1.50:9100");
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Ok(host);
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit())) {
        return invalid(format!("“{host}” is not an IPv4 address"));
    }
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if host.len() > 253 || !labels.iter().all(label_ok) {
        return invalid(format!("“{host}” is not a host name or IP address"));
    }
    Ok(host)
}

fn parse_port(port: &str) -> Result<u16, AddressError> {
    match port.parse::<u16>() {
        Ok(n) if n > 0 && port.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => invalid(format!("the port must be a number from 1 to 65535, not “{port}”")),
    }
}

/// A device file: an absolute path under `/dev/`, without `.` or `..` steps.
fn parse_device(path: &str, example: &str) -> Result<PathBuf, AddressError> {
    let Some(name) = path.strip_prefix("/dev/") else {
        return invalid(format!("a printer device is a path under /dev/, e.g. {example}"));
    };
    if name.is_empty() || name.ends_with('/') {
        return invalid(format!("the device path names no device, e.g. {example}"));
    }
    if name.split('/').any(|step| matches!(step, "" | "." | "..")) {
        return invalid("a device path has no empty, “.” or “..” steps");
    }
    Ok(PathBuf::from(path))
}

fn parse_baud(query: &str) -> Result<u32, AddressError> {
    let Some(value) = query.strip_prefix("baud=") else {
        return invalid("the only serial option is baud, e.g. ?baud=19200");
    };
    match value.parse::<u32>() {
        Ok(baud) if BAUD_RATES.contains(&baud) && value.bytes().all(|b| b.is_ascii_digit()) => Ok(baud),
        _ => invalid(format!("the baud rate must be one of 9600, 19200, 38400, 57600 or 115200, not “{value}”")),
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp { host, port } if host.contains(':') => write!(f, "tcp://[{host}]:{port}"),
            Address::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Address::Usb { path } => write!(f, "usb:{}", path.display()),
            Address::Serial { path, baud } => write!(f, "serial:{}?baud={baud}", path.display()),
        }
    }
}

/// What the printer said about itself (`DLE EOT`). `online: false` with nothing else set means
/// the printer is offline for a reason it did not name (e.g. it is feeding paper).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterStatus {
    pub online: bool,
    pub cover_open: bool,
    pub paper_out: bool,
    pub paper_near_end: bool,
    pub error: bool,
}

/// Why a send or status request failed. Callers show `Unreachable` and `Timeout` as "offline".
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("printer unreachable: {0}")]
    Unreachable(String),
    #[error("the printer did not respond in time ({0})")]
    Timeout(&'static str),
    #[error("printer I/O error: {0}")]
    Io(String),
    #[error("not supported: {0}")]
    NotSupported(&'static str),
}

/// How long each step may take.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// Connecting (with the name lookup), opening a device, setting a serial port's speed.
    pub connect: Duration,
    /// The longest the printer may go without taking any of the job; also how long it gets to
    /// take the end of the job. See [`send`] for the bound on a whole send.
    pub write: Duration,
    /// Sending the status requests and reading the three answers.
    pub status: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { connect: Duration::from_secs(3), write: Duration::from_secs(10), status: Duration::from_secs(2) }
    }
}

/// Sends `bytes` to the printer and returns when they were all written (flushed) — or fails
/// within the timeouts. Never hangs: every await is under a timeout.
///
/// The write timeout is a stall timeout: a printer that keeps taking bytes is not cut off in
/// the middle of a long job (which would print half of it, then all of it again on the retry).
/// The whole call still ends within `connect + 2 × write + len / (480 bytes/s)` (serial: plus
/// `connect` for setting the line speed). Over TCP the write half is shut down at the end so
/// the printer sees the job end, and the printer then gets up to 2 s to close its side (see
/// `CLOSE_LINGER`); a serial or USB job ends when the device has drained it.
pub async fn send(address: &Address, bytes: &[u8], t: &Timeouts) -> Result<(), TransportError> {
    match address {
        Address::Tcp { host, port } => {
            let mut stream = connect(host, *port, t).await?;
            write_job(&mut stream, bytes, t.write).await?;
            finish_tcp_job(&mut stream, t.write).await
        }
        Address::Usb { path } => device::send(path, None, bytes, t).await,
        Address::Serial { path, baud } => device::send(path, Some(*baud), bytes, t).await,
    }
}

/// Real-time status over a two-way transport: sends `DLE EOT 1` (printer status), `DLE EOT 2`
/// (offline cause) and `DLE EOT 4` (paper roll sensor), and decodes the three answer bytes with
/// [`decode_status`]. A USB printer gets a short while (at most 1 s) to answer, and is
/// `NotSupported` if it does not: many are one-way. An unreachable printer is
/// `Err(Unreachable/Timeout)`, which callers show as offline; so is a serial printer that does
/// not answer. Ends within `connect + status` (serial: plus `connect` for setting the speed).
pub async fn status(address: &Address, t: &Timeouts) -> Result<PrinterStatus, TransportError> {
    let answer = match address {
        Address::Tcp { host, port } => {
            let mut stream = connect(host, *port, t).await?;
            let deadline = Instant::now() + t.status;
            let (mut input, mut out) = stream.split();
            request_status(&mut out, deadline).await?;
            let answer = read_answer(&mut input, deadline).await?;
            // Best effort: the answer is in hand, and the printer may have hung up already.
            let _ = timeout_at(deadline, stream.shutdown()).await;
            answer
        }
        Address::Usb { path } => device::status(path, None, t).await?,
        Address::Serial { path, baud } => device::status(path, Some(*baud), t).await?,
    };
    Ok(decode_status(answer[0], answer[1], answer[2]))
}

/// The pure decoder, for tests: the three DLE EOT answer bytes → status.
///
/// Epson ESC/POS, `DLE EOT n`: n=1 bit 3 = offline; n=2 bit 2 = cover open, bit 5 = printing
/// stopped at paper end, bit 6 = error; n=4 bits 2-3 = roll near end, bits 5-6 = roll end.
/// Epson sets both bits of a pair; some clones set one, so either counts.
pub fn decode_status(printer: u8, offline_cause: u8, paper: u8) -> PrinterStatus {
    PrinterStatus {
        online: printer & 0b0000_1000 == 0,
        cover_open: offline_cause & 0b0000_0100 != 0,
        paper_out: paper & 0b0110_0000 != 0 || offline_cause & 0b0010_0000 != 0,
        paper_near_end: paper & 0b0000_1100 != 0,
        error: offline_cause & 0b0100_0000 != 0,
    }
}

async fn connect(host: &str, port: u16, t: &Timeouts) -> Result<TcpStream, TransportError> {
    let target = Address::Tcp { host: host.to_owned(), port };
    let stream = match timeout(t.connect, TcpStream::connect((host, port))).await {
        Err(_) => return Err(TransportError::Timeout("connecting")),
        Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
            return Err(TransportError::Unreachable(format!("{target} refused the connection (is the printer on?)")));
        }
        Ok(Err(e)) => return Err(TransportError::Unreachable(format!("cannot connect to {target}: {e}"))),
        Ok(Ok(stream)) => stream,
    };
    // A print job is one burst; do not let Nagle hold its tail back.
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(printer = %target, error = %e, "could not set TCP_NODELAY");
    }
    Ok(stream)
}

/// Writes (and flushes) the whole job; fails if the printer takes nothing for `stall`, or if
/// the job takes longer than its size allows at [`SLOWEST_BYTES_PER_SEC`].
async fn write_job<W: AsyncWrite + Unpin>(out: &mut W, bytes: &[u8], stall: Duration) -> Result<(), TransportError> {
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    // Capped at a day so the deadline cannot overflow.
    let allowance = Duration::from_secs(len / SLOWEST_BYTES_PER_SEC).min(Duration::from_secs(86_400));
    let deadline = Instant::now() + stall + allowance;
    let wait = || stall.min(deadline.saturating_duration_since(Instant::now()));
    let mut rest = bytes;
    // Each turn writes at least one byte or returns, so the loop ends.
    while !rest.is_empty() {
        match timeout(wait(), out.write(rest)).await {
            Err(_) => return Err(TransportError::Timeout("writing the job")),
            Ok(Err(e)) => return Err(write_error(&e)),
            Ok(Ok(0)) => return Err(TransportError::Io("the printer stopped taking data".into())),
            Ok(Ok(n)) => rest = rest.get(n..).unwrap_or_default(),
        }
    }
    match timeout(wait(), out.flush()).await {
        Err(_) => Err(TransportError::Timeout("writing the job")),
        Ok(Err(e)) => Err(write_error(&e)),
        Ok(Ok(())) => Ok(()),
    }
}

fn write_error(e: &io::Error) -> TransportError {
    match e.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionAborted => {
            TransportError::Io(format!("the printer dropped the connection: {e}"))
        }
        // usblp answers ENOSPC when it gives up on a printer that is out of paper.
        io::ErrorKind::StorageFull => TransportError::Io("the printer is out of paper".into()),
        _ => TransportError::Io(e.to_string()),
    }
}

/// Ends a TCP job within `wait`: shut down our half, then give the printer up to
/// [`CLOSE_LINGER`] to read to the end and close its side.
async fn finish_tcp_job(stream: &mut TcpStream, wait: Duration) -> Result<(), TransportError> {
    let deadline = Instant::now() + wait;
    match timeout_at(deadline, stream.shutdown()).await {
        Err(_) => return Err(TransportError::Timeout("ending the job")),
        Ok(Err(e)) => return Err(write_error(&e)),
        Ok(Ok(())) => {}
    }
    let linger_until = deadline.min(Instant::now() + CLOSE_LINGER);
    let mut discard = [0u8; 512];
    // Anything the printer says now (automatic status back) is read and dropped; each turn
    // reads at least a byte or returns, and the deadline bounds the whole.
    loop {
        match timeout_at(linger_until, stream.read(&mut discard)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Ok(()),
            Ok(Ok(_)) => {}
            Err(_) => {
                tracing::debug!("printer kept the connection open after the job");
                return Ok(());
            }
        }
    }
}

/// Writes the three status requests by `deadline`.
async fn request_status<W: AsyncWrite + Unpin>(out: &mut W, deadline: Instant) -> Result<(), TransportError> {
    match timeout_at(deadline, async {
        out.write_all(&STATUS_REQUESTS).await?;
        out.flush().await
    })
    .await
    {
        Err(_) => Err(TransportError::Timeout("asking for its status")),
        Ok(Err(e)) => Err(write_error(&e)),
        Ok(Ok(())) => Ok(()),
    }
}

/// Why no status answer came.
#[derive(Debug)]
enum NoAnswer {
    /// Not a byte by the deadline.
    Silence,
    /// Some of the three bytes, then nothing by the deadline.
    Partial,
    /// The printer hung up.
    Closed,
    Failed(io::Error),
}

impl From<NoAnswer> for TransportError {
    fn from(why: NoAnswer) -> Self {
        match why {
            NoAnswer::Silence => TransportError::Timeout("reading its status"),
            NoAnswer::Partial => TransportError::Timeout("reading the rest of its status"),
            NoAnswer::Closed => TransportError::Io("the printer hung up before answering".into()),
            NoAnswer::Failed(e) => TransportError::Io(format!("reading the status: {e}")),
        }
    }
}

/// Reads the three answer bytes by `deadline`.
async fn read_answer<R: AsyncRead + Unpin>(input: &mut R, deadline: Instant) -> Result<[u8; 3], NoAnswer> {
    let mut answer = [0u8; 3];
    let mut got = 0;
    // Each turn reads at least one byte or returns.
    while let Some(free) = answer.get_mut(got..).filter(|free| !free.is_empty()) {
        match timeout_at(deadline, input.read(free)).await {
            Err(_) if got == 0 => return Err(NoAnswer::Silence),
            Err(_) => return Err(NoAnswer::Partial),
            Ok(Ok(0)) => return Err(NoAnswer::Closed),
            Ok(Ok(n)) => got += n,
            Ok(Err(e)) => return Err(NoAnswer::Failed(e)),
        }
    }
    if answer.iter().any(|b| b & 0b1001_0011 != 0b0001_0010) {
        // The fixed bits are off, so this may not be an ESC/POS answer. Decoded anyway, since
        // some clones are loose with them; the log says why a status may look odd.
        tracing::debug!(answer = %hex::encode(answer), "unexpected DLE EOT answer bits");
    }
    Ok(answer)
}

/// USB line-printer devices and serial ports: Linux character devices, opened non-blocking and
/// driven by tokio's reactor, so a timeout really abandons a write instead of leaving a thread
/// stuck in it (a write finishing later would print the job twice, interleaved with the retry).
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64",
        target_arch = "powerpc64",
        target_arch = "loongarch64"
    )
))]
mod device {
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    use std::path::Path;
    use std::time::Duration;

    use tokio::net::unix::pipe;
    use tokio::process::Command;
    use tokio::time::{Instant, timeout};

    use super::{NoAnswer, Timeouts, TransportError, read_answer, request_status, write_job};

    /// How long a USB printer gets to answer `DLE EOT` before we conclude it cannot (one-way).
    const USB_ANSWER_WAIT: Duration = Duration::from_secs(1);

    /// `<fcntl.h>` values shared by the architectures this module is built for (asm-generic);
    /// the printers crate has no `libc` dependency.
    const O_NOCTTY: i32 = 0o400;
    const O_NONBLOCK: i32 = 0o4000;

    pub(super) async fn send(path: &Path, baud: Option<u32>, bytes: &[u8], t: &Timeouts) -> Result<(), TransportError> {
        if let Some(baud) = baud {
            set_line_speed(path, baud, t).await?;
        }
        let file = open(path, false)?;
        let mut out = pipe::Sender::from_file_unchecked(file).map_err(|e| not_pollable(path, &e))?;
        let written = write_job(&mut out, bytes, t.write).await;
        // Closing a serial port waits (up to the port's closing_wait, 30 s by default) until its
        // output has drained onto the line: never on a runtime thread. On success, the drain is
        // the end of the job, so wait for it as long as the write timeout allows.
        let closed = tokio::task::spawn_blocking(move || drop(out));
        written?;
        match timeout(t.write, closed).await {
            Err(_) => Err(TransportError::Timeout("waiting for the printer to take the end of the job")),
            Ok(_) => Ok(()),
        }
    }

    pub(super) async fn status(path: &Path, baud: Option<u32>, t: &Timeouts) -> Result<[u8; 3], TransportError> {
        if let Some(baud) = baud {
            set_line_speed(path, baud, t).await?;
        }
        let file = open(path, true)?;
        // One open file, two descriptors: usblp allows a single open, and tokio wants a
        // writing and a reading end.
        let reading = file.try_clone().map_err(|e| TransportError::Io(format!("{}: {e}", path.display())))?;
        let mut out = pipe::Sender::from_file_unchecked(file).map_err(|e| not_pollable(path, &e))?;
        let mut input = pipe::Receiver::from_file_unchecked(reading).map_err(|e| not_pollable(path, &e))?;
        drain_stale_input(&input);
        let usb = baud.is_none();
        let deadline = Instant::now() + if usb { t.status.min(USB_ANSWER_WAIT) } else { t.status };
        let asked = request_status(&mut out, deadline).await;
        let answer = match asked {
            Ok(()) => read_answer(&mut input, deadline).await,
            Err(_) => Ok([0; 3]),
        };
        tokio::task::spawn_blocking(move || drop((out, input)));
        asked?;
        match answer {
            Ok(answer) => Ok(answer),
            // usblp refuses reads (EINVAL) from printers it knows to be one-way.
            Err(NoAnswer::Silence) if usb => Err(USB_ONE_WAY),
            Err(NoAnswer::Failed(e)) if usb && e.kind() == io::ErrorKind::InvalidInput => Err(USB_ONE_WAY),
            Err(why) => Err(why.into()),
        }
    }

    const USB_ONE_WAY: TransportError =
        TransportError::NotSupported("this USB printer does not answer status requests (it may be one-way)");

    /// Drops bytes the printer sent earlier (automatic status back, answers nobody read), so
    /// the three bytes read next answer our requests. Bounded: at most 64 reads.
    fn drain_stale_input(input: &pipe::Receiver) {
        let mut scratch = [0u8; 256];
        for _ in 0..64 {
            match input.try_read(&mut scratch) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
    }

    fn open(path: &Path, read: bool) -> Result<File, TransportError> {
        // Opening a device takes microseconds (the non-blocking flag keeps a tty from waiting
        // for carrier); no controlling terminal, so a serial hang-up cannot signal the box.
        let file = OpenOptions::new()
            .read(read)
            .write(true)
            .custom_flags(O_NONBLOCK | O_NOCTTY)
            .open(path)
            .map_err(|e| open_error(path, &e))?;
        let kind = file.metadata().map_err(|e| open_error(path, &e))?.file_type();
        // Never write a job into a plain file that happens to sit at the path.
        if !(kind.is_char_device() || kind.is_fifo()) {
            return Err(TransportError::Io(format!("{} is not a device", path.display())));
        }
        Ok(file)
    }

    fn open_error(path: &Path, e: &io::Error) -> TransportError {
        let path = path.display();
        match e.kind() {
            io::ErrorKind::NotFound => {
                TransportError::Unreachable(format!("no printer at {path} (is it plugged in and switched on?)"))
            }
            io::ErrorKind::PermissionDenied => TransportError::Io(format!(
                "no permission to use {path} (the service must be in the device's group, e.g. lp or dialout)"
            )),
            io::ErrorKind::ResourceBusy => TransportError::Unreachable(format!("{path} is busy")),
            _ => TransportError::Unreachable(format!("cannot open {path}: {e}")),
        }
    }

    fn not_pollable(path: &Path, e: &io::Error) -> TransportError {
        TransportError::Io(format!("{} cannot be used as a printer: {e}", path.display()))
    }

    /// Sets the line to `baud`, 8N1, raw, no echo, ignoring modem lines, with `stty` (the
    /// printers crate has no serial-port dependency). The kernel keeps the setting for the
    /// opens that follow.
    async fn set_line_speed(path: &Path, baud: u32, t: &Timeouts) -> Result<(), TransportError> {
        let mut stty = Command::new("stty");
        stty.arg("-F")
            .arg(path)
            .args([baud.to_string().as_str(), "raw", "-echo", "cs8", "-parenb", "-cstopb", "clocal"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let output = match timeout(t.connect, stty.output()).await {
            Err(_) => return Err(TransportError::Timeout("setting the serial port's speed")),
            Ok(Err(e)) if e.kind() == io::ErrorKind::NotFound => {
                return Err(TransportError::NotSupported("serial printers need the stty program (coreutils)"));
            }
            Ok(Err(e)) => return Err(TransportError::Io(format!("running stty: {e}"))),
            Ok(Ok(output)) => output,
        };
        if output.status.success() {
            return Ok(());
        }
        if !path.exists() {
            return Err(open_error(path, &io::Error::from(io::ErrorKind::NotFound)));
        }
        let said = String::from_utf8_lossy(&output.stderr);
        Err(TransportError::Io(format!("cannot set {} to {baud} baud: {}", path.display(), said.trim())))
    }
}

/// Elsewhere there are no USB or serial printers (the appliance is Linux).
#[cfg(not(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64",
        target_arch = "powerpc64",
        target_arch = "loongarch64"
    )
)))]
mod device {
    use std::path::Path;

    use super::{Timeouts, TransportError};

    const NOT_HERE: &str = "USB and serial printers work on Linux only";

    pub(super) async fn send(_: &Path, _: Option<u32>, _: &[u8], _: &Timeouts) -> Result<(), TransportError> {
        Err(TransportError::NotSupported(NOT_HERE))
    }

    pub(super) async fn status(_: &Path, _: Option<u32>, _: &Timeouts) -> Result<[u8; 3], TransportError> {
        Err(TransportError::NotSupported(NOT_HERE))
    }
}

//! Transports against printers that live in the test: loopback TCP listeners (127.0.0.1 only)
//! that read, refuse, never read or never answer, and FIFOs standing in for device files.
//! The parsing of addresses and the decoding of `DLE EOT` answers are tables.

use std::io::Read;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use comanda_printers::transport::{
    Address, PrinterStatus, STATUS_REQUESTS, Timeouts, TransportError, decode_status, send, status,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn short() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(500),
        write: Duration::from_millis(300),
        status: Duration::from_millis(300),
    }
}

/// Slack for a loaded machine (2 shared cores) on top of a timeout being tested.
const SLACK: Duration = Duration::from_secs(2);

fn tcp(port: u16) -> Address {
    Address::Tcp { host: "127.0.0.1".into(), port }
}

/// A job of `len` bytes that is not all the same byte, so a reordering would show.
fn job(len: usize) -> Vec<u8> {
    (0..len).map(|i| u8::try_from(i % 251).expect("below 251")).collect()
}

#[test]
fn addresses_parse_and_print_back() {
    let tcp = |host: &str, port| Address::Tcp { host: host.into(), port };
    let usb = |path: &str| Address::Usb { path: path.into() };
    let serial = |path: &str, baud| Address::Serial { path: path.into(), baud };
    // (input, parsed, printed back)
    let good = [
        ("tcp://192.168.1.50:9100", tcp("192.168.1.50", 9100), "tcp://192.168.1.50:9100"),
        ("tcp://192.168.1.50", tcp("192.168.1.50", 9100), "tcp://192.168.1.50:9100"),
        ("tcp://kitchen-printer.local:9101", tcp("kitchen-printer.local", 9101), "tcp://kitchen-printer.local:9101"),
        ("tcp://printer", tcp("printer", 9100), "tcp://printer:9100"),
        ("TCP://127.0.0.1:1", tcp("127.0.0.1", 1), "tcp://127.0.0.1:1"),
        ("tcp://127.0.0.1:65535", tcp("127.0.0.1", 65535), "tcp://127.0.0.1:65535"),
        ("tcp://[::1]:9100", tcp("::1", 9100), "tcp://[::1]:9100"),
        ("tcp://[fe80::1]", tcp("fe80::1", 9100), "tcp://[fe80::1]:9100"),
        ("usb:/dev/usb/lp0", usb("/dev/usb/lp0"), "usb:/dev/usb/lp0"),
        ("usb:/dev/lp1", usb("/dev/lp1"), "usb:/dev/lp1"),
        ("serial:/dev/ttyUSB0?baud=19200", serial("/dev/ttyUSB0", 19200), "serial:/dev/ttyUSB0?baud=19200"),
        ("serial:/dev/ttyUSB0", serial("/dev/ttyUSB0", 19200), "serial:/dev/ttyUSB0?baud=19200"),
        ("serial:/dev/ttyS0?baud=9600", serial("/dev/ttyS0", 9600), "serial:/dev/ttyS0?baud=9600"),
        ("serial:/dev/ttyACM0?baud=115200", serial("/dev/ttyACM0", 115200), "serial:/dev/ttyACM0?baud=115200"),
        (
            "serial:/dev/serial/by-id/usb-Epson-if00?baud=38400",
            serial("/dev/serial/by-id/usb-Epson-if00", 38400),
            "serial:/dev/serial/by-id/usb-Epson-if00?baud=38400",
        ),
    ];
    for (input, parsed, printed) in good {
        let got: Address = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(got, parsed, "{input}");
        assert_eq!(got.to_string(), printed, "{input}");
        assert_eq!(printed.parse::<Address>().expect("parses back"), parsed, "{printed} parses back");
    }
}

#[test]
fn bad_addresses_are_refused_with_a_reason() {
    // (input, a word the reason must contain)
    let bad = [
        ("", "empty"),
        ("192.168.1.50:9100", "tcp://"),
        ("http://192.168.1.50", "tcp://"),
        ("lpt:/dev/lp0", "tcp://"),
        ("tcp://", "no host"),
        ("tcp://:9100", "no host"),
        ("tcp://kitchen printer:9100", "spaces"),
        ("tcp:// 192.168.1.50", "spaces"),
        ("tcp://192.168.1.50:9100 ", "spaces"),
        ("tcp://192.168.1.50\n", "spaces"),
        ("tcp://192.168.1.50:0", "port"),
        ("tcp://192.168.1.50:65536", "port"),
        ("tcp://192.168.1.50:+9100", "port"),
        ("tcp://192.168.1.50:", "port"),
        ("tcp://192.168.1.50:http", "port"),
        ("tcp://192.168.1.50:9100/ipp", "path"),
        ("tcp://user@192.168.1.50", "path"),
        ("tcp://999.1.1.1", "IPv4"),
        ("tcp://192.168.1", "IPv4"),
        ("tcp://-printer", "host name"),
        ("tcp://print_er", "host name"),
        ("tcp://printer..local", "host name"),
        ("tcp://::1:9100", "brackets"),
        ("tcp://[::1", "bracket"),
        ("tcp://[::g]:9100", "IPv6"),
        ("tcp://[::1]9100", "PORT"),
        ("tcp://[::1]:99999", "port"),
        ("usb:", "/dev/"),
        ("usb:/etc/passwd", "/dev/"),
        ("usb:dev/usb/lp0", "/dev/"),
        ("usb:/dev/", "no device"),
        ("usb:/dev/usb/", "no device"),
        ("usb:/dev/../etc/passwd", ".."),
        ("usb:/dev/usb/../../etc/shadow", ".."),
        ("usb:/dev//lp0", ".."),
        ("usb:/dev/./lp0", ".."),
        ("usb:/dev/usb/lp0?baud=9600", "no options"),
        ("serial:/tmp/ttyUSB0", "/dev/"),
        ("serial:/dev/ttyUSB0?baud=12345", "baud rate"),
        ("serial:/dev/ttyUSB0?baud=", "baud rate"),
        ("serial:/dev/ttyUSB0?baud=+9600", "baud rate"),
        ("serial:/dev/ttyUSB0?speed=9600", "only serial option"),
        ("serial:/dev/ttyUSB0?", "only serial option"),
        ("serial:/dev/ttyUSB0?baud=9600&parity=none", "baud rate"),
        ("serial:/dev/tty USB0", "spaces"),
    ];
    for (input, reason) in bad {
        match input.parse::<Address>() {
            Ok(parsed) => panic!("{input:?} parsed as {parsed:?}"),
            Err(e) => assert!(e.to_string().contains(reason), "{input:?}: “{e}” does not mention “{reason}”"),
        }
    }
}

#[test]
fn status_bytes_decode() {
    let status = |online, cover_open, paper_out, paper_near_end, error| PrinterStatus {
        online,
        cover_open,
        paper_out,
        paper_near_end,
        error,
    };
    // (DLE EOT 1, 2, 4 answers, status)
    let table = [
        ([0x12, 0x12, 0x12], status(true, false, false, false, false)),
        ([0x16, 0x12, 0x12], status(true, false, false, false, false)), // drawer pin high: not our business
        ([0x1A, 0x12, 0x12], status(false, false, false, false, false)), // offline, no reason given
        ([0x1A, 0x16, 0x12], status(false, true, false, false, false)), // cover open
        ([0x1A, 0x1A, 0x12], status(false, false, false, false, false)), // feeding by the button
        ([0x1A, 0x32, 0x7E], status(false, false, true, true, false)),  // paper-end stop, roll out
        ([0x12, 0x12, 0x1E], status(true, false, false, true, false)),  // near end, still printing
        ([0x12, 0x12, 0x16], status(true, false, false, true, false)),  // one near-end bit (clones)
        ([0x12, 0x12, 0x72], status(true, false, true, false, false)),  // roll end sensor only
        ([0x12, 0x12, 0x32], status(true, false, true, false, false)),  // one roll-end bit (clones)
        ([0x1A, 0x32, 0x12], status(false, false, true, false, false)), // paper-end stop only
        ([0x1A, 0x52, 0x12], status(false, false, false, false, true)), // error
        ([0x1A, 0x76, 0x7E], status(false, true, true, true, true)),    // everything at once
    ];
    for ([printer, cause, paper], expected) in table {
        assert_eq!(decode_status(printer, cause, paper), expected, "{printer:02x} {cause:02x} {paper:02x}");
    }
}

#[test]
fn default_timeouts() {
    let t = Timeouts::default();
    assert_eq!(
        (t.connect, t.write, t.status),
        (Duration::from_secs(3), Duration::from_secs(10), Duration::from_secs(2))
    );
}

#[test]
fn errors_read_for_people() {
    let cases = [
        (
            TransportError::Unreachable("tcp://127.0.0.1:9 refused".into()),
            "printer unreachable: tcp://127.0.0.1:9 refused",
        ),
        (TransportError::Timeout("connecting"), "the printer did not respond in time (connecting)"),
        (TransportError::Io("boom".into()), "printer I/O error: boom"),
        (TransportError::NotSupported("nope"), "not supported: nope"),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
    }
}

/// A printer on loopback that reads one job to the end, then closes.
async fn reading_printer() -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("binds 127.0.0.1");
    let port = listener.local_addr().expect("bound").port();
    let printer = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accepts");
        let mut job = Vec::new();
        stream.read_to_end(&mut job).await.expect("reads the job");
        job
    });
    (port, printer)
}

#[tokio::test]
async fn tcp_send_delivers_the_bytes_intact() {
    for len in [1, 300, 3 * 1024 * 1024] {
        let (port, printer) = reading_printer().await;
        let bytes = job(len);
        send(&tcp(port), &bytes, &Timeouts::default()).await.expect("sent");
        let got = tokio::time::timeout(Duration::from_secs(10), printer)
            .await
            .expect("printer read the job in time")
            .expect("printer task");
        assert_eq!(got.len(), bytes.len());
        assert!(got == bytes, "{len} bytes arrive intact");
    }
}

#[tokio::test]
async fn tcp_send_returns_once_the_printer_closed() {
    // The printer has read everything by the time `send` returns: no waiting in the test.
    let (port, printer) = reading_printer().await;
    send(&tcp(port), b"\x1b@hello\n", &short()).await.expect("sent");
    assert!(printer.is_finished() || tokio::time::timeout(Duration::from_millis(200), printer).await.is_ok());
}

#[tokio::test]
async fn tcp_send_to_an_ipv6_loopback_printer() {
    let Ok(listener) = TcpListener::bind("[::1]:0").await else {
        return; // no IPv6 on this machine
    };
    let port = listener.local_addr().expect("bound").port();
    let printer = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accepts");
        let mut job = Vec::new();
        stream.read_to_end(&mut job).await.expect("reads the job");
        job
    });
    let address: Address = format!("tcp://[::1]:{port}").parse().expect("an address");
    send(&address, b"over v6", &short()).await.expect("sent");
    assert_eq!(printer.await.expect("printer task"), b"over v6");
}

#[tokio::test]
async fn a_printer_that_keeps_the_connection_open_still_gets_its_job() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("binds 127.0.0.1");
    let port = listener.local_addr().expect("bound").port();
    let printer = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accepts");
        let mut job = Vec::new();
        stream.read_to_end(&mut job).await.expect("reads the job");
        // Says something (automatic status back) and keeps the connection open.
        stream.write_all(&[0x14, 0x00, 0x00, 0x0f]).await.expect("answers");
        tokio::time::sleep(Duration::from_secs(5)).await;
        job
    });
    let started = Instant::now();
    send(&tcp(port), b"ticket", &short()).await.expect("sent");
    assert!(started.elapsed() < short().write + SLACK, "lingers at most the write timeout");
    printer.abort();
}

#[tokio::test]
async fn connection_refused_is_unreachable_at_once() {
    let port = {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binds 127.0.0.1");
        listener.local_addr().expect("bound").port()
    }; // closed: nothing listens there now
    let started = Instant::now();
    let error = send(&tcp(port), b"ticket", &Timeouts::default()).await.expect_err("fails");
    assert!(matches!(error, TransportError::Unreachable(_)), "{error:?}");
    assert!(error.to_string().contains("refused"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(1), "refused fails fast, not after the connect timeout");
    let error = status(&tcp(port), &Timeouts::default()).await.expect_err("fails");
    assert!(matches!(error, TransportError::Unreachable(_)), "{error:?}");
}

#[tokio::test]
async fn a_printer_that_never_reads_makes_send_time_out() {
    // Listens but never accepts nor reads: the kernel completes the connection and buffers a
    // few MiB, then the writes block.
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binds 127.0.0.1");
    let port = listener.local_addr().expect("bound").port();
    let t = short();
    let started = Instant::now();
    let error = send(&tcp(port), &job(8 * 1024 * 1024), &t).await.expect_err("fails");
    let took = started.elapsed();
    assert!(matches!(error, TransportError::Timeout(_)), "{error:?}");
    assert!(took >= t.write, "gave the printer the write timeout: {took:?}");
    assert!(took < t.write + SLACK, "gave up soon after the write timeout: {took:?}");
    drop(listener);
}

/// A printer on loopback that reads the nine request bytes and answers `answer`.
async fn answering_printer(answer: &'static [u8]) -> (u16, tokio::task::JoinHandle<[u8; 9]>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("binds 127.0.0.1");
    let port = listener.local_addr().expect("bound").port();
    let printer = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accepts");
        let mut requests = [0u8; 9];
        stream.read_exact(&mut requests).await.expect("reads the requests");
        stream.write_all(answer).await.expect("answers");
        // Stay until the asker hangs up.
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
        requests
    });
    (port, printer)
}

#[tokio::test]
async fn status_asks_dle_eot_1_2_4_and_decodes_the_answer() {
    let (port, printer) = answering_printer(&[0x12, 0x12, 0x12]).await;
    let got = status(&tcp(port), &short()).await.expect("status");
    assert_eq!(
        got,
        PrinterStatus { online: true, cover_open: false, paper_out: false, paper_near_end: false, error: false }
    );
    assert_eq!(printer.await.expect("printer task"), STATUS_REQUESTS);
    assert_eq!(STATUS_REQUESTS, [0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04]);

    let (port, _printer) = answering_printer(&[0x1A, 0x32, 0x7E]).await;
    let got = status(&tcp(port), &short()).await.expect("status");
    assert_eq!(
        got,
        PrinterStatus { online: false, cover_open: false, paper_out: true, paper_near_end: true, error: false }
    );
}

#[tokio::test]
async fn status_of_a_printer_that_never_answers_times_out() {
    let t = short();
    // Never accepts: the connection completes in the kernel and the requests sit unread.
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binds 127.0.0.1");
    let port = listener.local_addr().expect("bound").port();
    let started = Instant::now();
    let error = status(&tcp(port), &t).await.expect_err("fails");
    assert!(matches!(error, TransportError::Timeout(_)), "{error:?}");
    assert!(started.elapsed() < t.status + SLACK);

    // Answers one byte of three, then nothing.
    let (port, _printer) = answering_printer(&[0x12]).await;
    let error = status(&tcp(port), &t).await.expect_err("fails");
    assert!(matches!(error, TransportError::Timeout(_)), "{error:?}");
    drop(listener);
}

#[tokio::test]
async fn status_of_a_printer_that_hangs_up_is_an_error() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("binds 127.0.0.1");
    let port = listener.local_addr().expect("bound").port();
    let _printer = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accepts");
        let mut requests = [0u8; 9];
        stream.read_exact(&mut requests).await.expect("reads the requests");
        stream.write_all(&[0x12]).await.expect("answers");
    });
    let error = status(&tcp(port), &short()).await.expect_err("fails");
    assert!(matches!(error, TransportError::Io(_)), "{error:?}");
}

/// A FIFO in a temp dir, standing in for a device file (the address parser only takes /dev/
/// paths; the transport takes what it is given).
fn fifo(dir: &Path) -> PathBuf {
    let path = dir.join("lp0");
    let made = std::process::Command::new("mkfifo").arg(&path).status().expect("mkfifo runs");
    assert!(made.success());
    path
}

/// Opens the FIFO's far end read-write, which on Linux never blocks and keeps it open for
/// reading: the transport can then open it as a printer device.
fn far_end(path: &Path) -> std::fs::File {
    std::fs::OpenOptions::new().read(true).write(true).open(path).expect("opens the fifo")
}

#[tokio::test]
async fn usb_send_writes_the_job_to_the_device() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = fifo(dir.path());
    let mut printer = far_end(&path);
    let bytes = job(256 * 1024); // several times a pipe's buffer: the writer must wait for room
    let len = bytes.len();
    let reader = std::thread::spawn(move || {
        let mut got = vec![0u8; len];
        printer.read_exact(&mut got).expect("reads the job");
        got
    });
    send(&Address::Usb { path }, &bytes, &Timeouts::default()).await.expect("sent");
    let got = tokio::task::spawn_blocking(move || reader.join().expect("reader thread")).await.expect("join");
    assert!(got == bytes, "the job arrives intact");
}

#[tokio::test]
async fn usb_send_to_a_device_that_takes_nothing_times_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = fifo(dir.path());
    let _printer = far_end(&path); // never read
    let t = short();
    let started = Instant::now();
    let error = send(&Address::Usb { path }, &job(1024 * 1024), &t).await.expect_err("fails");
    assert!(matches!(error, TransportError::Timeout(_)), "{error:?}");
    assert!(started.elapsed() < t.write + SLACK);
}

#[tokio::test]
async fn a_missing_device_is_unreachable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lp9");
    let error = send(&Address::Usb { path: path.clone() }, b"x", &short()).await.expect_err("fails");
    assert!(matches!(error, TransportError::Unreachable(_)), "{error:?}");
    assert!(error.to_string().contains("plugged in"), "{error}");
    let error = status(&Address::Usb { path: path.clone() }, &short()).await.expect_err("fails");
    assert!(matches!(error, TransportError::Unreachable(_)), "{error:?}");
    let error = send(&Address::Serial { path, baud: 19200 }, b"x", &short()).await.expect_err("fails");
    assert!(matches!(error, TransportError::Unreachable(_)), "{error:?}");
}

#[tokio::test]
async fn a_plain_file_is_not_printed_into() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lp0");
    std::fs::write(&path, b"keep me").expect("writes");
    let error = send(&Address::Usb { path: path.clone() }, b"ticket", &short()).await.expect_err("fails");
    assert!(matches!(error, TransportError::Io(_)), "{error:?}");
    assert_eq!(std::fs::read(&path).expect("reads"), b"keep me");
}

#[tokio::test]
async fn serial_needs_a_terminal_device() {
    // `stty` cannot set the speed of a FIFO: the error says so rather than sending blind.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = fifo(dir.path());
    let _printer = far_end(&path);
    let error = send(&Address::Serial { path, baud: 9600 }, b"ticket", &short()).await.expect_err("fails");
    assert!(matches!(error, TransportError::Io(_)), "{error:?}");
    assert!(error.to_string().contains("9600 baud"), "{error}");
}

//! The fake printer does what tests rely on: one job per connection, `DLE EOT` answered, and
//! each failure mode (offline, stall, paper out) breaks printing the way a real printer would,
//! then recovers on the same port. Talks to 127.0.0.1 only; every wait is bounded.

use std::io::ErrorKind;
use std::time::Duration;

use comanda_testkit::{FakePrinter, PrinterMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const STATUS_REQUESTS: [u8; 9] = [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4];
const ALL_CLEAR: [u8; 3] = [0x12, 0x12, 0x12];
/// Offline; paper-end stop; roll near end and end.
const PAPER_OUT: [u8; 3] = [0x1A, 0x32, 0x7E];
const WAIT: Duration = Duration::from_secs(5);

async fn connect(printer: &FakePrinter) -> TcpStream {
    timeout(WAIT, TcpStream::connect(("127.0.0.1", printer.port()))).await.expect("in time").expect("connects")
}

/// Sends one job the way the transport does: write, shut down our half, read until the
/// printer closes. Returns what the printer said.
async fn print(printer: &FakePrinter, job: &[u8]) -> Vec<u8> {
    let mut stream = connect(printer).await;
    stream.write_all(job).await.expect("writes");
    stream.shutdown().await.expect("shuts down");
    let mut said = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut said)).await.expect("printer closes").expect("reads");
    said
}

/// Asks `DLE EOT 1, 2, 4` on a connection of its own.
async fn status(printer: &FakePrinter) -> [u8; 3] {
    let mut stream = connect(printer).await;
    stream.write_all(&STATUS_REQUESTS).await.expect("asks");
    let mut answer = [0u8; 3];
    timeout(WAIT, stream.read_exact(&mut answer)).await.expect("answers in time").expect("answers");
    answer
}

#[tokio::test]
async fn each_connection_is_one_job_in_order() {
    let printer = FakePrinter::start().await;
    assert_eq!(printer.address(), format!("tcp://127.0.0.1:{}", printer.port()));
    assert!(printer.jobs().is_empty());

    assert_eq!(print(&printer, b"\x1b@first ticket\n\x1dV\x01").await, b"");
    assert_eq!(print(&printer, b"second").await, b"");
    let big: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    print(&printer, &big).await;

    assert!(printer.wait_for_jobs(3, WAIT).await);
    let jobs = printer.jobs();
    assert_eq!(jobs.len(), 3);
    assert_eq!(jobs[0], b"\x1b@first ticket\n\x1dV\x01");
    assert_eq!(jobs[1], b"second");
    assert!(jobs[2] == big, "a big job arrives intact");
    assert_eq!(printer.bytes(), [jobs[0].as_slice(), b"second", &big].concat());
    assert_eq!(format!("{printer:?}"), format!("FakePrinter {{ port: {}, mode: Online, jobs: 3 }}", printer.port()));
}

#[tokio::test]
async fn a_connection_that_sends_nothing_or_only_asks_status_is_no_job() {
    let printer = FakePrinter::start().await;
    print(&printer, b"").await;
    assert_eq!(print(&printer, &STATUS_REQUESTS).await, ALL_CLEAR);
    assert!(!printer.wait_for_jobs(1, Duration::from_millis(100)).await, "no job");
    assert!(printer.bytes().is_empty());
}

#[tokio::test]
async fn status_requests_are_answered_anywhere_in_the_stream() {
    let printer = FakePrinter::start().await;
    assert_eq!(status(&printer).await, ALL_CLEAR);

    // A request split across writes, and one inside a job: answered, and the job is kept as sent.
    let mut stream = connect(&printer).await;
    stream.write_all(b"ab\x10").await.expect("writes");
    tokio::time::sleep(Duration::from_millis(50)).await;
    stream.write_all(b"\x04\x04cd\x10\x04\x09\x10").await.expect("writes");
    stream.shutdown().await.expect("shuts down");
    let mut said = Vec::new();
    timeout(WAIT, stream.read_to_end(&mut said)).await.expect("closes").expect("reads");
    assert_eq!(said, [0x12], "one request (10 04 04); 10 04 09 is no request");
    assert_eq!(printer.jobs(), [b"ab\x10\x04\x04cd\x10\x04\x09\x10".to_vec()]);
}

#[tokio::test]
async fn offline_refuses_at_once_and_comes_back_on_the_same_port() {
    let printer = FakePrinter::start().await;
    let port = printer.port();
    printer.set_mode(PrinterMode::Offline);
    assert_eq!(printer.mode(), PrinterMode::Offline);
    let refused = timeout(WAIT, TcpStream::connect(("127.0.0.1", port))).await.expect("fails fast");
    assert_eq!(refused.expect_err("offline").kind(), ErrorKind::ConnectionRefused);

    printer.set_mode(PrinterMode::Online);
    assert_eq!(printer.port(), port);
    print(&printer, b"after the power came back").await;
    assert_eq!(printer.jobs(), [b"after the power came back".to_vec()]);
    assert_eq!(status(&printer).await, ALL_CLEAR);

    // Offline again and back, twice over: still the same port.
    for _ in 0..2 {
        printer.set_mode(PrinterMode::Offline);
        assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
        printer.set_mode(PrinterMode::Online);
        assert_eq!(status(&printer).await, ALL_CLEAR);
    }
}

#[tokio::test]
async fn going_offline_drops_open_connections() {
    let printer = FakePrinter::start().await;
    let mut stream = connect(&printer).await;
    stream.write_all(b"half a tic").await.expect("writes");
    tokio::time::sleep(Duration::from_millis(50)).await;
    printer.set_mode(PrinterMode::Offline);
    let mut said = Vec::new();
    let ended = timeout(WAIT, stream.read_to_end(&mut said)).await.expect("the connection ends");
    assert!(ended.is_err() || said.is_empty());
    printer.set_mode(PrinterMode::Online);
    assert!(printer.jobs().is_empty(), "half a job is no job");
}

#[tokio::test]
async fn stall_makes_a_sender_time_out_and_records_nothing() {
    let printer = FakePrinter::start().await;
    printer.set_mode(PrinterMode::Stall);
    let mut stream = connect(&printer).await;
    let job = vec![b'x'; 8 * 1024 * 1024];
    let mut sent = 0;
    let mut stalled = false;
    // Each write waits at most 300 ms; bounded by the job's size either way.
    while sent < job.len() {
        match timeout(Duration::from_millis(300), stream.write(&job[sent..])).await {
            Err(_) => {
                stalled = true;
                break;
            }
            Ok(written) => sent += written.expect("writes"),
        }
    }
    assert!(stalled, "the write stalled after {sent} bytes");
    assert!(sent < job.len());
    // Status is not answered either: the printer reads nothing.
    let mut asking = connect(&printer).await;
    asking.write_all(&STATUS_REQUESTS).await.expect("asks");
    let mut answer = [0u8; 1];
    assert!(timeout(Duration::from_millis(300), asking.read(&mut answer)).await.is_err(), "no answer");

    printer.set_mode(PrinterMode::Online);
    // The stalled connections are dropped, unread.
    let mut rest = Vec::new();
    let ended = timeout(WAIT, asking.read_to_end(&mut rest)).await.expect("dropped");
    assert!(ended.is_err() || rest.is_empty());
    print(&printer, b"unstuck").await;
    assert_eq!(printer.jobs(), [b"unstuck".to_vec()]);
}

#[tokio::test]
async fn paper_out_discards_jobs_and_says_so() {
    let printer = FakePrinter::start().await;
    printer.set_mode(PrinterMode::PaperOut);
    assert_eq!(status(&printer).await, PAPER_OUT);
    assert_eq!(print(&printer, b"lost ticket").await, b"", "the job is taken, and thrown away");
    assert_eq!(print(&printer, &[b"\x1b@".as_slice(), &[0x10, 0x04, 0x03]].concat()).await, [0x12]);
    assert!(!printer.wait_for_jobs(1, Duration::from_millis(100)).await);

    printer.set_mode(PrinterMode::Online);
    assert_eq!(status(&printer).await, ALL_CLEAR);
    print(&printer, b"new roll").await;
    assert_eq!(printer.jobs(), [b"new roll".to_vec()]);
}

#[tokio::test]
async fn wait_for_jobs_sees_a_job_that_arrives_later() {
    let printer = FakePrinter::start().await;
    let waiter = {
        let printer = printer.clone();
        tokio::spawn(async move { printer.wait_for_jobs(2, WAIT).await })
    };
    print(&printer, b"one").await;
    print(&printer, b"two").await;
    assert!(timeout(WAIT, waiter).await.expect("in time").expect("task"));
    assert!(printer.wait_for_jobs(2, Duration::ZERO).await);
    assert!(!printer.wait_for_jobs(3, Duration::from_millis(50)).await);
}

#[tokio::test]
async fn the_printer_stops_with_its_last_handle() {
    let printer = FakePrinter::start().await;
    let port = printer.port();
    let other = printer.clone();
    drop(printer);
    assert_eq!(status(&other).await, ALL_CLEAR, "a clone keeps it running");
    drop(other);
    let refused = timeout(WAIT, TcpStream::connect(("127.0.0.1", port))).await.expect("fails fast");
    assert_eq!(refused.expect_err("stopped").kind(), ErrorKind::ConnectionRefused);
}

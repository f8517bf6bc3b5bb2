//! The kill -9 drill of `cargo xtask faults` (30 kills there), cut to three kills so that every
//! CI run has it: eight tablets take orders without pause while the real binary is killed at
//! random moments and restarted; they resend unanswered requests with the same idempotency
//! keys, as tablets do. Everything acknowledged is there after each restart, nothing twice —
//! lines, payments, kitchen tickets, and tickets on paper (a second copy only as REPRINT).

use std::path::Path;

const BIN: &str = env!("CARGO_BIN_EXE_comanda");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_nothing_and_doubles_nothing() {
    let report = comanda_bench::faults::kill_loop(Path::new(BIN), 3, 8).await.expect("the drill runs");
    assert_eq!(report.kills, 3);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!((report.lost, report.doubled), (0, 0));
    assert!(report.acknowledged >= 50 && report.tickets >= 30, "the box was under load: {report:?}");
}

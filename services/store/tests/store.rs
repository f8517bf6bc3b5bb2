//! The store's promises, tested on a real SQLite file in a temp dir: writes are atomic with
//! their events, the log is gap-free and hash-chained, tampering is found, subscribers resume
//! where they left off, and edited migrations are refused.

use std::sync::Arc;

use comanda_domain::{Actor, Event, ShiftEvent, ShiftId, StaffId, SystemClock};
use comanda_store::{Migration, Migrations, Store, StoreError};

static NO_SERVICES: &[&Migrations] = &[];

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("comanda.db"), Arc::new(SystemClock), NO_SERVICES).expect("store opens")
}

fn clocked_in() -> Event {
    Event::StaffClockedIn(ShiftEvent {
        shift_id: ShiftId::new(),
        staff_id: StaffId::new(),
        started_at: time::OffsetDateTime::now_utc(),
        ended_at: None,
        hourly_rate: None,
    })
}

#[derive(Debug, PartialEq)]
enum TestError {
    Store(String),
    Refused,
}

impl From<StoreError> for TestError {
    fn from(e: StoreError) -> Self {
        TestError::Store(e.to_string())
    }
}

#[tokio::test]
async fn concurrent_writes_get_a_gap_free_chained_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.write(|tx| tx.append(Actor::System, clocked_in()).map(|e| e.seq)).await
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        let seq: Result<u64, StoreError> = t.await.expect("task");
        seqs.push(seq.expect("write"));
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=200).collect::<Vec<u64>>());
    assert_eq!(store.last_seq(), 200);
    let report = store.verify_chain().await.expect("reads").expect("chain intact");
    assert_eq!((report.events, report.last_seq), (200, 200));
}

#[tokio::test]
async fn a_failed_write_leaves_no_trace_and_no_gap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    store
        .write(|tx| tx.append(Actor::System, clocked_in()).map(|_| ()))
        .await
        .map_err(|e: StoreError| e)
        .expect("first");
    let failed: Result<(), TestError> = store
        .write(|tx| {
            tx.append(Actor::System, clocked_in())?;
            tx.set_cursor("audit", 1)?;
            Err(TestError::Refused)
        })
        .await;
    assert_eq!(failed, Err(TestError::Refused));
    let third: u64 = store
        .write(|tx| tx.append(Actor::System, clocked_in()).map(|e| e.seq))
        .await
        .map_err(|e: StoreError| e)
        .expect("third");
    assert_eq!(third, 2, "the rolled-back event did not take a seq");
    let events = store.events_after(0, 100).await.expect("read");
    assert_eq!(events.len(), 2);
    let sub = store.subscriber("audit").await.expect("subscriber");
    assert_eq!(sub.cursor(), 0, "the cursor move was rolled back with the rest");
}

#[tokio::test]
async fn a_panicking_write_does_not_stop_the_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let panicked: Result<(), StoreError> = store
        .write(|tx| {
            tx.append(Actor::System, clocked_in())?;
            panic!("bug in a service");
        })
        .await;
    assert!(matches!(panicked, Err(StoreError::Unavailable(_))));
    let seq: u64 = store
        .write(|tx| tx.append(Actor::System, clocked_in()).map(|e| e.seq))
        .await
        .map_err(|e: StoreError| e)
        .expect("writer still alive");
    assert_eq!(seq, 1);
}

#[tokio::test]
async fn check_names_the_first_tampered_event() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("comanda.db");
    {
        let store = open(&dir);
        for _ in 0..5 {
            store
                .write(|tx| tx.append(Actor::System, clocked_in()).map(|_| ()))
                .await
                .map_err(|e: StoreError| e)
                .expect("write");
        }
        store.shutdown().await;
    }
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    let refused = raw.execute("UPDATE events SET data = '{}' WHERE seq = 3", []);
    assert!(refused.is_err(), "the log refuses updates");
    assert!(raw.execute("DELETE FROM events WHERE seq = 3", []).is_err(), "the log refuses deletes");

    raw.execute_batch("DROP TRIGGER events_never_updated; UPDATE events SET actor = 'system ' WHERE seq = 3;")
        .expect("a determined tamperer");
    let broken = comanda_store::verify_chain_at(&path).expect("reads").expect_err("tamper found");
    assert_eq!(broken.seq, 3);

    raw.execute_batch("UPDATE events SET actor = 'system' WHERE seq = 3; DROP TRIGGER events_never_deleted; DELETE FROM events WHERE seq = 4;")
        .expect("delete one");
    let broken = comanda_store::verify_chain_at(&path).expect("reads").expect_err("gap found");
    assert_eq!(broken.seq, 4);
}

#[tokio::test]
async fn subscribers_resume_from_their_cursor_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = open(&dir);
        for _ in 0..3 {
            store
                .write(|tx| tx.append(Actor::System, clocked_in()).map(|_| ()))
                .await
                .map_err(|e: StoreError| e)
                .expect("write");
        }
        let mut sub = store.subscriber("kitchen").await.expect("sub");
        let batch = sub.next_batch(2).await.expect("batch");
        assert_eq!(batch.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2]);
        sub.ack(2).await.expect("ack");
        store.shutdown().await;
    }
    let store = open(&dir);
    let mut sub = store.subscriber("kitchen").await.expect("sub");
    assert_eq!(sub.cursor(), 2);
    let batch = sub.next_batch(10).await.expect("batch");
    assert_eq!(batch.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3]);
    sub.ack(3).await.expect("ack");

    // Woken by a later commit, without polling.
    let waiter = tokio::spawn(async move { sub.next_batch(10).await.map(|b| b[0].seq) });
    store
        .write(|tx| tx.append(Actor::System, clocked_in()).map(|_| ()))
        .await
        .map_err(|e: StoreError| e)
        .expect("write");
    assert_eq!(waiter.await.expect("task").expect("batch"), 4);
}

#[tokio::test]
async fn shutdown_finishes_queued_writes_then_refuses_new_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.write(|tx| tx.append(Actor::System, clocked_in()).map(|e| e.seq)).await
        }));
    }
    tokio::task::yield_now().await;
    store.shutdown().await;
    let mut ok = 0;
    for t in tasks {
        let r: Result<u64, StoreError> = t.await.expect("task");
        match r {
            Ok(_) => ok += 1,
            Err(StoreError::Closed) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    let after: Result<u64, StoreError> = store.write(|tx| tx.append(Actor::System, clocked_in()).map(|e| e.seq)).await;
    assert!(matches!(after, Err(StoreError::Closed)));
    let reopened = open(&dir);
    assert_eq!(reopened.last_seq(), ok, "every acknowledged write is there, and only those");
}

static V1: &[Migration] =
    &[Migration { version: 1, name: "init", sql: "CREATE TABLE demo_things (id TEXT PRIMARY KEY) STRICT;" }];
static V1_EDITED: &[Migration] =
    &[Migration { version: 1, name: "init", sql: "CREATE TABLE demo_things (id TEXT PRIMARY KEY, x TEXT) STRICT;" }];
static V2: &[Migration] = &[
    Migration { version: 1, name: "init", sql: "CREATE TABLE demo_things (id TEXT PRIMARY KEY) STRICT;" },
    Migration { version: 2, name: "names", sql: "ALTER TABLE demo_things ADD COLUMN name TEXT;" },
];

#[test]
fn migrations_are_add_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("comanda.db");
    let clock = Arc::new(SystemClock);
    let open_with = |steps: &'static [Migration]| {
        let m: &'static Migrations = Box::leak(Box::new(Migrations { service: "demo", steps }));
        Store::open(&path, clock.clone(), &[m]).map(|_| ())
    };
    open_with(V1).expect("fresh database migrates");
    open_with(V1).expect("re-opening applies nothing new");
    let edited = open_with(V1_EDITED).expect_err("edited migration refused");
    assert!(edited.to_string().contains("demo migration 1 was edited"), "{edited}");
    open_with(V2).expect("a new step applies");
    let older = open_with(V1).expect_err("an older build refuses newer data");
    assert!(older.to_string().contains("newer version"), "{older}");

    let m = Migrations { service: "demo", steps: V2 };
    let status = comanda_store::migration_status(&path, &[&m]).expect("status");
    assert!(status.iter().all(|s| s.is_ok()), "{status:?}");
    assert_eq!(status[1].applied, vec![1, 2]);
}

#[tokio::test]
async fn a_transaction_lost_mid_batch_fails_the_rest_of_the_batch_and_keeps_the_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    // A holds the writer while B and C queue up behind it, so B and C share the next batch.
    let a = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .write(|tx| {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    tx.append(Actor::System, clocked_in()).map(|e| e.seq)
                })
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    // B: SQLite rolls the transaction back underneath it (as on disk full).
    let b = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .write(|tx| {
                    tx.append(Actor::System, clocked_in())?;
                    tx.conn().execute_batch("ROLLBACK").map_err(StoreError::from)?;
                    Ok::<_, StoreError>(())
                })
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    let c = {
        let store = store.clone();
        tokio::spawn(async move { store.write(|tx| tx.append(Actor::System, clocked_in()).map(|e| e.seq)).await })
    };
    let a: Result<u64, StoreError> = a.await.expect("a");
    assert_eq!(a.expect("A committed alone"), 1);
    let b: Result<(), StoreError> = b.await.expect("b");
    assert!(matches!(b, Err(StoreError::Unavailable(_))), "{b:?}");
    let c: Result<u64, StoreError> = c.await.expect("c");
    assert!(matches!(c, Err(StoreError::Unavailable(_))), "C must not commit outside the batch: {c:?}");

    let d: u64 = store
        .write(|tx| tx.append(Actor::System, clocked_in()).map(|e| e.seq))
        .await
        .map_err(|e: StoreError| e)
        .expect("d");
    assert_eq!(d, 2, "no gap, no lost seq");
    let report = store.verify_chain().await.expect("reads").expect("chain intact");
    assert_eq!(report.last_seq, 2);
}

#[tokio::test]
async fn events_can_be_found_by_type_and_actor_newest_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let staff = StaffId::new();
    for actor in [Actor::System, Actor::Staff(staff), Actor::Staff(staff)] {
        store
            .write(move |tx| tx.append(actor, clocked_in()).map(|_| ()))
            .await
            .map_err(|e: StoreError| e)
            .expect("write");
    }
    let by_staff = comanda_store::EventFilter { actor: Some(staff.to_string()), limit: 10, ..Default::default() };
    let found = store.events_matching(by_staff).await.expect("read");
    assert_eq!(found.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 2]);
    let other_type = comanda_store::EventFilter { types: vec!["order.sent".into()], limit: 10, ..Default::default() };
    assert!(store.events_matching(other_type).await.expect("read").is_empty());
    let page = comanda_store::EventFilter { before_seq: Some(3), limit: 1, ..Default::default() };
    assert_eq!(store.events_matching(page).await.expect("read")[0].seq, 2);
}

/// SQLITE_FULL, here from `max_page_count` (the same code a full disk gives): the request is
/// refused with `DiskFull`, nothing of it stays, and the writer carries on — once there is
/// room again the same request goes through and the chain has no gap.
#[tokio::test]
async fn a_full_database_refuses_with_disk_full_and_the_writer_carries_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir);
    let limit = |pages: Option<i64>| {
        move |tx: &mut comanda_store::WriteTx<'_>| {
            let current: i64 = tx.conn().query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let set = pages.unwrap_or(current);
            tx.conn().query_row(&format!("PRAGMA max_page_count = {set}"), [], |r| r.get::<_, i64>(0))?;
            Ok::<_, StoreError>(())
        }
    };
    let big = |tx: &mut comanda_store::WriteTx<'_>| {
        tx.conn().execute_batch("CREATE TABLE IF NOT EXISTS ballast (b BLOB)")?;
        for _ in 0..50 {
            tx.append(Actor::System, clocked_in())?;
            tx.conn().execute("INSERT INTO ballast VALUES (zeroblob(65536))", [])?;
        }
        Ok::<_, StoreError>(store_last_seq(tx))
    };
    store.write(|tx| tx.append(Actor::System, clocked_in()).map(|_| ())).await.expect("first");
    store.write(limit(None)).await.expect("no more pages");
    let refused = store.write(big).await;
    assert!(matches!(refused, Err(StoreError::DiskFull(_))), "{refused:?}");
    assert_eq!(store.last_seq(), 1, "nothing of the refused request committed");

    store.write(limit(Some(1_000_000))).await.expect("room again");
    let seq = store.write(big).await.expect("the same request fits now");
    assert_eq!(seq, 51, "no gap: the refused request's seqs were reused");
    let report = store.verify_chain().await.expect("reads").expect("chain intact");
    assert_eq!(report.last_seq, 51);
}

fn store_last_seq(tx: &mut comanda_store::WriteTx<'_>) -> u64 {
    tx.conn().query_row("SELECT MAX(seq) FROM events", [], |r| r.get::<_, i64>(0)).map_or(0, |s| s as u64)
}

#[test]
fn enospc_is_disk_full() {
    let e = StoreError::from(std::io::Error::from(std::io::ErrorKind::StorageFull));
    assert!(e.is_disk_full(), "{e}");
    assert!(!StoreError::from(std::io::Error::from(std::io::ErrorKind::PermissionDenied)).is_disk_full());
}

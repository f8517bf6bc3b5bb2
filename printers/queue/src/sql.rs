//! Every SQL statement of the printing service, and nowhere else. Parameterised only.

use comanda_domain::{PrintJobId, PrinterId};
use comanda_printers::document::Document;
use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;

use crate::model::{JobStatus, PrintJob, Printer, PrinterRole, code_page_str, parse_code_page};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn parse<T: std::str::FromStr>(row: &Row<'_>, idx: usize, what: &str) -> rusqlite::Result<T> {
    row.get::<_, String>(idx)?.parse().map_err(|_| bad(what))
}

const PRINTER_COLUMNS: &str = "id, name, role, address, width_chars, code_page, backup_printer_id, active";

fn printer(row: &Row<'_>) -> rusqlite::Result<Printer> {
    Ok(Printer {
        id: parse(row, 0, "id")?,
        name: row.get(1)?,
        role: if row.get::<_, String>(2)? == "receipt" { PrinterRole::Receipt } else { PrinterRole::Kitchen },
        address: row.get(3)?,
        width_chars: row.get(4)?,
        code_page: parse_code_page(&row.get::<_, String>(5)?).ok_or_else(|| bad("code page"))?,
        backup_printer_id: row
            .get::<_, Option<String>>(6)?
            .map(|b| b.parse().map_err(|_| bad("backup")))
            .transpose()?,
        active: row.get(7)?,
    })
}

pub fn insert_printer(conn: &Connection, p: &Printer, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO printing_printers (id, name, name_key, role, address, width_chars, code_page, backup_printer_id, active,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            p.id.to_string(),
            p.name,
            p.name.to_lowercase(),
            p.role.as_str(),
            p.address,
            p.width_chars,
            code_page_str(p.code_page),
            p.backup_printer_id.map(|b| b.to_string()),
            p.active,
            sql_time(now)
        ],
    )?;
    Ok(())
}

pub fn update_printer(conn: &Connection, p: &Printer, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE printing_printers SET name = ?2, name_key = ?3, role = ?4, address = ?5, width_chars = ?6, code_page = ?7,
             backup_printer_id = ?8, active = ?9, updated_at = ?10 WHERE id = ?1",
        params![
            p.id.to_string(),
            p.name,
            p.name.to_lowercase(),
            p.role.as_str(),
            p.address,
            p.width_chars,
            code_page_str(p.code_page),
            p.backup_printer_id.map(|b| b.to_string()),
            p.active,
            sql_time(now)
        ],
    )?;
    Ok(())
}

pub fn printer_by_id(conn: &Connection, id: PrinterId) -> Result<Option<Printer>, StoreError> {
    let sql = format!("SELECT {PRINTER_COLUMNS} FROM printing_printers WHERE id = ?1");
    Ok(conn.query_row(&sql, params![id.to_string()], printer).optional()?)
}

pub fn printers(conn: &Connection, include_inactive: bool) -> Result<Vec<Printer>, StoreError> {
    let sql = format!("SELECT {PRINTER_COLUMNS} FROM printing_printers WHERE ?1 OR active = 1 ORDER BY name_key");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![include_inactive], printer)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn name_taken(conn: &Connection, name: &str, except: Option<PrinterId>) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM printing_printers WHERE name_key = ?1 AND active = 1 AND id <> ?2)",
        params![name.to_lowercase(), except.map(|e| e.to_string()).unwrap_or_default()],
        |r| r.get(0),
    )?)
}

/// The first active receipt printer: where receipts, reports and drawer kicks go by default.
pub fn receipt_printer(conn: &Connection) -> Result<Option<Printer>, StoreError> {
    let sql = format!(
        "SELECT {PRINTER_COLUMNS} FROM printing_printers WHERE role = 'receipt' AND active = 1 ORDER BY created_at LIMIT 1"
    );
    Ok(conn.query_row(&sql, [], printer).optional()?)
}

pub struct NewJob<'a> {
    pub id: PrintJobId,
    pub printer_id: PrinterId,
    pub kind: &'a str,
    pub source: Option<String>,
    pub document: &'a Document,
    pub reprint: bool,
    pub now: OffsetDateTime,
}

pub fn insert_job(conn: &Connection, j: &NewJob<'_>) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO printing_jobs (id, printer_id, original_printer_id, kind, source, document, reprint, status, created_at,
             next_attempt_at)
         VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7)",
        params![
            j.id.to_string(),
            j.printer_id.to_string(),
            j.kind,
            j.source,
            serde_json::to_string(j.document)?,
            j.reprint,
            sql_time(j.now)
        ],
    )?;
    Ok(())
}

/// A job with its document (for the worker).
#[derive(Clone, Debug)]
pub struct QueuedJob {
    pub id: PrintJobId,
    pub kind: String,
    pub document: Document,
    pub reprint: bool,
    pub attempts: u32,
}

/// The oldest job due on `printer`. Jobs are taken strictly in order: a job waiting for its
/// next attempt holds back the ones behind it (tickets of a station print in order).
pub fn head_job(conn: &Connection, printer: PrinterId) -> Result<Option<(QueuedJob, OffsetDateTime)>, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, kind, document, reprint, attempts, next_attempt_at FROM printing_jobs
             WHERE printer_id = ?1 AND status IN ('queued', 'sending') ORDER BY id LIMIT 1",
            params![printer.to_string()],
            |r| {
                Ok((
                    QueuedJob {
                        id: parse(r, 0, "id")?,
                        kind: r.get(1)?,
                        document: serde_json::from_str(&r.get::<_, String>(2)?).map_err(|_| bad("document"))?,
                        reprint: r.get(3)?,
                        attempts: r.get(4)?,
                    },
                    parse_sql_time(&r.get::<_, String>(5)?).map_err(|_| bad("time"))?,
                ))
            },
        )
        .optional()?;
    Ok(row)
}

/// Recorded before the bytes go out: if the box dies now, the job may have printed.
pub fn mark_sending(conn: &Connection, id: PrintJobId, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE printing_jobs SET status = 'sending', attempts = attempts + 1,
             first_attempt_at = COALESCE(first_attempt_at, ?2) WHERE id = ?1",
        params![id.to_string(), sql_time(now)],
    )?;
    Ok(())
}

pub fn mark_printed(conn: &Connection, id: PrintJobId, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE printing_jobs SET status = 'printed', printed_at = ?2, last_error = NULL WHERE id = ?1",
        params![id.to_string(), sql_time(now)],
    )?;
    Ok(())
}

pub fn mark_retry(conn: &Connection, id: PrintJobId, next: OffsetDateTime, error: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE printing_jobs SET status = 'queued', next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
        params![id.to_string(), sql_time(next), error],
    )?;
    Ok(())
}

/// After a restart: jobs caught mid-send may have printed, so they print again marked REPRINT.
pub fn recover_sending(conn: &Connection, printer: PrinterId) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE printing_jobs SET status = 'queued', reprint = 1 WHERE printer_id = ?1 AND status = 'sending'",
        params![printer.to_string()],
    )?)
}

/// Moves every waiting job of `from` to `to`, keeping their order (ids are time-ordered).
pub fn reroute(conn: &Connection, from: PrinterId, to: PrinterId, now: OffsetDateTime) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE printing_jobs SET printer_id = ?2, status = 'queued', next_attempt_at = ?3, attempts = 0,
             first_attempt_at = NULL
         WHERE printer_id = ?1 AND status IN ('queued', 'sending')",
        params![from.to_string(), to.to_string(), sql_time(now)],
    )?)
}

pub fn queued_count(conn: &Connection, printer: PrinterId) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM printing_jobs WHERE printer_id = ?1 AND status IN ('queued', 'sending')",
        params![printer.to_string()],
        |r| r.get(0),
    )?)
}

pub fn copies_of(conn: &Connection, kind: &str, source: &str) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM printing_jobs WHERE kind = ?1 AND source = ?2",
        params![kind, source],
        |r| r.get(0),
    )?)
}

const JOB_COLUMNS: &str =
    "j.id, j.printer_id, j.original_printer_id, j.kind, j.source, j.reprint, j.status, j.attempts,
    j.last_error, j.created_at, j.printed_at, j.document, p.width_chars";

fn job(row: &Row<'_>) -> rusqlite::Result<PrintJob> {
    let document: Document = serde_json::from_str(&row.get::<_, String>(11)?).map_err(|_| bad("document"))?;
    let reprint: bool = row.get(5)?;
    let width: u32 = row.get(12)?;
    let width = usize::try_from(width).unwrap_or(42);
    let shown = if reprint { document.marked_reprint() } else { document };
    Ok(PrintJob {
        id: parse(row, 0, "id")?,
        printer_id: parse(row, 1, "printer")?,
        original_printer_id: parse(row, 2, "printer")?,
        kind: row.get(3)?,
        source: row.get(4)?,
        reprint,
        status: JobStatus::parse(&row.get::<_, String>(6)?).ok_or_else(|| bad("status"))?,
        attempts: row.get(7)?,
        last_error: row.get(8)?,
        created_at: parse_sql_time(&row.get::<_, String>(9)?).map_err(|_| bad("time"))?,
        printed_at: row
            .get::<_, Option<String>>(10)?
            .map(|t| parse_sql_time(&t))
            .transpose()
            .map_err(|_| bad("time"))?,
        text: shown.to_text(width),
    })
}

pub fn job_by_id(conn: &Connection, id: PrintJobId) -> Result<Option<PrintJob>, StoreError> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM printing_jobs j JOIN printing_printers p ON p.id = j.printer_id WHERE j.id = ?1"
    );
    Ok(conn.query_row(&sql, params![id.to_string()], job).optional()?)
}

/// What reprinting a job needs: where it went, what kind it was, its source and document.
pub struct JobCopy {
    pub printer: PrinterId,
    pub kind: String,
    pub source: Option<String>,
    pub document: Document,
}

pub fn job_document(conn: &Connection, id: PrintJobId) -> Result<Option<JobCopy>, StoreError> {
    let row = conn
        .query_row(
            "SELECT printer_id, kind, source, document FROM printing_jobs WHERE id = ?1",
            params![id.to_string()],
            |r| {
                Ok(JobCopy {
                    printer: parse(r, 0, "printer")?,
                    kind: r.get(1)?,
                    source: r.get(2)?,
                    document: serde_json::from_str(&r.get::<_, String>(3)?).map_err(|_| bad("document"))?,
                })
            },
        )
        .optional()?;
    Ok(row)
}

pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub printer_id: Option<PrinterId>,
    pub after: Option<PrintJobId>,
    pub limit: u32,
}

pub fn jobs(conn: &Connection, f: &JobFilter) -> Result<Vec<PrintJob>, StoreError> {
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM printing_jobs j JOIN printing_printers p ON p.id = j.printer_id
         WHERE (?1 IS NULL OR j.status = ?1) AND (?2 IS NULL OR j.printer_id = ?2) AND j.id > ?3
         ORDER BY j.id LIMIT ?4"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            f.status.map(|s| s.as_str()),
            f.printer_id.map(|p| p.to_string()),
            f.after.map(|a| a.to_string()).unwrap_or_default(),
            f.limit + 1
        ],
        job,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn requeue(conn: &Connection, id: PrintJobId, now: OffsetDateTime) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE printing_jobs SET status = 'queued', next_attempt_at = ?2 WHERE id = ?1 AND status IN ('queued', 'failed')",
        params![id.to_string(), sql_time(now)],
    )?)
}

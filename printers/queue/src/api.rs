//! HTTP handlers of the printing service (BRIEF §4): printers, their status and test pages,
//! the job list with retry and reprint, and printing a bill's receipt. Nothing here waits for a
//! printer: handlers only write jobs; workers print them.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use comanda_api::{ApiError, ErrorBody, Idempotent, IdempotentJson, Json, Page, PageParams, Path, Query, write_once};
use comanda_domain::{BillId, PrintJobId, PrinterId, Role};
use comanda_printers::encode::CodePage;
use comanda_printers::layout;
use comanda_printers::transport::{self, Address};
use comanda_staff::AuthStaff;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::model::{self, JobStatus, NewPrinter, PrintJob, Printer, PrinterChanges};
use crate::{Printing, enqueue, sql};

pub fn router(printing: Printing) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(list_printers, add_printer))
        .routes(routes!(get_printer, change_printer, remove_printer))
        .routes(routes!(printer_status))
        .routes(routes!(test_print))
        .routes(routes!(list_jobs))
        .routes(routes!(retry_job))
        .routes(routes!(reprint_job))
        .routes(routes!(print_bill))
        .with_state(printing)
}

const KEY: &str = "Replays the first answer on retry";

#[derive(Debug, Serialize, ToSchema)]
pub struct PrinterList {
    pub items: Vec<Printer>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobCreated {
    pub job: PrintJob,
}

/// A printer's state right now: asked of the printer itself (`DLE EOT`), within seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrinterState {
    pub printer_id: PrinterId,
    /// Answered at all.
    pub reachable: bool,
    pub online: bool,
    pub cover_open: bool,
    pub paper_out: bool,
    pub paper_near_end: bool,
    pub error: bool,
    /// What went wrong, for a person, when not reachable.
    pub message: Option<String>,
    /// Jobs waiting for this printer.
    pub queued_jobs: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobListParams {
    /// `queued`, `sending`, `printed` or `failed`.
    pub status: Option<String>,
    pub printer_id: Option<PrinterId>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PrintRequest {
    /// Another printer than the first receipt printer.
    pub printer_id: Option<PrinterId>,
}

fn check_backup(
    c: &comanda_store::rusqlite::Connection,
    backup: Option<PrinterId>,
    me: Option<PrinterId>,
) -> Result<(), ApiError> {
    if let Some(b) = backup {
        if Some(b) == me {
            return Err(ApiError::validation("backup_printer_id: a printer cannot back itself up"));
        }
        if !sql::printer_by_id(c, b)?.is_some_and(|p| p.active) {
            return Err(ApiError::validation("backup_printer_id: no such printer"));
        }
    }
    Ok(())
}

/// Printers (every member of staff may see them: the kitchen wants to know where tickets go).
#[utoipa::path(get, path = "/printers", tag = "printing", security(("bearer" = [])),
    responses((status = 200, description = "OK", body = PrinterList)))]
async fn list_printers(State(p): State<Printing>, _who: AuthStaff) -> Result<axum::Json<PrinterList>, ApiError> {
    Ok(axum::Json(PrinterList { items: p.store.read(|c| sql::printers(c, false)).await? }))
}

/// Add a printer (managers).
#[utoipa::path(post, path = "/printers", tag = "printing", request_body = NewPrinter, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = KEY)),
    responses((status = 201, description = "Created", body = Printer), (status = 403, description = "Not allowed for your role", body = ErrorBody),
        (status = 409, description = "Name taken", body = ErrorBody), (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn add_printer(
    State(p): State<Printing>,
    who: AuthStaff,
    req: IdempotentJson<NewPrinter>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    let new = req.body;
    let printer = Printer {
        id: PrinterId::new(),
        name: model::name(&new.name)?,
        role: new.role,
        address: model::address(&new.address)?,
        width_chars: model::width(new.width_chars.unwrap_or(42))?,
        code_page: new.code_page.unwrap_or(CodePage::Cp858),
        backup_printer_id: new.backup_printer_id,
        active: true,
    };
    let id = printer.id;
    let response = write_once(&p.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        if sql::name_taken(tx.conn(), &printer.name, None)? {
            return Err(ApiError::conflict(format!("a printer is already called {}", printer.name)));
        }
        check_backup(tx.conn(), printer.backup_printer_id, None)?;
        sql::insert_printer(tx.conn(), &printer, tx.now())?;
        Ok(printer)
    })
    .await?;
    p.ensure_worker(id);
    Ok(response)
}

/// One printer.
#[utoipa::path(get, path = "/printers/{id}", tag = "printing", params(("id" = PrinterId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Printer), (status = 404, description = "Not found", body = ErrorBody)))]
async fn get_printer(
    State(p): State<Printing>,
    _who: AuthStaff,
    Path(id): Path<PrinterId>,
) -> Result<axum::Json<Printer>, ApiError> {
    p.printer(id).await.map(axum::Json)
}

/// Change a printer (managers); `{"active": false}` takes it out of service.
#[utoipa::path(patch, path = "/printers/{id}", tag = "printing", params(("id" = PrinterId, Path)), request_body = PrinterChanges,
    security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Printer), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Name taken", body = ErrorBody), (status = 422, description = "Validation failed", body = ErrorBody)))]
async fn change_printer(
    State(p): State<Printing>,
    who: AuthStaff,
    Path(id): Path<PrinterId>,
    Json(changes): Json<PrinterChanges>,
) -> Result<axum::Json<Printer>, ApiError> {
    who.require_manager()?;
    let name = changes.name.as_deref().map(model::name).transpose()?;
    let address = changes.address.as_deref().map(model::address).transpose()?;
    let width = changes.width_chars.map(model::width).transpose()?;
    let printer = p
        .store
        .write(move |tx| {
            let mut printer =
                sql::printer_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such printer"))?;
            if let Some(n) = name {
                if sql::name_taken(tx.conn(), &n, Some(id))? {
                    return Err(ApiError::conflict(format!("a printer is already called {n}")));
                }
                printer.name = n;
            }
            printer.role = changes.role.unwrap_or(printer.role);
            printer.address = address.unwrap_or(printer.address);
            printer.width_chars = width.unwrap_or(printer.width_chars);
            printer.code_page = changes.code_page.unwrap_or(printer.code_page);
            if let Some(backup) = changes.backup_printer_id {
                check_backup(tx.conn(), backup, Some(id))?;
                printer.backup_printer_id = backup;
            }
            printer.active = changes.active.unwrap_or(printer.active);
            sql::update_printer(tx.conn(), &printer, tx.now())?;
            Ok::<_, ApiError>(printer)
        })
        .await?;
    if printer.active {
        p.ensure_worker(id);
    }
    Ok(axum::Json(printer))
}

/// Take a printer out of service (managers). Its waiting jobs stay queued until it returns or
/// they are retried elsewhere.
#[utoipa::path(delete, path = "/printers/{id}", tag = "printing", params(("id" = PrinterId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "Deactivated", body = Printer), (status = 404, description = "Not found", body = ErrorBody)))]
async fn remove_printer(
    State(p): State<Printing>,
    who: AuthStaff,
    Path(id): Path<PrinterId>,
) -> Result<axum::Json<Printer>, ApiError> {
    who.require_manager()?;
    let printer = p
        .store
        .write(move |tx| {
            let mut printer =
                sql::printer_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such printer"))?;
            printer.active = false;
            sql::update_printer(tx.conn(), &printer, tx.now())?;
            Ok::<_, ApiError>(printer)
        })
        .await?;
    Ok(axum::Json(printer))
}

/// Ask the printer how it is (online, cover open, paper out). Answers within a few seconds
/// even when the printer is unreachable.
#[utoipa::path(get, path = "/printers/{id}/status", tag = "printing", params(("id" = PrinterId, Path)), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = PrinterState), (status = 404, description = "Not found", body = ErrorBody)))]
async fn printer_status(
    State(p): State<Printing>,
    _who: AuthStaff,
    Path(id): Path<PrinterId>,
) -> Result<axum::Json<PrinterState>, ApiError> {
    let printer = p.printer(id).await?;
    let queued_jobs = p.store.read(move |c| sql::queued_count(c, id)).await?;
    let address: Address =
        printer.address.parse().map_err(|_| ApiError::conflict("the printer's address is invalid"))?;
    let state = match transport::status(&address, &p.config.timeouts).await {
        Ok(s) => PrinterState {
            printer_id: id,
            reachable: true,
            online: s.online,
            cover_open: s.cover_open,
            paper_out: s.paper_out,
            paper_near_end: s.paper_near_end,
            error: s.error,
            message: None,
            queued_jobs,
        },
        Err(e) => PrinterState {
            printer_id: id,
            reachable: false,
            online: false,
            cover_open: false,
            paper_out: false,
            paper_near_end: false,
            error: true,
            message: Some(e.to_string()),
            queued_jobs,
        },
    };
    Ok(axum::Json(state))
}

fn box_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.len() <= 255 && h.chars().all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("comanda.local");
    format!("http://{host}/")
}

/// Print a test page (the box's address and a QR of it, the width, the code page's € and accents).
#[utoipa::path(post, path = "/printers/{id}/test", tag = "printing", params(("id" = PrinterId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = KEY)), security(("bearer" = [])),
    responses((status = 201, description = "Queued", body = JobCreated), (status = 404, description = "Not found", body = ErrorBody)))]
async fn test_print(
    State(p): State<Printing>,
    who: AuthStaff,
    idem: Idempotent,
    headers: HeaderMap,
    Path(id): Path<PrinterId>,
) -> Result<Response, ApiError> {
    who.require_manager()?;
    let url = box_url(&headers);
    write_once(&p.store, idem.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        let printer = sql::printer_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such printer"))?;
        let page = layout::test_page(&printer.name, &url, printer.profile().width_chars, printer.code_page);
        let job = enqueue(tx, id, "test", None, &page, false)?;
        Ok(JobCreated { job: sql::job_by_id(tx.conn(), job)?.ok_or_else(|| ApiError::internal("job vanished"))? })
    })
    .await
}

/// Print jobs, oldest first; `?status=queued` shows what is waiting.
#[utoipa::path(get, path = "/print-jobs", tag = "printing", params(JobListParams), security(("bearer" = [])),
    responses((status = 200, description = "OK", body = Page<PrintJob>), (status = 400, description = "Malformed request", body = ErrorBody)))]
async fn list_jobs(
    State(p): State<Printing>,
    _who: AuthStaff,
    Query(q): Query<JobListParams>,
) -> Result<axum::Json<Page<PrintJob>>, ApiError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            JobStatus::parse(s)
                .ok_or_else(|| ApiError::bad_request("status must be queued, sending, printed or failed"))
        })
        .transpose()?;
    let limit = PageParams { limit: q.limit, cursor: None }.limit();
    let after =
        q.cursor.as_deref().map(|c| c.parse().map_err(|_| ApiError::bad_request("malformed cursor"))).transpose()?;
    let filter = sql::JobFilter { status, printer_id: q.printer_id, after, limit };
    let rows = p.store.read(move |c| sql::jobs(c, &filter)).await?;
    Ok(axum::Json(Page::from_rows(rows, limit, |j| j.id.to_string())))
}

/// Try a waiting or failed job again now.
#[utoipa::path(post, path = "/print-jobs/{id}/retry", tag = "printing", params(("id" = PrintJobId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = KEY)), security(("bearer" = [])),
    responses((status = 200, description = "Queued again", body = PrintJob), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Already printed or printing", body = ErrorBody)))]
async fn retry_job(
    State(p): State<Printing>,
    who: AuthStaff,
    idem: Idempotent,
    Path(id): Path<PrintJobId>,
) -> Result<Response, ApiError> {
    write_once(&p.store, idem.for_actor(who.actor()), StatusCode::OK, move |tx| {
        if sql::requeue(tx.conn(), id, tx.now())? == 0 {
            return match sql::job_by_id(tx.conn(), id)? {
                None => Err(ApiError::not_found("no such print job")),
                Some(_) => Err(ApiError::conflict("this job is printed or printing; reprint it instead")),
            };
        }
        sql::job_by_id(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such print job"))
    })
    .await
}

/// Print a job again, marked REPRINT.
#[utoipa::path(post, path = "/print-jobs/{id}/reprint", tag = "printing", params(("id" = PrintJobId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = KEY)), security(("bearer" = [])),
    responses((status = 201, description = "Queued", body = JobCreated), (status = 404, description = "Not found", body = ErrorBody)))]
async fn reprint_job(
    State(p): State<Printing>,
    who: AuthStaff,
    idem: Idempotent,
    Path(id): Path<PrintJobId>,
) -> Result<Response, ApiError> {
    write_once(&p.store, idem.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        let copy = sql::job_document(tx.conn(), id)?.ok_or_else(|| ApiError::not_found("no such print job"))?;
        let job = enqueue(tx, copy.printer, &copy.kind, copy.source, &copy.document, true)?;
        Ok(JobCreated { job: sql::job_by_id(tx.conn(), job)?.ok_or_else(|| ApiError::internal("job vanished"))? })
    })
    .await
}

/// Print a bill's receipt; every copy after the first says REPRINT.
#[utoipa::path(post, path = "/bills/{id}/print", tag = "printing", params(("id" = BillId, Path),
    ("Idempotency-Key" = Option<String>, Header, description = KEY)), request_body = PrintRequest, security(("bearer" = [])),
    responses((status = 201, description = "Queued", body = JobCreated), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "No receipt printer", body = ErrorBody)))]
async fn print_bill(
    State(p): State<Printing>,
    who: AuthStaff,
    Path(id): Path<BillId>,
    req: IdempotentJson<PrintRequest>,
) -> Result<Response, ApiError> {
    who.require_role(&[Role::Owner, Role::Manager, Role::Waiter])?;
    let chosen = req.body.printer_id;
    write_once(&p.store, req.idempotency.for_actor(who.actor()), StatusCode::CREATED, move |tx| {
        let bill = comanda_billing::bill_in(tx.conn(), id)?;
        let printer = match chosen {
            Some(pid) => sql::printer_by_id(tx.conn(), pid)?
                .filter(|p| p.active)
                .ok_or_else(|| ApiError::validation("printer_id: no such printer"))?,
            None => sql::receipt_printer(tx.conn())?
                .ok_or_else(|| ApiError::conflict("no receipt printer is set up; add one under printers"))?,
        };
        let restaurant = comanda_site::settings_in(tx.conn())?.map(|s| s.name).unwrap_or_default();
        let document = comanda_billing::receipt::document_in(tx.conn(), &bill, &restaurant);
        let source = id.to_string();
        let reprint = sql::copies_of(tx.conn(), "receipt", &source)? > 0;
        let job = enqueue(tx, printer.id, "receipt", Some(source), &document, reprint)?;
        Ok(JobCreated { job: sql::job_by_id(tx.conn(), job)?.ok_or_else(|| ApiError::internal("job vanished"))? })
    })
    .await
}

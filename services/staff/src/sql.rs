//! Every SQL statement of the staff service, and nowhere else. Parameterised only.

use comanda_domain::{Money, Role, ShiftId, StaffId, TokenFamilyId};

use crate::model::{Shift, StaffMember};
use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};
use comanda_store::{StoreError, parse_sql_time, sql_time};
use time::OffsetDateTime;

/// What login needs: the row and its hashes.
#[derive(Clone, Debug)]
pub struct CredentialRow {
    pub staff: StaffMember,
    pub password_hash: Option<String>,
    pub pin_hash: Option<String>,
}

const STAFF_COLUMNS: &str = "id, name, username, role, active, password_hash IS NOT NULL, pin_hash IS NOT NULL,
    hourly_rate, created_at, updated_at";

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

fn time_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<OffsetDateTime> {
    parse_sql_time(&row.get::<_, String>(idx)?).map_err(|_| bad("time"))
}

fn staff_member(row: &Row<'_>) -> rusqlite::Result<StaffMember> {
    Ok(StaffMember {
        id: row.get::<_, String>(0)?.parse().map_err(|_| bad("id"))?,
        name: row.get(1)?,
        username: row.get(2)?,
        role: row.get::<_, String>(3)?.parse().map_err(|_| bad("role"))?,
        active: row.get(4)?,
        has_password: row.get(5)?,
        has_pin: row.get(6)?,
        hourly_rate: row.get::<_, Option<i64>>(7)?.map(Money::from_minor),
        created_at: time_col(row, 8)?,
        updated_at: time_col(row, 9)?,
    })
}

pub struct NewStaffMember<'a> {
    pub id: StaffId,
    pub name: &'a str,
    pub username: &'a str,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    pub pin_hash: Option<&'a str>,
    pub hourly_rate: Option<Money>,
    pub now: OffsetDateTime,
}

/// `Err(StoreError::Constraint)` when the username is taken.
pub fn insert_staff(conn: &Connection, s: &NewStaffMember<'_>) -> Result<(), StoreError> {
    let now = sql_time(s.now);
    conn.execute(
        "INSERT INTO staff_members (id, name, username, role, password_hash, pin_hash, hourly_rate, active,
             sessions_valid_after, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8, ?8)",
        params![
            s.id.to_string(),
            s.name,
            s.username,
            s.role.as_str(),
            s.password_hash,
            s.pin_hash,
            s.hourly_rate.map(Money::minor),
            now
        ],
    )?;
    Ok(())
}

pub fn username_taken(conn: &Connection, username: &str) -> Result<bool, StoreError> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM staff_members WHERE username = ?1)", params![username], |r| {
        r.get(0)
    })?)
}

pub fn staff_by_id(conn: &Connection, id: StaffId) -> Result<Option<StaffMember>, StoreError> {
    let sql = format!("SELECT {STAFF_COLUMNS} FROM staff_members WHERE id = ?1");
    Ok(conn.query_row(&sql, params![id.to_string()], staff_member).optional()?)
}

pub fn credentials_by_username(conn: &Connection, username: &str) -> Result<Option<CredentialRow>, StoreError> {
    let sql = format!("SELECT {STAFF_COLUMNS}, password_hash, pin_hash FROM staff_members WHERE username = ?1");
    let row = conn
        .query_row(&sql, params![username], |r| {
            Ok(CredentialRow { staff: staff_member(r)?, password_hash: r.get(10)?, pin_hash: r.get(11)? })
        })
        .optional()?;
    Ok(row)
}

/// PIN hashes of active managers and owners: whose PIN approves a void or a discount.
pub fn approver_pin_hashes(conn: &Connection) -> Result<Vec<(StaffId, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, pin_hash FROM staff_members
         WHERE active = 1 AND role IN ('owner', 'manager') AND pin_hash IS NOT NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?.parse().map_err(|_| bad("id"))?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn password_hash(conn: &Connection, id: StaffId) -> Result<Option<String>, StoreError> {
    let hash = conn
        .query_row("SELECT password_hash FROM staff_members WHERE id = ?1", params![id.to_string()], |r| r.get(0))
        .optional()?;
    Ok(hash.flatten())
}

/// Staff in id (= creation) order after `after`, at most `limit` (+1 to tell if there is more).
pub fn list_staff(
    conn: &Connection,
    after: Option<StaffId>,
    limit: u32,
    include_inactive: bool,
) -> Result<Vec<StaffMember>, StoreError> {
    let sql = format!(
        "SELECT {STAFF_COLUMNS} FROM staff_members
         WHERE id > ?1 AND (?2 OR active = 1) ORDER BY id LIMIT ?3"
    );
    let after = after.map(|a| a.to_string()).unwrap_or_default();
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![after, include_inactive, limit + 1], staff_member)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn active_owner_count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM staff_members WHERE role = 'owner' AND active = 1", [], |r| r.get(0))?)
}

pub struct StaffUpdate<'a> {
    pub name: Option<&'a str>,
    pub role: Option<Role>,
    pub password_hash: Option<&'a str>,
    pub pin_hash: Option<&'a str>,
    pub hourly_rate: Option<Money>,
    pub active: Option<bool>,
    /// Set when the change must end existing sessions.
    pub end_sessions: bool,
}

pub fn update_staff(
    conn: &Connection,
    id: StaffId,
    u: &StaffUpdate<'_>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let now = sql_time(now);
    conn.execute(
        "UPDATE staff_members SET
             name = COALESCE(?2, name),
             role = COALESCE(?3, role),
             password_hash = COALESCE(?4, password_hash),
             pin_hash = COALESCE(?5, pin_hash),
             hourly_rate = COALESCE(?6, hourly_rate),
             active = COALESCE(?7, active),
             sessions_valid_after = CASE WHEN ?8 THEN ?9 ELSE sessions_valid_after END,
             updated_at = ?9
         WHERE id = ?1",
        params![
            id.to_string(),
            u.name,
            u.role.map(|r| r.as_str()),
            u.password_hash,
            u.pin_hash,
            u.hourly_rate.map(Money::minor),
            u.active,
            u.end_sessions,
            now
        ],
    )?;
    Ok(())
}

pub fn sessions_valid_after(conn: &Connection) -> Result<Vec<(StaffId, OffsetDateTime)>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, sessions_valid_after FROM staff_members")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?.parse().map_err(|_| bad("id"))?, time_col(r, 1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct NewRefreshToken<'a> {
    pub family: TokenFamilyId,
    pub staff_id: StaffId,
    pub token_hash: &'a str,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

pub fn insert_refresh_token(conn: &Connection, t: &NewRefreshToken<'_>) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO staff_refresh_tokens (id, family_id, staff_id, token_hash, issued_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            comanda_domain::RefreshTokenId::new().to_string(),
            t.family.to_string(),
            t.staff_id.to_string(),
            t.token_hash,
            sql_time(t.issued_at),
            sql_time(t.expires_at)
        ],
    )?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct RefreshRow {
    pub family: TokenFamilyId,
    pub staff_id: StaffId,
    pub expires_at: OffsetDateTime,
    pub spent: bool,
    pub revoked: bool,
}

pub fn refresh_token_by_hash(conn: &Connection, hash: &str) -> Result<Option<RefreshRow>, StoreError> {
    let row = conn
        .query_row(
            "SELECT family_id, staff_id, expires_at, spent_at IS NOT NULL, revoked_at IS NOT NULL
             FROM staff_refresh_tokens WHERE token_hash = ?1",
            params![hash],
            |r| {
                Ok(RefreshRow {
                    family: r.get::<_, String>(0)?.parse().map_err(|_| bad("family"))?,
                    staff_id: r.get::<_, String>(1)?.parse().map_err(|_| bad("staff"))?,
                    expires_at: time_col(r, 2)?,
                    spent: r.get(3)?,
                    revoked: r.get(4)?,
                })
            },
        )
        .optional()?;
    Ok(row)
}

pub fn spend_refresh_token(conn: &Connection, hash: &str, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute("UPDATE staff_refresh_tokens SET spent_at = ?2 WHERE token_hash = ?1", params![hash, sql_time(now)])?;
    Ok(())
}

pub fn revoke_family(conn: &Connection, family: TokenFamilyId, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE staff_refresh_tokens SET revoked_at = ?2 WHERE family_id = ?1 AND revoked_at IS NULL",
        params![family.to_string(), sql_time(now)],
    )?;
    Ok(())
}

pub fn revoke_all_refresh_tokens(conn: &Connection, staff: StaffId, now: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE staff_refresh_tokens SET revoked_at = ?2 WHERE staff_id = ?1 AND revoked_at IS NULL",
        params![staff.to_string(), sql_time(now)],
    )?;
    Ok(())
}

/// Forgets refresh tokens that expired more than a day ago.
pub fn purge_expired_refresh_tokens(conn: &Connection, now: OffsetDateTime) -> Result<usize, StoreError> {
    let cutoff = sql_time(now - time::Duration::days(1));
    Ok(conn.execute("DELETE FROM staff_refresh_tokens WHERE expires_at < ?1", params![cutoff])?)
}

fn shift(r: &Row<'_>) -> rusqlite::Result<Shift> {
    Ok(Shift {
        id: r.get::<_, String>(0)?.parse().map_err(|_| bad("id"))?,
        staff_id: r.get::<_, String>(1)?.parse().map_err(|_| bad("staff"))?,
        started_at: time_col(r, 2)?,
        ended_at: r.get::<_, Option<String>>(3)?.map(|t| parse_sql_time(&t)).transpose().map_err(|_| bad("time"))?,
        hourly_rate: r.get::<_, Option<i64>>(4)?.map(Money::from_minor),
    })
}

pub fn open_shift(conn: &Connection, staff: StaffId) -> Result<Option<Shift>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, staff_id, started_at, ended_at, hourly_rate FROM staff_shifts WHERE staff_id = ?1 AND ended_at IS NULL",
            params![staff.to_string()],
            shift,
        )
        .optional()?)
}

pub fn insert_shift(conn: &Connection, s: &Shift) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO staff_shifts (id, staff_id, started_at, ended_at, hourly_rate) VALUES (?1, ?2, ?3, NULL, ?4)",
        params![s.id.to_string(), s.staff_id.to_string(), sql_time(s.started_at), s.hourly_rate.map(Money::minor)],
    )?;
    Ok(())
}

pub fn close_shift(conn: &Connection, id: ShiftId, ended_at: OffsetDateTime) -> Result<(), StoreError> {
    conn.execute("UPDATE staff_shifts SET ended_at = ?2 WHERE id = ?1", params![id.to_string(), sql_time(ended_at)])?;
    Ok(())
}

pub struct ShiftFilter {
    pub staff_id: Option<StaffId>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub after: Option<ShiftId>,
    pub limit: u32,
}

/// Shifts that started in `[from, to)`, in id order, at most `limit + 1`.
pub fn list_shifts(conn: &Connection, f: &ShiftFilter) -> Result<Vec<Shift>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, staff_id, started_at, ended_at, hourly_rate FROM staff_shifts
         WHERE (?1 IS NULL OR staff_id = ?1) AND (?2 IS NULL OR started_at >= ?2) AND (?3 IS NULL OR started_at < ?3)
           AND id > ?4
         ORDER BY id LIMIT ?5",
    )?;
    let rows = stmt.query_map(
        params![
            f.staff_id.map(|s| s.to_string()),
            f.from.map(sql_time),
            f.to.map(sql_time),
            f.after.map(|a| a.to_string()).unwrap_or_default(),
            f.limit + 1
        ],
        shift,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

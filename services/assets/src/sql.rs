//! Every SQL statement of the assets service. Parameterised only.

use comanda_domain::{AssetId, Money};
use comanda_store::StoreError;
use comanda_store::rusqlite::{self, Connection, OptionalExtension, Row, params};

use crate::model::{AssetKind, Record};

fn bad(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

const COLUMNS: &str = "asset_id, name, category, kind, purchase_date, cost, salvage_value, useful_life_months, \
                       serial, location, printer_id, disposed_on";

fn record(r: &Row<'_>) -> rusqlite::Result<Record> {
    let date =
        |i: usize| -> rusqlite::Result<jiff::civil::Date> { r.get::<_, String>(i)?.parse().map_err(|_| bad("date")) };
    Ok(Record {
        id: r.get::<_, String>(0)?.parse().map_err(|_| bad("asset_id"))?,
        name: r.get(1)?,
        category: r.get(2)?,
        kind: AssetKind::parse(&r.get::<_, String>(3)?).ok_or_else(|| bad("kind"))?,
        purchase_date: date(4)?,
        cost: Money::from_minor(r.get(5)?),
        salvage_value: Money::from_minor(r.get(6)?),
        useful_life_months: r.get(7)?,
        serial: r.get(8)?,
        location: r.get(9)?,
        printer_id: r.get::<_, Option<String>>(10)?.map(|p| p.parse().map_err(|_| bad("printer_id"))).transpose()?,
        disposed_on: r.get::<_, Option<String>>(11)?.map(|d| d.parse().map_err(|_| bad("disposed_on"))).transpose()?,
    })
}

pub fn all(conn: &Connection) -> Result<Vec<Record>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM assets ORDER BY name, asset_id"))?;
    let rows = stmt.query_map([], record)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

pub fn get(conn: &Connection, id: AssetId) -> Result<Option<Record>, StoreError> {
    Ok(conn
        .query_row(&format!("SELECT {COLUMNS} FROM assets WHERE asset_id = ?1"), params![id.to_string()], record)
        .optional()?)
}

pub fn upsert(conn: &Connection, a: &Record, now: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO assets (asset_id, name, category, kind, purchase_date, cost, salvage_value, useful_life_months,
             serial, location, printer_id, disposed_on, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (asset_id) DO UPDATE SET name = excluded.name, category = excluded.category, kind = excluded.kind,
             purchase_date = excluded.purchase_date, cost = excluded.cost, salvage_value = excluded.salvage_value,
             useful_life_months = excluded.useful_life_months, serial = excluded.serial, location = excluded.location,
             printer_id = excluded.printer_id, disposed_on = excluded.disposed_on",
        params![
            a.id.to_string(),
            a.name,
            a.category,
            a.kind.as_str(),
            a.purchase_date.to_string(),
            a.cost.minor(),
            a.salvage_value.minor(),
            a.useful_life_months,
            a.serial,
            a.location,
            a.printer_id.map(|p| p.to_string()),
            a.disposed_on.map(|d| d.to_string()),
            now
        ],
    )?;
    Ok(())
}

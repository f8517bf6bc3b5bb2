//! Kitchen rules, pure: how a send splits into station tickets, and how bump and recall move
//! a ticket through new → preparing → ready → served.

use comanda_domain::{LineData, OrderId, StationId, TicketId, TicketKind, TicketStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Ticket {
    pub id: TicketId,
    pub station_id: StationId,
    pub order_id: OrderId,
    pub number: u32,
    pub table_name: String,
    pub waiter_name: String,
    pub course: Option<u32>,
    pub kind: TicketKind,
    pub status: TicketStatus,
    pub lines: Vec<LineData>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub status_at: OffsetDateTime,
    /// Seconds since the ticket arrived, for the KDS timers.
    pub age_seconds: i64,
}

/// One station's share of a send, in the order the lines were taken.
pub fn split_by_station(lines: &[LineData]) -> Vec<(StationId, Vec<LineData>)> {
    let mut out: Vec<(StationId, Vec<LineData>)> = Vec::new();
    for line in lines {
        match out.iter_mut().find(|(station, _)| *station == line.station_id) {
            Some((_, station_lines)) => station_lines.push(line.clone()),
            None => out.push((line.station_id, vec![line.clone()])),
        }
    }
    out
}

pub fn bumped(status: TicketStatus) -> Option<TicketStatus> {
    match status {
        TicketStatus::New => Some(TicketStatus::Preparing),
        TicketStatus::Preparing => Some(TicketStatus::Ready),
        TicketStatus::Ready => Some(TicketStatus::Served),
        TicketStatus::Served => None,
    }
}

pub fn recalled(status: TicketStatus) -> Option<TicketStatus> {
    match status {
        TicketStatus::New => None,
        TicketStatus::Preparing => Some(TicketStatus::New),
        TicketStatus::Ready => Some(TicketStatus::Preparing),
        TicketStatus::Served => Some(TicketStatus::Ready),
    }
}

pub fn status_str(s: TicketStatus) -> &'static str {
    match s {
        TicketStatus::New => "new",
        TicketStatus::Preparing => "preparing",
        TicketStatus::Ready => "ready",
        TicketStatus::Served => "served",
    }
}

pub fn parse_status(s: &str) -> Option<TicketStatus> {
    [TicketStatus::New, TicketStatus::Preparing, TicketStatus::Ready, TicketStatus::Served]
        .into_iter()
        .find(|t| status_str(*t) == s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use comanda_domain::{ItemId, Money, OrderLineId, TaxRate};

    fn line(name: &str, station: StationId) -> LineData {
        LineData {
            line_id: OrderLineId::new(),
            item_id: ItemId::new(),
            name: name.into(),
            quantity: 1,
            unit_price: Money::from_minor(500),
            tax_rate_bp: TaxRate::from_bp(1000).expect("rate"),
            station_id: station,
            modifiers: Vec::new(),
            seat: None,
            course: 1,
            note: None,
        }
    }

    #[test]
    fn a_send_splits_into_one_ticket_per_station_keeping_line_order() {
        let (grill, bar) = (StationId::new(), StationId::new());
        let lines = [line("Steak", grill), line("Beer", bar), line("Burger", grill), line("Wine", bar)];
        let split = split_by_station(&lines);
        let names: Vec<(StationId, Vec<&str>)> =
            split.iter().map(|(s, ls)| (*s, ls.iter().map(|l| l.name.as_str()).collect())).collect();
        assert_eq!(names, vec![(grill, vec!["Steak", "Burger"]), (bar, vec!["Beer", "Wine"])]);
        assert!(split_by_station(&[]).is_empty());
    }

    #[test]
    fn bump_and_recall_walk_the_states() {
        use TicketStatus::*;
        // (from, after bump, after recall)
        let table = [
            (New, Some(Preparing), None),
            (Preparing, Some(Ready), Some(New)),
            (Ready, Some(Served), Some(Preparing)),
            (Served, None, Some(Ready)),
        ];
        for (from, bump, recall) in table {
            assert_eq!(bumped(from), bump, "bump {from:?}");
            assert_eq!(recalled(from), recall, "recall {from:?}");
            assert_eq!(parse_status(status_str(from)), Some(from));
        }
    }
}

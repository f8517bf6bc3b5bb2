//! Reading kitchen tickets back from the bytes a (fake) printer received.

use std::collections::HashMap;
use std::time::Instant;

use crate::load::Sent;

/// What a kitchen ticket says on paper. Order numbers wrap at 999, so a ticket is known by
/// its table, number and course together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Printed {
    pub station: String,
    pub table: String,
    pub number: u32,
    pub course: u32,
}

/// The ticket in raw ESC/POS bytes: the station's name, `Table <name>`, `#<number>` and
/// `COURSE <n>` are printed on every kitchen ticket. Also whether it is marked REPRINT.
pub fn ticket_of(bytes: &[u8], stations: &[&str]) -> Option<(Printed, bool)> {
    let text = String::from_utf8_lossy(bytes);
    let station = stations.iter().find(|s| text.contains(*s))?;
    let after = |marker: &str, keep: fn(&char) -> bool| -> Option<String> {
        let at = text.find(marker)? + marker.len();
        Some(text[at..].chars().take_while(keep).collect())
    };
    let table = after("Table ", |c| c.is_ascii_alphanumeric())?;
    let number = after("#", char::is_ascii_digit)?.parse().ok()?;
    let course = after("COURSE ", char::is_ascii_digit)?.parse().ok()?;
    let printed = Printed { station: (*station).to_owned(), table, number, course };
    Some((printed, text.contains("REPRINT")))
}

/// Send → first printed byte latencies (ms) for the jobs of one printer — each job matched to
/// the latest send of its table, number and course before it — and how many tickets were
/// printed more often than they were sent.
pub fn printer_latencies(jobs: &[(Instant, Vec<u8>)], station: &str, sends: &[Sent]) -> (Vec<f64>, usize) {
    let mut sent: HashMap<(&str, u32, u32), Vec<Instant>> = HashMap::new();
    for s in sends {
        sent.entry((s.table.as_str(), s.number, s.course)).or_default().push(s.at);
    }
    let mut printed: HashMap<(String, u32, u32), usize> = HashMap::new();
    let mut latencies = Vec::new();
    for (first_byte, bytes) in jobs {
        let Some((ticket, _)) = ticket_of(bytes, &[station]) else { continue };
        let latest = sent
            .get(&(ticket.table.as_str(), ticket.number, ticket.course))
            .and_then(|ats| ats.iter().filter(|at| *at <= first_byte).max());
        if let Some(at) = latest {
            latencies.push(first_byte.saturating_duration_since(*at).as_secs_f64() * 1000.0);
        }
        *printed.entry((ticket.table, ticket.number, ticket.course)).or_default() += 1;
    }
    let twice = printed
        .iter()
        .filter(|((table, number, course), n)| **n > sent.get(&(table.as_str(), *number, *course)).map_or(0, Vec::len))
        .count();
    (latencies, twice)
}

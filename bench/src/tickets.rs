//! Reading kitchen tickets back from the bytes a (fake) printer received.

use std::collections::HashMap;
use std::time::Instant;

use crate::load::Sent;

/// (station, order number, course) of a kitchen ticket, from its raw ESC/POS bytes: the
/// station's name, `#<number>` and `COURSE <n>` are printed on every ticket.
pub fn ticket_of(bytes: &[u8], stations: &[&str]) -> Option<(String, u32, u32)> {
    let text = String::from_utf8_lossy(bytes);
    let station = stations.iter().find(|s| text.contains(*s))?;
    let number_at = text.find('#')? + 1;
    let number: String = text[number_at..].chars().take_while(char::is_ascii_digit).collect();
    let course_at = text.find("COURSE ")? + "COURSE ".len();
    let course: String = text[course_at..].chars().take_while(char::is_ascii_digit).collect();
    Some(((*station).to_owned(), number.parse().ok()?, course.parse().ok()?))
}

/// Send → first printed byte latencies (ms) for the jobs of one printer, and how many of its
/// tickets were printed more than once.
pub fn printer_latencies(jobs: &[(Instant, Vec<u8>)], station: &str, sends: &[Sent]) -> (Vec<f64>, usize) {
    let sent: HashMap<(u32, u32), Instant> = sends.iter().map(|s| ((s.number, s.course), s.at)).collect();
    let mut seen: HashMap<(u32, u32), usize> = HashMap::new();
    let mut latencies = Vec::new();
    for (first_byte, bytes) in jobs {
        let Some((_, number, course)) = ticket_of(bytes, &[station]) else { continue };
        *seen.entry((number, course)).or_default() += 1;
        if let Some(at) = sent.get(&(number, course)) {
            latencies.push(first_byte.saturating_duration_since(*at).as_secs_f64() * 1000.0);
        }
    }
    (latencies, seen.values().filter(|&&n| n > 1).count())
}

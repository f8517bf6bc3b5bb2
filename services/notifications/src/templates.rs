//! The messages' words, in English and French: pure functions from what happened to a subject
//! and a body. Times are written in the restaurant's time zone, as a guest reads them.

use jiff::tz::TimeZone;
use time::OffsetDateTime;

/// The language of a message: `fr`, or English for anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub fn of(code: &str) -> Self {
        if code == "fr" { Lang::Fr } else { Lang::En }
    }
}

const DAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const DAYS_FR: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "Saturday 21 November 2026 at 20:00" / "samedi 21 novembre 2026 à 20:00".
pub fn when(at: OffsetDateTime, tz: &TimeZone, lang: Lang) -> String {
    let Ok(ts) = jiff::Timestamp::from_nanosecond(at.unix_timestamp_nanos()) else { return String::new() };
    let z = ts.to_zoned_datetime(tz.clone());
    let day = usize::try_from(z.weekday().to_monday_zero_offset()).unwrap_or(0).min(6);
    let month = usize::try_from(z.month() - 1).unwrap_or(0).min(11);
    let (d, m, link) = match lang {
        Lang::En => (DAYS_EN[day], MONTHS_EN[month], "at"),
        Lang::Fr => (DAYS_FR[day], MONTHS_FR[month], "à"),
    };
    format!("{d} {} {m} {} {link} {:02}:{:02}", z.day(), z.year(), z.hour(), z.minute())
}

/// What a booking message needs.
pub struct Booking<'a> {
    pub restaurant: &'a str,
    pub guest: &'a str,
    pub party: u32,
    pub when: String,
}

/// The kinds of booking message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookingMessage {
    Confirmed,
    Changed,
    Cancelled,
    Reminder,
}

impl BookingMessage {
    pub fn template(self) -> &'static str {
        match self {
            BookingMessage::Confirmed => "reservation_confirmed",
            BookingMessage::Changed => "reservation_changed",
            BookingMessage::Cancelled => "reservation_cancelled",
            BookingMessage::Reminder => "reservation_reminder",
        }
    }
}

/// (subject, body) of a booking message.
pub fn booking(kind: BookingMessage, lang: Lang, b: &Booking<'_>) -> (String, String) {
    let Booking { restaurant, guest, party, when, .. } = b;
    match (kind, lang) {
        (BookingMessage::Confirmed, Lang::En) => (
            format!("Your table at {restaurant}: {when}"),
            format!(
                "Hello {guest},\n\nYour table for {party} at {restaurant} is booked for {when}.\n\n\
                 To change or cancel, simply reply to this message or call us.\n\nSee you soon,\n{restaurant}\n"
            ),
        ),
        (BookingMessage::Confirmed, Lang::Fr) => (
            format!("Votre table chez {restaurant} : {when}"),
            format!(
                "Bonjour {guest},\n\nVotre table pour {party} chez {restaurant} est réservée pour le {when}.\n\n\
                 Pour la modifier ou l'annuler, répondez simplement à ce message ou appelez-nous.\n\nÀ bientôt,\n{restaurant}\n"
            ),
        ),
        (BookingMessage::Changed, Lang::En) => (
            format!("Your booking at {restaurant} has changed: {when}"),
            format!(
                "Hello {guest},\n\nYour table for {party} at {restaurant} is now booked for {when}.\n\nSee you soon,\n{restaurant}\n"
            ),
        ),
        (BookingMessage::Changed, Lang::Fr) => (
            format!("Votre réservation chez {restaurant} a changé : {when}"),
            format!(
                "Bonjour {guest},\n\nVotre table pour {party} chez {restaurant} est désormais réservée pour le {when}.\n\n\
                 À bientôt,\n{restaurant}\n"
            ),
        ),
        (BookingMessage::Cancelled, Lang::En) => (
            format!("Your booking at {restaurant} is cancelled"),
            format!(
                "Hello {guest},\n\nYour table for {party} at {restaurant} on {when} is cancelled.\n\nWe hope to see you another time,\n{restaurant}\n"
            ),
        ),
        (BookingMessage::Cancelled, Lang::Fr) => (
            format!("Votre réservation chez {restaurant} est annulée"),
            format!(
                "Bonjour {guest},\n\nVotre table pour {party} chez {restaurant} le {when} est annulée.\n\n\
                 Au plaisir de vous accueillir une autre fois,\n{restaurant}\n"
            ),
        ),
        (BookingMessage::Reminder, Lang::En) => (
            format!("See you soon at {restaurant}"),
            format!(
                "Hello {guest},\n\nA reminder: your table for {party} at {restaurant} is booked for {when}.\n\nSee you soon,\n{restaurant}\n"
            ),
        ),
        (BookingMessage::Reminder, Lang::Fr) => (
            format!("À tout à l'heure chez {restaurant}"),
            format!(
                "Bonjour {guest},\n\nUn rappel : votre table pour {party} chez {restaurant} est réservée pour le {when}.\n\n\
                 À tout à l'heure,\n{restaurant}\n"
            ),
        ),
    }
}

/// A short text for SMS: the subject says it all.
pub fn sms(kind: BookingMessage, lang: Lang, b: &Booking<'_>) -> String {
    let (subject, _) = booking(kind, lang, b);
    subject
}

/// (subject, body) of a manager's alert.
pub fn printer_failed(lang: Lang, restaurant: &str, error: &str, rerouted: bool) -> (String, String) {
    match lang {
        Lang::En => (
            format!("{restaurant}: a printer is not printing"),
            format!(
                "A printer could not print: {error}.\n{}\nCheck its paper, cover and cable, then retry the job from Dashboard → Printers.\n",
                if rerouted {
                    "Its tickets go to the backup printer meanwhile."
                } else {
                    "Its tickets wait in the queue."
                }
            ),
        ),
        Lang::Fr => (
            format!("{restaurant} : une imprimante n'imprime plus"),
            format!(
                "Une imprimante n'a pas pu imprimer : {error}.\n{}\nVérifiez le papier, le capot et le câble, puis relancez le travail depuis Tableau de bord → Imprimantes.\n",
                if rerouted {
                    "Ses tickets partent vers l'imprimante de secours en attendant."
                } else {
                    "Ses tickets attendent dans la file."
                }
            ),
        ),
    }
}

pub fn sold_out(lang: Lang, item: &str) -> (String, String) {
    match lang {
        Lang::En => {
            (format!("{item} is sold out"), format!("{item} was marked unavailable (86). Restock or change the menu."))
        }
        Lang::Fr => (
            format!("{item} est épuisé"),
            format!("{item} a été marqué indisponible. Réapprovisionnez ou modifiez la carte."),
        ),
    }
}

pub fn order_ready(lang: Lang, table: &str) -> (String, String) {
    match lang {
        Lang::En => (format!("{table}: ready to serve"), format!("The kitchen has {table}'s dishes ready.")),
        Lang::Fr => (format!("{table} : prêt à servir"), format!("La cuisine a terminé les plats de {table}.")),
    }
}

pub fn test_message(lang: Lang, restaurant: &str) -> (String, String) {
    match lang {
        Lang::En => (
            format!("{restaurant}: test message"),
            "This is a test from your Comanda box: messages reach you.\n".into(),
        ),
        Lang::Fr => (
            format!("{restaurant} : message d'essai"),
            "Ceci est un essai de votre boîtier Comanda : les messages vous parviennent.\n".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn booking_messages_speak_the_guests_language_and_time() {
        let paris = TimeZone::get("Europe/Paris").expect("tz");
        let at = datetime!(2026-11-21 19:00 UTC);
        assert_eq!(when(at, &paris, Lang::En), "Saturday 21 November 2026 at 20:00");
        assert_eq!(when(at, &paris, Lang::Fr), "samedi 21 novembre 2026 à 20:00");
        let b = Booking { restaurant: "Chez Test", guest: "Anna", party: 4, when: when(at, &paris, Lang::Fr) };
        let (subject, body) = booking(BookingMessage::Confirmed, Lang::Fr, &b);
        assert_eq!(subject, "Votre table chez Chez Test : samedi 21 novembre 2026 à 20:00");
        assert!(body.contains("Bonjour Anna") && body.contains("pour 4"), "{body}");
        for kind in
            [BookingMessage::Confirmed, BookingMessage::Changed, BookingMessage::Cancelled, BookingMessage::Reminder]
        {
            for lang in [Lang::En, Lang::Fr] {
                let (s, body) = booking(kind, lang, &b);
                assert!(s.contains("Chez Test") && body.contains("Anna"), "{kind:?} {lang:?}");
            }
        }
    }
}

//! What a printout says, as a list of blocks (styled text, two-column rows, rules, feeds, QR
//! codes, cut, drawer kick) — no bytes and no printer. Documents are stored as JSON in the print
//! queue, so a job prints the same after a restart; [`encode`](crate::encode) turns one into
//! ESC/POS for a printer's width and code page, and [`Document::to_text`] shows it as plain text.
//!
//! Both go through the one line layout here ([`lay_out`]), so the preview and the paper break
//! lines at the same places.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// How a block is printed. Double width halves the columns a line has (a 42-column printer
/// fits 21 double-width characters); an inverse line is printed as a band across the paper.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Style {
    pub bold: bool,
    pub double_width: bool,
    pub double_height: bool,
    pub underline: bool,
    pub inverse: bool,
    pub align: Align,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    /// One or more lines (`\n` starts a new one), word-wrapped at the width in the block's
    /// character size; leading spaces indent the wrapped lines too.
    Text { text: String, style: Style },
    /// `left` and `right` on one line, padded apart; `left` is cut short if both do not fit.
    Row { left: String, right: String, style: Style },
    /// A full-width dashed line.
    Rule,
    /// Blank lines.
    Feed(u8),
    /// A QR code (model 2), centred.
    Qr { data: String },
    /// Feed to the cutter and cut partially.
    Cut,
    /// Open the cash drawer (pin 2).
    DrawerKick,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub blocks: Vec<Block>,
}

/// The banner [`Document::marked_reprint`] puts on top.
const REPRINT: &str = "REPRINT";

fn reprint_banner() -> Block {
    Block::Text {
        text: REPRINT.to_owned(),
        style: Style {
            bold: true,
            double_width: true,
            double_height: true,
            underline: false,
            inverse: true,
            align: Align::Center,
        },
    }
}

impl Document {
    /// The same document with a big inverse "REPRINT" line at the top (BRIEF §6: a ticket
    /// printed a second time, by recovery or by hand, says so). Marking twice marks once.
    pub fn marked_reprint(&self) -> Document {
        let banner = reprint_banner();
        if self.blocks.first() == Some(&banner) {
            return self.clone();
        }
        let mut blocks = Vec::with_capacity(self.blocks.len() + 1);
        blocks.push(banner);
        blocks.extend(self.blocks.iter().cloned());
        Document { blocks }
    }

    /// Plain text as it will look on paper at `width` columns: the same line breaks, padding
    /// and alignment. Double-size characters are shown as one character each (their lines are
    /// laid out in half the columns, then placed across the full width), a QR code as
    /// `[QR: data]`, a cut as a line of `✂ - - -`; the drawer kick prints nothing.
    pub fn to_text(&self, width: usize) -> String {
        let mut out = String::new();
        for line in lay_out(self, width) {
            let text = match line {
                Line::Text { text, style } => aligned(&text, style.align, width),
                Line::Row { left, right, .. } => format!("{left}{}{right}", " ".repeat(row_gap(&left, &right, width))),
                Line::Qr(data) => aligned(&format!("[QR: {data}]"), Align::Center, width),
                Line::Cut => cut_mark(width),
                Line::DrawerKick => continue,
            };
            out.push_str(text.trim_end());
            out.push('\n');
        }
        out
    }
}

/// `✂ - - - …` across `width` columns.
fn cut_mark(width: usize) -> String {
    let mut mark = String::from("✂");
    for _ in 0..width.saturating_sub(1) / 2 {
        mark.push_str(" -");
    }
    mark
}

fn aligned(text: &str, align: Align, width: usize) -> String {
    let room = width.saturating_sub(text.chars().count());
    let pad = match align {
        Align::Left => 0,
        Align::Center => room / 2,
        Align::Right => room,
    };
    format!("{}{text}", " ".repeat(pad))
}

/// One printed line, fitted to the paper: what both the encoder and the preview print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// Text that fits the line's [`cells`]; not padded (alignment is the printer's job).
    Text {
        text: String,
        style: Style,
    },
    /// Both parts fit the line's [`cells`] with at least one space between them.
    Row {
        left: String,
        right: String,
        style: Style,
    },
    Qr(String),
    Cut,
    DrawerKick,
}

/// The spaces between a row's parts on a line of `cells`: at least one between two parts,
/// none before a right part that fills the line on its own (one there would push the line
/// past the paper's edge and make the printer wrap it).
pub(crate) fn row_gap(left: &str, right: &str, cells: usize) -> usize {
    let used = left.chars().count() + right.chars().count();
    match (left.is_empty(), right.is_empty()) {
        (_, true) => 0,
        (true, false) => cells.saturating_sub(used),
        (false, false) => cells.saturating_sub(used).max(1),
    }
}

/// Characters that fit on one line of `width` columns in this style.
pub(crate) fn cells(width: usize, style: &Style) -> usize {
    let cells = if style.double_width { width / 2 } else { width };
    cells.max(1)
}

/// The document as printed lines at `width` columns.
pub(crate) fn lay_out(doc: &Document, width: usize) -> Vec<Line> {
    let plain = Style::default();
    let mut lines = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Text { text, style } => {
                for text in wrap(text, cells(width, style)) {
                    lines.push(Line::Text { text, style: *style });
                }
            }
            Block::Row { left, right, style } => {
                let cells = cells(width, style);
                let right = truncated(&one_line(right), cells);
                let right_len = right.chars().count();
                let room = if right.is_empty() { cells } else { cells.saturating_sub(right_len + 1) };
                let left = truncated(one_line(left).trim_end(), room);
                lines.push(Line::Row { left, right, style: *style });
            }
            Block::Rule => lines.push(Line::Text { text: "-".repeat(width), style: plain }),
            Block::Feed(n) => {
                for _ in 0..*n {
                    lines.push(Line::Text { text: String::new(), style: plain });
                }
            }
            Block::Qr { data } => lines.push(Line::Qr(data.clone())),
            Block::Cut => lines.push(Line::Cut),
            Block::DrawerKick => lines.push(Line::DrawerKick),
        }
    }
    lines
}

/// Control characters (a tab, a stray carriage return or escape) become spaces: only the
/// encoder decides which control bytes reach the printer.
fn printable(c: char) -> char {
    if c.is_control() { ' ' } else { c }
}

fn one_line(text: &str) -> String {
    text.chars().map(printable).collect()
}

fn truncated(text: &str, cells: usize) -> String {
    text.chars().take(cells).collect()
}

/// Word-wraps `text` at `cells` characters. A paragraph that fits is kept as it is; one that
/// does not is wrapped at spaces, its leading spaces (up to half the line) indenting every
/// line, and a word longer than a line is cut across lines.
pub(crate) fn wrap(text: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let paragraph: String = paragraph.chars().filter(|c| *c != '\r').map(printable).collect();
        let paragraph = paragraph.trim_end();
        if paragraph.chars().count() <= cells {
            lines.push(paragraph.to_owned());
            continue;
        }
        let indent = " ".repeat(paragraph.chars().take_while(|c| *c == ' ').count().min(cells / 2));
        let indent_len = indent.len();
        let mut line = indent.clone();
        let mut line_len = indent_len;
        let mut has_word = false;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let sep = usize::from(has_word);
                if line_len + sep + word.len() <= cells {
                    if has_word {
                        line.push(' ');
                    }
                    line.extend(word.iter());
                    line_len += sep + word.len();
                    has_word = true;
                    break;
                }
                if has_word {
                    lines.push(std::mem::replace(&mut line, indent.clone()));
                    line_len = indent_len;
                    has_word = false;
                    continue;
                }
                // Alone on its line and still too long: cut it.
                let room = cells - line_len;
                line.extend(word.drain(..room));
                lines.push(std::mem::replace(&mut line, indent.clone()));
                line_len = indent_len;
            }
        }
        if has_word {
            lines.push(line);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping() {
        // (text, cells, lines) — one row per case.
        let table: &[(&str, usize, &[&str])] = &[
            ("", 10, &[""]),
            ("fits exactly", 12, &["fits exactly"]),
            ("two words", 5, &["two", "words"]),
            ("a b c d e f", 5, &["a b c", "d e f"]),
            ("one\ntwo", 10, &["one", "two"]),
            ("trailing   ", 8, &["trailing"]),
            ("    indented text wraps here", 16, &["    indented", "    text wraps", "    here"]),
            ("abcdefghijkl", 5, &["abcde", "fghij", "kl"]),
            ("ab abcdefghijkl", 5, &["ab", "abcde", "fghij", "kl"]),
            ("tab\tand\rcr\u{1b}esc", 40, &["tab andcr esc"]),
            ("x", 0, &["x"]),
        ];
        for (text, cells, expected) in table {
            assert_eq!(wrap(text, *cells), *expected, "wrap({text:?}, {cells})");
        }
    }

    #[test]
    fn rows_cut_the_left_side_in_their_own_character_size() {
        let big = Style { double_width: true, ..Style::default() };
        // (left, right, style, width, expected left, expected right)
        let table: &[(&str, &str, Style, usize, &str, &str)] = &[
            ("Steak", "18.00", Style::default(), 32, "Steak", "18.00"),
            (
                "A very long dish name that does not fit",
                "18.00",
                Style::default(),
                32,
                "A very long dish name that",
                "18.00",
            ),
            ("TOTAL", "54.00 €", big, 42, "TOTAL", "54.00 €"),
            ("Table Terrace 12", "#1042", big, 32, "Table Terr", "#1042"),
            ("Only left", "", Style::default(), 8, "Only lef", ""),
            ("x", "a right side too long", Style::default(), 8, "", "a right "),
        ];
        for (left, right, style, width, want_left, want_right) in table {
            let doc =
                Document { blocks: vec![Block::Row { left: (*left).into(), right: (*right).into(), style: *style }] };
            let expected = Line::Row { left: (*want_left).into(), right: (*want_right).into(), style: *style };
            assert_eq!(lay_out(&doc, *width), vec![expected], "row({left:?}, {right:?}) at {width}");
        }
    }

    #[test]
    fn rows_never_print_past_the_paper_edge() {
        // Found by the escpos_layout fuzz target: a right part as wide as the line got a
        // one-space gap anyway, one column too many. (left, right, width) — one row per case.
        let table: &[(&str, &str, usize)] = &[
            ("", "0.00 !\"#$%&'()*+,-./0123456789:;", 32),
            ("x", "a right side too long", 8),
            ("", "exactly8", 8),
            ("Steak", "18.00", 10),
            ("Steak", "18.00", 32),
        ];
        for (left, right, width) in table {
            let doc = Document {
                blocks: vec![Block::Row { left: (*left).into(), right: (*right).into(), style: Style::default() }],
            };
            let preview = doc.to_text(*width);
            let line = preview.lines().next().unwrap_or_default();
            assert!(line.chars().count() <= *width, "row({left:?}, {right:?}) at {width}: {line:?}");
            assert!(line.ends_with(right.chars().take(*width).collect::<String>().trim_end()), "{line:?}");
        }
    }

    #[test]
    fn preview_aligns_across_the_full_width() {
        let doc = Document {
            blocks: vec![
                Block::Text { text: "mid".into(), style: Style { align: Align::Center, ..Style::default() } },
                Block::Text { text: "end".into(), style: Style { align: Align::Right, ..Style::default() } },
                Block::Row {
                    left: "BIG".into(),
                    right: "1.00".into(),
                    style: Style { double_width: true, ..Style::default() },
                },
                Block::Rule,
                Block::Feed(1),
                Block::Qr { data: "x".into() },
                Block::DrawerKick,
                Block::Cut,
            ],
        };
        let expected = [
            "        mid",
            "                 end",
            "BIG             1.00",
            "--------------------",
            "",
            "      [QR: x]",
            "✂ - - - - - - - - -",
        ];
        assert_eq!(doc.to_text(20), expected.join("\n") + "\n");
    }

    #[test]
    fn a_reprint_says_so_once() {
        let doc = Document { blocks: vec![Block::Rule] };
        let once = doc.marked_reprint();
        assert_eq!(once.blocks.len(), 2);
        assert_eq!(once.blocks[0], reprint_banner());
        assert_eq!(once.marked_reprint(), once);
        assert!(once.to_text(42).starts_with(&format!("{}REPRINT\n", " ".repeat(17))));
    }

    #[test]
    fn documents_round_trip_through_json() {
        let doc = Document {
            blocks: vec![
                Block::Text {
                    text: "Hé".into(), style: Style { bold: true, align: Align::Right, ..Style::default() }
                },
                Block::Row { left: "a".into(), right: "b".into(), style: Style::default() },
                Block::Rule,
                Block::Feed(2),
                Block::Qr { data: "https://comanda.local".into() },
                Block::Cut,
                Block::DrawerKick,
            ],
        };
        let json = serde_json::to_string(&doc).expect("serialises");
        assert_eq!(serde_json::from_str::<Document>(&json).expect("deserialises"), doc);
        // A style may leave out what it does not set.
        let text: Block =
            serde_json::from_str(r#"{"Text":{"text":"x","style":{"bold":true}}}"#).expect("lenient style");
        assert_eq!(text, Block::Text { text: "x".into(), style: Style { bold: true, ..Style::default() } });
    }
}

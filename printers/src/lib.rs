//! Printing for the kitchen and the till, over ESC/POS.
//!
//! - [`document`]: what a printout says, as blocks (text with style, two-column rows, rules,
//!   QR codes, cut, drawer kick) — no bytes;
//! - [`layout`]: kitchen tickets, receipts, X/Z reports and the test page, as documents;
//! - [`encode`]: documents to ESC/POS bytes for a printer's width and code page;
//! - [`transport`]: raw TCP (port 9100), USB line-printer devices and serial ports, with
//!   timeouts, and real-time status (`DLE EOT`).

pub mod document;
pub mod encode;
pub mod layout;
pub mod transport;

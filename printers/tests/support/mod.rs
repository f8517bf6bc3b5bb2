//! Helpers for `encoding.rs`: the sample printouts it snapshots and decodes (`fixtures`), and
//! the independent ESC/POS decoder it checks the bytes with (`npos`, running `decode.js`).

pub mod fixtures;
pub mod npos;

//! The load generator and fault drills behind `cargo xtask bench` and `cargo xtask faults`.
//! Everything here talks to 127.0.0.1 only, and every loop is bounded in count and in time.

pub mod api;
pub mod faults;
pub mod load;
pub mod procstat;
pub mod raw;
pub mod report;
pub mod restaurant;
pub mod stats;
pub mod sync;
pub mod tickets;
pub mod year;

//! Who caused an event: a member of staff, or the box itself (timers, printers, sync).

use std::fmt;
use std::str::FromStr;

use crate::StaffId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    Staff(StaffId),
    System,
}

impl Actor {
    pub fn staff_id(&self) -> Option<StaffId> {
        match self {
            Actor::Staff(id) => Some(*id),
            Actor::System => None,
        }
    }
}

/// Written into the log as the staff id, or the word `system`.
impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Staff(id) => id.fmt(f),
            Actor::System => f.write_str("system"),
        }
    }
}

impl FromStr for Actor {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "system" { Ok(Actor::System) } else { s.parse().map(Actor::Staff) }
    }
}

impl serde::Serialize for Actor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Actor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_round_trips_through_its_log_form() {
        let staff = Actor::Staff(StaffId::new());
        for actor in [staff, Actor::System] {
            assert_eq!(actor.to_string().parse::<Actor>().expect("parses"), actor);
        }
        assert!("robot".parse::<Actor>().is_err());
    }
}

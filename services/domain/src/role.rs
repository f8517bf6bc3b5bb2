//! Roles and what each may do to other staff. The rule of thumb: you manage only roles below
//! your own, except the owner, who manages everyone.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Manager,
    Waiter,
    Kitchen,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Manager, Role::Waiter, Role::Kitchen];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Waiter => "waiter",
            Role::Kitchen => "kitchen",
        }
    }

    /// Owner 3, manager 2, floor and kitchen staff 1.
    fn rank(&self) -> u8 {
        match self {
            Role::Owner => 3,
            Role::Manager => 2,
            Role::Waiter | Role::Kitchen => 1,
        }
    }

    /// Managers and owners: approve voids, discounts, refunds; manage menu, tables, staff.
    pub fn is_manager(&self) -> bool {
        self.rank() >= Role::Manager.rank()
    }

    /// May a member with this role create, change or deactivate staff holding `other`?
    pub fn can_manage(&self, other: Role) -> bool {
        *self == Role::Owner || (self.is_manager() && self.rank() > other.rank())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}` (expected owner, manager, waiter or kitchen)")]
pub struct UnknownRole(String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_manages_whom() {
        use Role::*;
        // (actor, target, allowed)
        let table = [
            (Owner, Owner, true),
            (Owner, Manager, true),
            (Owner, Kitchen, true),
            (Manager, Owner, false),
            (Manager, Manager, false),
            (Manager, Waiter, true),
            (Manager, Kitchen, true),
            (Waiter, Waiter, false),
            (Waiter, Kitchen, false),
            (Kitchen, Waiter, false),
        ];
        for (actor, target, allowed) in table {
            assert_eq!(actor.can_manage(target), allowed, "{actor} managing {target}");
        }
    }

    #[test]
    fn roles_parse_from_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().expect("parses"), role);
        }
        assert!("chef".parse::<Role>().is_err());
    }
}

//! `comanda serve --demo`: a demo restaurant to click through — staff with PINs, two areas with
//! twelve tables, two stations and a menu of ~25 items with modifiers and two tax rates — with
//! well-known logins printed on the console.
//! A data dir that already holds a real restaurant is never touched.

use comanda_api::ApiError;
use comanda_domain::{Actor, Money, Role};
use comanda_site::{OwnerInput, RestaurantInput, SetupRequest};
use comanda_staff::{NewStaff, Staff};
use comanda_tables::Tables;
use comanda_tables::model::{NewArea, NewTable, Shape};

use crate::Running;

/// A login printed for the person trying the demo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoLogin {
    pub role: Role,
    pub username: &'static str,
    pub password: Option<&'static str>,
    pub pin: Option<&'static str>,
}

pub const OWNER: DemoLogin =
    DemoLogin { role: Role::Owner, username: "owner", password: Some("demo-owner-1"), pin: Some("9000") };

pub const STAFF: [(&str, DemoLogin, i64); 4] = [
    (
        "Marta Manager",
        DemoLogin { role: Role::Manager, username: "manager", password: Some("demo-manager-1"), pin: Some("9999") },
        1800,
    ),
    ("Ana Waiter", DemoLogin { role: Role::Waiter, username: "ana", password: None, pin: Some("1111") }, 1250),
    ("Ben Waiter", DemoLogin { role: Role::Waiter, username: "ben", password: None, pin: Some("2222") }, 1250),
    ("Kai Cook", DemoLogin { role: Role::Kitchen, username: "kitchen", password: None, pin: Some("3333") }, 1400),
];

/// What `--demo` did.
#[derive(Debug, PartialEq, Eq)]
pub enum DemoOutcome {
    Created,
    AlreadyDemo,
    /// The data dir holds a real restaurant; nothing was changed.
    RealRestaurant(String),
}

pub async fn ensure(running: &Running) -> Result<DemoOutcome, ApiError> {
    if let Some(settings) = running.site.settings().await? {
        return Ok(if settings.demo { DemoOutcome::AlreadyDemo } else { DemoOutcome::RealRestaurant(settings.name) });
    }
    let setup = SetupRequest {
        restaurant: RestaurantInput {
            name: "Bistro Demo".into(),
            currency: "EUR".into(),
            prices_include_tax: true,
            timezone: Some("Europe/Paris".into()),
        },
        owner: OwnerInput {
            name: "Olivia Owner".into(),
            username: OWNER.username.into(),
            password: OWNER.password.unwrap_or_default().into(),
            pin: OWNER.pin.map(Into::into),
        },
    };
    let done = running.site.setup(setup, true).await?;
    let owner = Actor::Staff(done.owner.id);
    for (name, login, hourly_rate) in STAFF {
        let prepared = running
            .staff
            .prepare(NewStaff {
                name: name.into(),
                username: login.username.into(),
                role: login.role,
                password: login.password.map(Into::into),
                pin: login.pin.map(Into::into),
                hourly_rate: Some(Money::from_minor(hourly_rate)),
            })
            .await?;
        running.store.write(move |tx| Staff::insert_prepared(tx, owner, &prepared)).await?;
    }
    running.menu.seed_demo(owner).await?;
    running.store.write(move |tx| seed_floor(tx, owner)).await?;
    Ok(DemoOutcome::Created)
}

/// Two areas and twelve tables: eight in the main room, four on the terrace, laid out on a
/// grid for the floor plan.
fn seed_floor(tx: &mut comanda_store::WriteTx<'_>, owner: Actor) -> Result<(), ApiError> {
    let areas = [("Main room", 1..=8), ("Terrace", 9..=12)];
    for (position, (name, numbers)) in (0i64..).zip(areas) {
        let area = Tables::insert_area(tx, owner, &NewArea { name: name.into(), position: Some(position) })?;
        for (slot, n) in (0i64..).zip(numbers) {
            let round = n % 3 == 0;
            let table = NewTable {
                name: format!("T{n}"),
                area_id: area.id,
                seats: if round { 2 } else { 4 },
                shape: Some(if round { Shape::Round } else { Shape::Square }),
                x: Some(100 + (slot % 4) * 200),
                y: Some(100 + (slot / 4) * 200),
                width: None,
                height: None,
            };
            Tables::insert_table(tx, owner, &table)?;
        }
    }
    Ok(())
}

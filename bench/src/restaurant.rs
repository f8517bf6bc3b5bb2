//! The restaurant every run sets up on a fresh box, over the API as an owner would: three
//! stations (each with its own printer when printers are given), a five-item menu with two tax
//! rates, waiters and cooks with PINs, and as many tables as the run needs.

use anyhow::Result;
use serde_json::{Value, json};

use crate::api::{Api, Tokens, id_of};

pub const OWNER: (&str, &str) = ("owner", "bench owner password");
/// Every waiter's and cook's PIN.
pub const PIN: &str = "2468";

/// What one order is made of: the same five lines every time, so every order calls on every
/// station once per course sent and the totals are known.
pub struct Restaurant {
    pub owner: Tokens,
    /// (id, name), in the order Grill, Cold, Bar.
    pub stations: Vec<(String, String)>,
    pub tables: Vec<String>,
    pub waiters: Vec<String>,
    pub cooks: Vec<String>,
    salad: String,
    steak: String,
    wine: String,
    tart: String,
}

/// Names of the stations; a kitchen ticket's bytes start with one of them.
pub const STATIONS: [&str; 3] = ["Grill", "Cold", "Bar"];

impl Restaurant {
    /// First-start setup, then the menu, staff and `tables` tables. `printers`: one
    /// `tcp://127.0.0.1:PORT` per station (and optionally a fourth, the backup of all three),
    /// or none for a kitchen-display-only restaurant.
    pub async fn set_up(
        anon: &Api,
        printers: Option<&[String]>,
        tables: usize,
        waiters: usize,
        cooks: usize,
    ) -> Result<Self> {
        let setup = json!({
            "restaurant": {"name": "Bench Bistro", "currency": "EUR", "prices_include_tax": true, "timezone": "Europe/Paris"},
            "owner": {"name": "Bench Owner", "username": OWNER.0, "password": OWNER.1}
        });
        anon.post("/api/v1/setup", &setup, None).await?.expect(201)?;
        let owner = anon.login(OWNER.0, OWNER.1).await?;
        let api = anon.with_token(&owner.access);
        let create = |path: &'static str, body: Value| {
            let api = api.clone();
            async move { id_of(&api.post(path, &body, None).await?.expect(201)?) }
        };

        // A fourth printer, when given, is the backup of the other three.
        let backup = match printers.and_then(|p| p.get(STATIONS.len())) {
            Some(address) => Some(
                create(
                    "/api/v1/printers",
                    json!({"name": "Backup printer", "role": "kitchen", "address": address, "width_chars": 42}),
                )
                .await?,
            ),
            None => None,
        };
        let mut stations = Vec::new();
        for (i, name) in STATIONS.into_iter().enumerate() {
            let printer = match printers.and_then(|p| p.get(i)) {
                Some(address) => Some(
                    create(
                        "/api/v1/printers",
                        json!({"name": format!("{name} printer"), "role": "kitchen", "address": address, "width_chars": 42,
                               "backup_printer_id": backup}),
                    )
                    .await?,
                ),
                None => None,
            };
            let id = create("/api/v1/kitchen/stations", json!({"name": name, "printer_id": printer})).await?;
            stations.push((id, name.to_owned()));
        }
        let food = create("/api/v1/menu/categories", json!({"name": "Food", "position": 1})).await?;
        let drinks = create("/api/v1/menu/categories", json!({"name": "Drinks", "position": 2})).await?;
        let item = |name: &'static str, price: i64, tax: u32, category: &String, station: usize| {
            json!({"category_id": category, "name": name, "price": price, "tax_rate_bp": tax,
                   "station_id": stations[station].0, "cost": price / 3, "modifier_group_ids": []})
        };
        let steak = create("/api/v1/menu/items", item("Steak", 2200, 1000, &food, 0)).await?;
        let salad = create("/api/v1/menu/items", item("Salad", 900, 1000, &food, 1)).await?;
        let tart = create("/api/v1/menu/items", item("Tart", 650, 1000, &food, 1)).await?;
        let wine = create("/api/v1/menu/items", item("Wine", 700, 2000, &drinks, 2)).await?;

        let area = create("/api/v1/areas", json!({"name": "Main room"})).await?;
        let mut table_ids = Vec::with_capacity(tables);
        for n in 1..=tables {
            table_ids
                .push(create("/api/v1/tables", json!({"name": format!("T{n}"), "area_id": area, "seats": 4})).await?);
        }
        let staff =
            |role: &str, count: usize| -> Vec<String> { (1..=count).map(|n| format!("{role}{n:02}")).collect() };
        let waiter_names = staff("waiter", waiters);
        let cook_names = staff("kitchen", cooks);
        for (name, role) in waiter_names.iter().map(|n| (n, "waiter")).chain(cook_names.iter().map(|n| (n, "kitchen")))
        {
            let body = json!({"name": name, "username": name, "role": role, "pin": PIN});
            create("/api/v1/staff", body).await?;
        }
        Ok(Restaurant {
            owner,
            stations,
            tables: table_ids,
            waiters: waiter_names,
            cooks: cook_names,
            salad,
            steak,
            wine,
            tart,
        })
    }

    /// The lines of one order: two salads and wine for course 1 (Cold and Bar), two steaks for
    /// course 2 (Grill), and a tart for course 3 (Cold) when `dessert`.
    pub fn order_lines(&self, dessert: bool) -> Value {
        let line = |item: &String, quantity: u32, seat: Option<u32>, course: u32| json!({"item_id": item, "quantity": quantity, "seat": seat, "course": course, "modifier_option_ids": []});
        let mut lines = vec![
            line(&self.salad, 1, Some(1), 1),
            line(&self.salad, 1, Some(2), 1),
            line(&self.wine, 2, None, 1),
            line(&self.steak, 1, Some(1), 2),
            line(&self.steak, 1, Some(2), 2),
        ];
        if dessert {
            lines.push(line(&self.tart, 1, Some(1), 3));
        }
        json!({"lines": lines})
    }

    /// One line, for the saturation run.
    pub fn single_line(&self) -> Value {
        json!({"lines": [{"item_id": self.wine, "quantity": 1, "seat": null, "course": 1, "modifier_option_ids": []}]})
    }

    /// Which stations a course calls on.
    pub fn stations_of_course(course: u32) -> &'static [&'static str] {
        match course {
            1 => &["Cold", "Bar"],
            2 => &["Grill"],
            _ => &["Cold"],
        }
    }
}

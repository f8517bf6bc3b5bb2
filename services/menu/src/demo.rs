//! The demo menu for `comanda serve --demo`: a small bistro with a kitchen and a bar, prices in
//! euro cents, food at 10 % and alcoholic drinks at 20 % (tax included, as in most of the EU).
//! It goes through the same validation and events as a manager's edits, so a demo box's log
//! looks like a real one's.

use std::collections::HashMap;

use comanda_api::ApiError;
use comanda_domain::{Actor, ModifierGroupId, Money};
use comanda_store::WriteTx;

use crate::model::{NewCategory, NewItem, NewModifierGroup, NewOption, NewStation};
use crate::{Menu, sql};

const FOOD: i64 = 1000;
const ALCOHOL: i64 = 2000;

/// (name, min, max, options as (name, price delta in cents))
type GroupRow = (&'static str, i64, i64, &'static [(&'static str, i64)]);

const GROUPS: [GroupRow; 5] = [
    ("Cooking", 1, 1, &[("Rare", 0), ("Medium", 0), ("Well done", 0)]),
    ("Sides", 0, 2, &[("Fries", 0), ("Green salad", 0), ("Sweet potato fries", 150), ("Truffle mash", 250)]),
    ("Burger extras", 0, 3, &[("Bacon", 200), ("Cheddar", 100), ("Fried egg", 150), ("No onions", 0)]),
    ("Milk", 0, 1, &[("Oat milk", 40), ("Soy milk", 40), ("Lactose-free milk", 0)]),
    ("Syrup", 0, 1, &[("Vanilla", 50), ("Caramel", 50), ("Hazelnut", 50)]),
];

/// (station its items go to, category name), in display order
const CATEGORIES: [(&str, &str); 5] = [
    ("Kitchen", "Starters"),
    ("Kitchen", "Mains"),
    ("Kitchen", "Desserts"),
    ("Bar", "Coffee & tea"),
    ("Bar", "Drinks"),
];

/// (category, name, price, tax bp, cost, allergens, modifier groups)
type ItemRow = (&'static str, &'static str, i64, i64, i64, &'static [&'static str], &'static [&'static str]);

const ITEMS: [ItemRow; 27] = [
    ("Starters", "Tomato soup", 650, FOOD, 150, &["celery", "milk"], &[]),
    ("Starters", "Garlic prawns", 1150, FOOD, 420, &["crustaceans", "gluten"], &[]),
    ("Starters", "Burrata salad", 1050, FOOD, 380, &["milk"], &[]),
    ("Starters", "Fried calamari", 990, FOOD, 310, &["molluscs", "gluten", "eggs"], &[]),
    ("Starters", "Bread & olives", 450, FOOD, 90, &["gluten"], &[]),
    ("Mains", "Ribeye steak", 2850, FOOD, 1100, &[], &["Cooking", "Sides"]),
    ("Mains", "Sirloin steak", 2450, FOOD, 900, &[], &["Cooking", "Sides"]),
    (
        "Mains",
        "Classic burger",
        1550,
        FOOD,
        520,
        &["gluten", "milk", "sesame", "mustard"],
        &["Cooking", "Burger extras", "Sides"],
    ),
    ("Mains", "Grilled salmon", 2150, FOOD, 780, &["fish"], &["Sides"]),
    ("Mains", "Mushroom risotto", 1650, FOOD, 420, &["milk", "celery", "sulphites"], &[]),
    ("Mains", "Chicken schnitzel", 1850, FOOD, 560, &["gluten", "eggs"], &["Sides"]),
    ("Mains", "Vegetable curry", 1450, FOOD, 380, &["peanuts", "soybeans"], &[]),
    ("Desserts", "Crème brûlée", 750, FOOD, 170, &["eggs", "milk"], &[]),
    ("Desserts", "Chocolate fondant", 850, FOOD, 210, &["eggs", "milk", "gluten", "soybeans"], &[]),
    ("Desserts", "Lemon sorbet", 600, FOOD, 120, &[], &[]),
    ("Coffee & tea", "Espresso", 220, FOOD, 35, &[], &[]),
    ("Coffee & tea", "Cappuccino", 350, FOOD, 60, &["milk"], &["Milk", "Syrup"]),
    ("Coffee & tea", "Flat white", 380, FOOD, 65, &["milk"], &["Milk", "Syrup"]),
    ("Coffee & tea", "Latte macchiato", 390, FOOD, 70, &["milk"], &["Milk", "Syrup"]),
    ("Coffee & tea", "Black tea", 300, FOOD, 30, &[], &["Milk"]),
    ("Drinks", "Sparkling water 0.75 l", 450, FOOD, 80, &[], &[]),
    ("Drinks", "Fresh orange juice", 490, FOOD, 130, &[], &[]),
    ("Drinks", "Cola", 350, FOOD, 70, &[], &[]),
    ("Drinks", "Draught beer 0.4 l", 520, ALCOHOL, 110, &["gluten"], &[]),
    ("Drinks", "House red wine (glass)", 650, ALCOHOL, 150, &["sulphites"], &[]),
    ("Drinks", "House white wine (glass)", 650, ALCOHOL, 150, &["sulphites"], &[]),
    ("Drinks", "Gin & tonic", 1100, ALCOHOL, 250, &[], &[]),
];

fn missing(what: &str) -> ApiError {
    ApiError::internal(format!("demo menu refers to an unknown {what}"))
}

pub(crate) fn seed(tx: &mut WriteTx<'_>, actor: Actor) -> Result<(), ApiError> {
    if sql::station_count(tx.conn())? > 0 {
        return Ok(());
    }
    let mut stations = HashMap::new();
    for (position, name) in (0..).zip(["Kitchen", "Bar"]) {
        let new = NewStation { name: name.into(), printer_id: None, position: Some(position) };
        stations.insert(name, Menu::insert_station(tx, actor, &new.validate()?)?.id);
    }
    let mut groups: HashMap<&str, ModifierGroupId> = HashMap::new();
    for (name, min, max, options) in GROUPS {
        let options = options
            .iter()
            .map(|(name, delta)| NewOption { name: (*name).into(), price_delta: Money::from_minor(*delta) })
            .collect();
        let new = NewModifierGroup { name: name.into(), min, max, options };
        groups.insert(name, Menu::insert_modifier_group(tx, actor, &new.validate()?)?.id);
    }
    let mut categories = HashMap::new();
    for (position, (station, name)) in (0..).zip(CATEGORIES) {
        let new = NewCategory { name: name.into(), position: Some(position * 10) };
        let id = Menu::insert_category(tx, actor, &new.validate()?)?.id;
        categories.insert(name, (id, *stations.get(station).ok_or_else(|| missing("station"))?));
    }
    for (position, (category, name, price, tax, cost, allergens, item_groups)) in (0..).zip(ITEMS) {
        let (category_id, station_id) = *categories.get(category).ok_or_else(|| missing("category"))?;
        let modifier_group_ids = item_groups
            .iter()
            .map(|g| groups.get(g).copied().ok_or_else(|| missing("group")))
            .collect::<Result<_, _>>()?;
        let new = NewItem {
            category_id,
            name: name.into(),
            price: Money::from_minor(price),
            tax_rate_bp: tax,
            station_id,
            cost: Some(Money::from_minor(cost)),
            allergens: allergens.iter().map(|a| (*a).to_owned()).collect(),
            modifier_group_ids,
            position: Some(position * 10),
        };
        Menu::insert_item(tx, actor, &new.validate()?)?;
    }
    Ok(())
}

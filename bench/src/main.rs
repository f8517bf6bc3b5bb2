//! `comanda-bench`: run by `cargo xtask bench` and `cargo xtask faults`.

fn main() -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}

//! `comanda-cloud`: `serve`, and the CLI that makes organisations and sites.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use comanda_cloud::{Cloud, admin, db};
use uuid::Uuid;

#[derive(Parser)]
#[command(name = "comanda-cloud", version, about = "Comanda's cloud: the boxes' event logs and reports across sites.")]
struct Cli {
    /// PostgreSQL, e.g. postgres://comanda@127.0.0.1:5432/comanda
    #[arg(long, global = true, env = "COMANDA_CLOUD_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync and reporting API.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8090", value_name = "ADDR")]
        listen: SocketAddr,
    },
    /// Organisations (an owner's restaurants).
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Sites (one per box).
    Site {
        #[command(subcommand)]
        command: SiteCommand,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// A new organisation with its owner's login.
    Create {
        name: String,
        #[arg(long)]
        owner_username: String,
        #[arg(long)]
        owner_password: String,
    },
}

#[derive(Subcommand)]
enum SiteCommand {
    /// A new site; prints {"site_id":…,"token":…} (the token is shown only here).
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
    },
    /// The site's token stops working at once.
    Revoke { site_id: Uuid },
    /// A new token for the site (the old one stops working); prints {"site_id":…,"token":…}.
    Token { site_id: Uuid },
    /// A one-time code to pair the site's box from its dashboard (valid 30 minutes); prints
    /// {"site_id":…,"pairing_code":…,"expires_at":…}.
    Pair { site_id: Uuid },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_postgres=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("comanda-cloud: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("comanda-cloud: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout)]
async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database_url.context("give --database-url (or COMANDA_CLOUD_DATABASE_URL)")?;
    let pool = db::pool(&url, 16)?;
    db::migrate(&pool).await?;
    match cli.command {
        Command::Serve { listen } => {
            let app = comanda_cloud::router(Cloud { pool: Arc::new(pool) });
            let listener =
                tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
            // On stdout, plain, for scripts and tests: where to reach this instance.
            println!("comanda-cloud is serving at http://{}/", listener.local_addr()?);
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Command::Org { command: OrgCommand::Create { name, owner_username, owner_password } } => {
            let id = admin::create_org(&pool, &name, &owner_username, &owner_password).await?;
            println!("{}", serde_json::json!({"org_id": id, "name": name}));
        }
        Command::Site { command: SiteCommand::Create { org, name } } => {
            let (site_id, token) = admin::create_site(&pool, &org, &name).await?;
            println!("{}", serde_json::json!({"site_id": site_id, "token": token}));
        }
        Command::Site { command: SiteCommand::Revoke { site_id } } => {
            admin::revoke_site(&pool, site_id).await?;
            println!("{}", serde_json::json!({"site_id": site_id, "revoked": true}));
        }
        Command::Site { command: SiteCommand::Pair { site_id } } => {
            let client = pool.get().await.context("cannot connect to the database")?;
            let exists = client.query_opt("SELECT 1 FROM sites WHERE id = $1", &[&site_id]).await?.is_some();
            anyhow::ensure!(exists, "there is no site {site_id}");
            let (code, expires_at) = admin::pairing_code(&client, site_id).await?;
            let expires_at = expires_at.format(&time::format_description::well_known::Rfc3339)?;
            println!("{}", serde_json::json!({"site_id": site_id, "pairing_code": code, "expires_at": expires_at}));
        }
        Command::Site { command: SiteCommand::Token { site_id } } => {
            let token = admin::reissue_token(&pool, site_id).await?;
            println!("{}", serde_json::json!({"site_id": site_id, "token": token}));
        }
    }
    Ok(())
}

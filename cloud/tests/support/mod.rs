//! The cloud on a throwaway PostgreSQL (`comanda_testkit::Postgres`), served on 127.0.0.1.

use std::sync::Arc;

use comanda_cloud::{Cloud, db};
pub use comanda_testkit::Postgres;

/// A cloud instance on `pg`'s database, serving on 127.0.0.1 (its base URL).
pub async fn cloud(pg: &Postgres) -> (String, Cloud) {
    let pool = db::pool(&pg.url, 16).expect("pool");
    db::migrate(&pool).await.expect("migrations");
    let cloud = Cloud { pool: Arc::new(pool) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = comanda_cloud::router(cloud.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, cloud)
}

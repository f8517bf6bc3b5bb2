//! The box serves its own UI: pages, their client-side routes, assets with the right types,
//! an HTML 404 for unknown pages and the JSON error shape for unknown API routes.

use comanda_testkit::TestBox;

#[tokio::test]
async fn the_ui_is_served_from_the_binary() {
    let tb = TestBox::start().await.expect("box");
    let c = tb.client();
    // (path, status, content type prefix, a fragment of the body)
    let table: [(&str, u16, &str, &str); 8] = [
        ("/", 200, "text/html", "Comanda"),
        ("/waiter/", 200, "text/html", "<"),
        ("/waiter/table/T4", 200, "text/html", "<"),
        ("/kds/", 200, "text/html", "<"),
        ("/assets/core/api.js", 200, "text/javascript", "Idempotency-Key"),
        ("/assets/css/base.css", 200, "text/css", "--tap"),
        ("/sw.js", 200, "text/javascript", "caches"),
        ("/no-such-page", 404, "text/html", "Not found"),
    ];
    for (path, status, mime, fragment) in table {
        let reply = c.get(path).await;
        assert_eq!(reply.status, status, "{path}");
        let ty = reply.header("content-type").unwrap_or_default().to_owned();
        assert!(
            ty.starts_with(mime) || (mime == "text/javascript" && ty.starts_with("application/javascript")),
            "{path}: {ty}"
        );
        assert!(reply.text.contains(fragment), "{path}");
    }
    let api = c.get("/api/v1/nope").await.expect_status(404);
    assert_eq!(api.error_code(), Some("not_found"));
    tb.stop().await;
}

//! The log: access lines reach it, and hold no receipt code, reply token, query string or
//! client address.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use crate::helpers::{SMALL_DRAFT, china_day, spawn_app};
use crate::review::public_opinion;

/// Everything logged in this test process, captured once: the subscriber (and with it the
/// bridge from the `log` crate, which actix-web's access log writes to) is global.
fn captured() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_env_filter("info")
            .with_writer(move || Capture(sink.clone()))
            .try_init()
            .expect("the only global subscriber in the tests");
        buffer
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::test]
async fn access_log_lines_appear_without_codes_tokens_queries_or_addresses() {
    let log = captured();
    let app = spawn_app().await;
    let id = app.create_consultation("日志测试", china_day(-1), china_day(28), SMALL_DRAFT);
    let (_, code) = public_opinion(&app, id, None, "张三丰", "zhang.sanfeng@example.com", "日志里不应出现的意见。");
    let marker = format!("/consultations/{id}/sections/1-1");
    for path in [
        format!("/receipts/{code}"),
        format!("/api/v1/receipts/{code}"),
        format!("/receipts?code={code}"),
        format!("/consultations/{id}?q=zhang.sanfeng%40example.com"),
        "/replies/SECRET-REPLY-TOKEN".to_owned(),
        format!("/receipts/{code}/no-such-page"),
        marker.clone(),
    ] {
        app.get(&path).await;
    }
    let text = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("actix_web::middleware::logger")).collect();
    assert!(lines.iter().any(|l| l.contains(&format!("\"GET {marker}\" 200"))), "access lines reach the log: {text}");
    let ours = |path: &str| lines.iter().any(|l| l.contains(&format!("\"GET {path}\"")));
    assert!(ours("/receipts/…") && ours("/api/v1/receipts/…") && ours("/replies/…"), "{lines:#?}");
    assert!(ours(&format!("/consultations/{id}")) && ours("/receipts"), "{lines:#?}");
    for secret in [code.as_str(), "SECRET-REPLY-TOKEN", "zhang.sanfeng", "?q=", "?code=", "127.0.0.1", "张三丰"] {
        assert!(lines.iter().all(|l| !l.contains(secret)), "{secret} in the access log: {lines:#?}");
    }
}

//! Checks for load balancers. `/healthz` says the process is up and its database answers;
//! `/readyz` says it can serve: the schema is current, a write commits (the heartbeat row),
//! and the disk under an SQLite database has room left.

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use diesel::{ExpressionMethods, RunQueryDsl};

use crate::config::Settings;
use crate::db;
use crate::error::AppError;
use crate::state::AppState;

#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    db::run(&state.pool, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok"))
}

/// Readiness: 200 `{"status":"ready"}` when every migration built into this program is
/// applied, the heartbeat row takes a committed write, and (SQLite) the database's disk has at
/// least `ZHENGQIU_READY_MIN_FREE_MB` free; otherwise 503 with the reason in Chinese
/// (`{"status":"not_ready","reason":…}`), so that a load balancer sends no traffic here.
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checked = db::run(&state.pool, |conn| {
        let pending = db::pending_migrations(conn).map_err(AppError::internal)?;
        if !pending.is_empty() {
            return Ok(Some(format!(
                "数据库结构不是最新：尚有 {} 个迁移未执行（{}）",
                pending.len(),
                pending.join("、")
            )));
        }
        if let Err(err) = db::write_tx(conn, |conn| Ok(heartbeat(conn, Utc::now().naive_utc())?)) {
            tracing::warn!(error = %err, "readiness check: the heartbeat could not be written");
            return Ok(Some("数据库无法写入（心跳记录写入失败）".to_owned()));
        }
        Ok(None)
    })
    .await;
    let reason = match checked {
        Ok(None) => short_of_disk(&state.settings),
        Ok(Some(reason)) => Some(reason),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check: the database does not answer");
            Some("数据库无法连接或查询失败".to_owned())
        }
    };
    match reason {
        None => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Some(reason) => HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(serde_json::json!({ "status": "not_ready", "reason": reason })),
    }
}

/// Writes the heartbeat row (one row, shared by every instance).
fn heartbeat(conn: &mut db::Conn, now: chrono::NaiveDateTime) -> diesel::QueryResult<()> {
    use crate::db::schema::ready_heartbeat::dsl::*;
    let row = (id.eq(1), beat_at.eq(now));
    crate::on_inner!(conn, c => diesel::insert_into(ready_heartbeat)
        .values(row)
        .on_conflict(id)
        .do_update()
        .set(beat_at.eq(now))
        .execute(c))
    .map(|_| ())
}

/// The reason not to be ready when the disk holding the SQLite database is short of space.
/// (PostgreSQL's disk is the database server's, watched where the server is.)
fn short_of_disk(settings: &Settings) -> Option<String> {
    let path = settings.database_url.sqlite_path()?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let free = match free_bytes(&dir) {
        Ok(free) => free,
        Err(err) => {
            tracing::warn!(error = %err, dir = %dir.display(), "readiness check: free disk space unknown");
            return Some("无法查询数据库所在磁盘的剩余空间".to_owned());
        }
    };
    let free_mb = free / (1024 * 1024);
    (free_mb < settings.ready_min_free_mb)
        .then(|| format!("数据库所在磁盘剩余空间不足：剩余 {free_mb} MB，低于设定的 {} MB", settings.ready_min_free_mb))
}

/// Bytes an unprivileged process may still write on the file system holding `dir`.
fn free_bytes(dir: &std::path::Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "a NUL byte in the path"))?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is NUL-terminated and `stats` is written by statvfs before it is read.
    let stats = unsafe {
        if libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        stats.assume_init()
    };
    Ok((stats.f_bavail as u64).saturating_mul(stats.f_frsize as u64))
}

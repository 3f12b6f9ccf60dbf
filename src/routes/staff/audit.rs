//! The staff audit log for administrators: the newest entries on a page, all of them as CSV.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::StaffChrome;
use crate::auth::AdminUser;
use crate::db;
use crate::domain::window::in_china;
use crate::error::AppError;
use crate::models::audit::AuditEntry;
use crate::routes::render;
use crate::state::AppState;

/// How many entries the page shows; the CSV has them all.
const LISTED: i64 = 500;

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
}

impl AuditRow {
    fn new(e: &AuditEntry) -> AuditRow {
        AuditRow {
            at: in_china(e.at).format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: e.actor.clone(),
            action: e.action_label().to_owned(),
            subject: e.subject.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    staff: StaffChrome,
    rows: Vec<AuditRow>,
    listed: i64,
}

#[get("/audit")]
pub async fn index(state: web::Data<AppState>, admin: AdminUser) -> Result<HttpResponse, AppError> {
    let entries = db::run(&state.pool, |conn| Ok(AuditEntry::recent(conn, LISTED)?)).await?;
    render(&AuditPage {
        staff: StaffChrome::new(&admin.0),
        rows: entries.iter().map(AuditRow::new).collect(),
        listed: LISTED,
    })
}

/// Quotes a CSV field, and keeps a spreadsheet from reading it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Every entry, oldest first, as UTF-8 CSV with a byte-order mark (so that Excel reads the Chinese).
pub fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out = String::from("\u{FEFF}时间（北京时间）,人员,操作,对象\r\n");
    for row in entries.iter().map(AuditRow::new) {
        let fields = [row.at, row.actor, row.action, row.subject].map(|f| csv_field(&f));
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

#[get("/audit.csv")]
pub async fn download(state: web::Data<AppState>, _admin: AdminUser) -> Result<HttpResponse, AppError> {
    let entries = db::run(&state.pool, |conn| Ok(AuditEntry::all(conn)?)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"staff-audit.csv\""))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(to_csv(&entries)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_quotes_fields_and_defuses_formulas() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap().and_hms_opt(1, 2, 3).unwrap();
        let entry = |actor: &str, action: &str| AuditEntry {
            id: 1,
            at,
            actor_id: None,
            actor: actor.to_owned(),
            action: action.to_owned(),
            subject: "a\"b".to_owned(),
        };
        let text = to_csv(&[entry("=cmd()", "login_failed"), entry("王起草", "published")]);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "\u{FEFF}时间（北京时间）,人员,操作,对象");
        assert_eq!(lines[1], "\"2026-12-06 09:02:03\",\"'=cmd()\",\"登录失败\",\"a\"\"b\"");
        assert_eq!(lines[2], "\"2026-12-06 09:02:03\",\"王起草\",\"发布意见征集\",\"a\"\"b\"");
    }
}

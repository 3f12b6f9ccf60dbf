//! Exporting the adoption table (public, or in full with contacts) and publishing the 意见反馈.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{CsrfForm, StaffUser, ensure_can_manage};
use crate::db;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::ConsultationId;
use crate::domain::opinion::clean_text;
use crate::domain::window::Status;
use crate::error::AppError;
use crate::exports::{
    Audience, ExportOptions, ExportRound, Format, Grouping, Layout, LayoutInfo, default_layout, layout, layout_list,
};
use crate::models::draft::Draft;
use crate::models::feedback::FeedbackCounts;
use crate::models::round::{RoundFilter, ordinal};
use crate::models::{Consultation, adoption_table};
use crate::routes::download::streamed;
use crate::routes::render;
use crate::services::feedback::publish;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/exports.html")]
struct ExportsPage {
    staff: StaffChrome,
    consultation: Consultation,
    layouts: Vec<LayoutInfo>,
    counts: FeedbackCounts,
    /// The rounds to choose from (value, label), the current one first, when there are several.
    rounds: Vec<(String, String)>,
}

#[get("/consultations/{id}/exports")]
pub async fn exports(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    let consultation = staff.consultation(&state, id.into_inner()).await?;
    let cid = consultation.id;
    let (counts, current) = db::run(&state.pool, move |conn| {
        Ok((FeedbackCounts::load(conn, cid)?, crate::models::round::Round::current_number(conn, cid)?))
    })
    .await?;
    let rounds = match current {
        1 => Vec::new(),
        n => (1..=n)
            .rev()
            .map(|r| (r.to_string(), ordinal(r)))
            .chain([("all".to_owned(), "全部轮次".to_owned())])
            .collect(),
    };
    render(&ExportsPage { staff: StaffChrome::new(&staff), consultation, layouts: layout_list(), counts, rounds })
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub layout: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub grouping: String,
    /// `staff`: full names and contacts, for internal use.
    #[serde(default)]
    pub audience: String,
    /// The drafter's own heading; empty: the layout's.
    #[serde(default)]
    pub title: String,
    /// A round's number, `all`, or empty for the current round.
    #[serde(default)]
    pub round: String,
}

impl ExportQuery {
    /// The layout, format and options asked for (the staff API takes the same query).
    pub(crate) fn options(&self) -> Result<(Layout, Format, ExportOptions), AppError> {
        let unknown = |what: &str| AppError::BadRequest(format!("没有这种{what}，请返回重新选择。"));
        let layout = layout(&self.layout).ok_or_else(|| unknown("版式"))?;
        let format: Format = self.format.parse().map_err(|_| unknown("文件格式"))?;
        let grouping = match self.grouping.as_str() {
            "" => None,
            "per_author" => Some(Grouping::PerAuthor),
            "per_opinion" => Some(Grouping::PerOpinion),
            _ => return Err(unknown("分行方式")),
        };
        let audience = if self.audience == "staff" { Audience::Staff } else { Audience::Public };
        let title = own_title(&self.title).map_err(|e| AppError::BadRequest(format!("{e}，请返回修改。")))?;
        Ok((layout, format, ExportOptions { grouping, audience, title, undecided: None, round: None }))
    }
}

/// The round an export is of (`asked`: a number, `all`, or empty for the current round) and
/// its file name: with several rounds, the heading and the file name say which round it is.
pub(crate) fn export_round(asked: &str, rounds: i32, file_name: &str, suffix: &str) -> (Option<ExportRound>, String) {
    let (round, round_name) = match RoundFilter::parse(asked, rounds) {
        RoundFilter::One(n) => {
            let name = (rounds > 1).then(|| ordinal(n));
            (Some(ExportRound { number: n, name: name.clone() }), name)
        }
        RoundFilter::All => (None, (rounds > 1).then(|| "全部轮次".to_owned())),
    };
    let name = match round_name {
        Some(round) => format!("{file_name}（{round}）{suffix}"),
        None => format!("{file_name}{suffix}"),
    };
    (round, name)
}

/// The longest table heading accepted.
const TITLE_MAX_CHARS: usize = 200;

/// A heading typed by the drafter: `None` when empty, refused when too long.
pub(crate) fn own_title(typed: &str) -> Result<Option<String>, String> {
    let title = clean_text(typed).split_whitespace().collect::<Vec<_>>().join(" ");
    if title.chars().count() > TITLE_MAX_CHARS {
        return Err(format!("表格标题不能超过{TITLE_MAX_CHARS}字"));
    }
    Ok(Some(title).filter(|t| !t.is_empty()))
}

#[get("/consultations/{id}/export")]
pub async fn export(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let (layout, format, opts) = query.options()?;
    let audience = opts.audience;
    let consultation = staff.consultation(&state, id.into_inner()).await?;
    let suffix = if audience == Audience::Staff { "（内部，含联系方式）" } else { "" };
    let c = consultation.clone();
    let (draft, rounds) = db::run(&state.pool, move |conn| {
        Ok((Draft::name_for(conn, &c)?, crate::models::round::Round::current_number(conn, c.id)?))
    })
    .await?;
    let (round, name) = export_round(&query.round, rounds, &draft.table_file_name(), suffix);
    let opts = ExportOptions { round, ..opts };
    if audience == Audience::Staff {
        let subject = format!("第 {} 号（{}，{}）", consultation.id, query.layout, query.format);
        let actor = Some((staff.user.id, staff.user.display_name.clone()));
        super::audit(&state, actor, "", crate::models::audit::AuditAction::ExportWithContacts, subject).await?;
    }
    Ok(streamed(&state.pool, &name, format, move |conn, out| {
        adoption_table::export(conn, &consultation, &layout, &opts, format, out, |_| {}, || {})
    }))
}

#[derive(Template)]
#[template(path = "staff/feedback.html")]
struct FeedbackPage {
    staff: StaffChrome,
    consultation: Consultation,
    counts: FeedbackCounts,
    closed_message: Option<String>,
    text: String,
    /// The heading of the published table as the drafter wrote it (empty: `auto_title`).
    table_title: String,
    /// The heading the default layout makes from the draft's title.
    auto_title: String,
    errors: FieldErrors,
}

/// What the drafter typed into the publishing form, when it is shown again.
struct Typed {
    text: String,
    table_title: String,
}

async fn feedback_page(
    state: &AppState,
    staff: &StaffUser,
    id: ConsultationId,
    typed: Option<Typed>,
    errors: FieldErrors,
) -> Result<FeedbackPage, AppError> {
    let consultation = staff.consultation(state, id).await?;
    let c = consultation.clone();
    let (counts, auto_title, name) = db::run(&state.pool, move |conn| {
        let head = adoption_table::head(conn, &c)?;
        let auto_title = default_layout().title_for(&head);
        Ok((FeedbackCounts::load(conn, id)?, auto_title, Draft::name_for(conn, &c)?))
    })
    .await?;
    let status = consultation.status(Utc::now());
    let closed_message = matches!(status, Status::Open | Status::Scheduled)
        .then(|| format!("征集期至 {} 结束，结束后方可公布意见反馈。", consultation.ends_on));
    let Typed { text, table_title } = typed.unwrap_or_else(|| Typed {
        text: consultation
            .feedback_text
            .clone()
            .unwrap_or_else(|| name.feedback_text(consultation.starts_on, consultation.ends_on, &counts.tally())),
        table_title: consultation.feedback_table_title.clone().unwrap_or_else(|| auto_title.clone()),
    });
    Ok(FeedbackPage {
        staff: StaffChrome::new(staff),
        closed_message,
        counts,
        text,
        table_title,
        auto_title,
        errors,
        consultation,
    })
}

#[get("/consultations/{id}/feedback")]
pub async fn feedback_form(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    render(&feedback_page(&state, &staff, id.into_inner(), None, FieldErrors::new()).await?)
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    table_title: String,
}

#[post("/consultations/{id}/feedback")]
pub async fn publish_feedback(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: CsrfForm<PublishForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let CsrfForm { user: staff, form } = posted;
    let text = clean_text(&form.text);
    let mut errors = FieldErrors::new();
    if text.is_empty() || text.chars().count() > 20_000 {
        errors.add("text", "请填写意见反馈说明（不超过20000字）");
    }
    let table_title = own_title(&form.table_title).unwrap_or_else(|e| {
        errors.add("table_title", e);
        None
    });
    if !errors.is_empty() {
        let typed = Typed { text: form.text, table_title: form.table_title };
        return render_invalid(&feedback_page(&state, &staff, id, Some(typed), errors).await?);
    }
    let access = staff.access.clone();
    let public_url = state.settings.public_url.clone();
    let notices = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        ensure_can_manage(&access, &consultation)?;
        publish(conn, &consultation, &text, table_title.as_deref(), &public_url, Utc::now())
    })
    .await?;
    state.pages.forget_all();
    state.mail_wakeup.notify_one();
    let message = match notices {
        0 => "意见反馈已公布。".to_owned(),
        n => format!("意见反馈已公布，已向 {n} 位留下电子邮箱的公众发送处理结果通知。"),
    };
    staff.session.flash(false, message)?;
    Ok(see_other(&format!("/staff/consultations/{id}/feedback")))
}

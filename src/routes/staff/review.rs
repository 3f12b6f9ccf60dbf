//! The drafters' review list: every opinion with filters, keyset pages, and one decision
//! applied to a selection.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::opinion_view::{OpinionRow, SectionTitles};
use super::review_charts::ReviewCharts;
use super::{StaffChrome, see_other};
use crate::auth::{CsrfForm, StaffUser, ensure_can_manage, staff_return_path};
use crate::db;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::decision::Actor;
use crate::domain::decision::Decision;
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::domain::source::Source;
use crate::error::AppError;
use crate::models::Consultation;
use crate::models::feedback::FeedbackCounts;
use crate::models::question_answer::QuestionShare;
use crate::models::review::{DecisionFilter, ReviewFilter, SectionFilter};
use crate::routes::render;
use crate::services::decisions::decide;
use crate::state::AppState;

/// Opinions per page.
pub const PAGE_SIZE: i64 = 50;

/// The list's query string, as typed or linked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReviewQuery {
    #[serde(default)]
    pub section: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub flagged: String,
    #[serde(default)]
    pub q: String,
    pub after: Option<i32>,
}

impl ReviewQuery {
    /// The filter it names; unknown values mean "any".
    pub fn filter(&self, titles: &SectionTitles) -> ReviewFilter {
        ReviewFilter {
            section: match self.section.as_str() {
                "" => SectionFilter::Any,
                "whole" => SectionFilter::Whole,
                anchor => titles.by_anchor(anchor).map_or(SectionFilter::Any, SectionFilter::Section),
            },
            source: [Source::Public, Source::Department, Source::Offline].into_iter().find(|s| s.code() == self.source),
            decision: match self.decision.as_str() {
                "undecided" => DecisionFilter::Undecided,
                code => AdoptionStatus::from_code(code).map_or(DecisionFilter::Any, DecisionFilter::Is),
            },
            flagged_only: self.flagged == "1",
            text: Some(self.q.trim().to_owned()).filter(|q| !q.is_empty()),
        }
    }

    /// The query string without the page position, for links that keep the filter.
    pub fn filter_string(&self) -> String {
        serde_urlencoded::to_string([
            ("section", self.section.as_str()),
            ("source", self.source.as_str()),
            ("decision", self.decision.as_str()),
            ("flagged", self.flagged.as_str()),
            ("q", self.q.as_str()),
        ])
        .unwrap_or_default()
    }
}

/// An option of a filter drop-down.
pub struct Choice {
    pub value: String,
    pub label: String,
}

fn decision_choices() -> Vec<Choice> {
    let mut choices = vec![
        Choice { value: String::new(), label: "全部".into() },
        Choice { value: "undecided".into(), label: "未处理".into() },
    ];
    choices.extend(AdoptionStatus::ALL.iter().map(|s| Choice { value: s.code().into(), label: s.label().into() }));
    choices
}

#[derive(Template)]
#[template(path = "staff/review.html")]
struct ReviewListPage {
    staff: StaffChrome,
    consultation: Consultation,
    counts: FeedbackCounts,
    query: ReviewQuery,
    filter_string: String,
    sections: Vec<Choice>,
    decisions: Vec<Choice>,
    statuses: Vec<Choice>,
    rows: Vec<OpinionRow>,
    next_url: Option<String>,
    first_page: bool,
    charts: ReviewCharts,
    /// An unusual share of opinions sent with the text question (see `question_answer`).
    question_warning: Option<String>,
}

#[get("/consultations/{id}/review")]
pub async fn list(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
    query: web::Query<ReviewQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let query = query.into_inner();
    let access = staff.access.clone();
    let list_query = query.clone();
    let (consultation, counts, titles, page, charts, question_warning) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        ensure_can_manage(&access, &consultation)?;
        let titles = SectionTitles::load(conn, id)?;
        let filter = list_query.filter(&titles);
        let page = filter.page(conn, id, list_query.after.map(OpinionId), PAGE_SIZE)?;
        let counts = FeedbackCounts::load(conn, id)?;
        let charts = ReviewCharts::load(conn, &consultation, &counts, &titles, Utc::now())?;
        let questions = QuestionShare::load(conn, id, Utc::now().naive_utc())?;
        Ok((consultation, counts, titles, page, charts, questions.warning()))
    })
    .await?;
    let filter_string = query.filter_string();
    let base = format!("/staff/consultations/{id}/review");
    let rows = page.opinions.iter().map(|o| OpinionRow::new(o, &titles, &filter_string)).collect();
    let mut sections = vec![
        Choice { value: String::new(), label: "全部".into() },
        Choice { value: "whole".into(), label: "全文".into() },
    ];
    sections.extend(titles.choices());
    render(&ReviewListPage {
        staff: StaffChrome::new(&staff),
        counts,
        next_url: page.next_after.map(|after| format!("{base}?{filter_string}&after={after}")),
        first_page: query.after.is_none(),
        statuses: decision_choices().into_iter().skip(1).collect(),
        decisions: decision_choices(),
        sections,
        filter_string,
        rows,
        query,
        consultation,
        charts,
        question_warning,
    })
}

/// Where a decision form came from and goes back to.
fn list_url(id: ConsultationId, filter_string: &str) -> String {
    format!("/staff/consultations/{id}/review?{filter_string}")
}

/// One decision for several opinions: the ticked ones of a list page, or a group.
#[post("/consultations/{id}/decisions")]
pub async fn decide_many(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let CsrfForm { user: staff, form: pairs } = posted;
    // Whose it is comes before what was asked: a stranger learns nothing from the answer.
    staff.consultation(&state, id).await?;
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
    let back = staff_return_path(field("back")).map_or_else(|| list_url(id, ""), str::to_owned);
    let ids: Vec<OpinionId> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .flat_map(|(_, v)| v.split(','))
        .filter_map(|v| v.trim().parse().ok())
        .map(OpinionId)
        .collect();
    if ids.is_empty() {
        staff.session.flash(true, "请先勾选要处理的意见。")?;
        return Ok(see_other(&back));
    }
    let decision = match Decision::parse(field("status"), field("reason")) {
        Ok(d) => d,
        Err(errors) => {
            let message = errors.iter().map(|(_, m)| m.to_owned()).collect::<Vec<_>>().join("；");
            staff.session.flash(true, format!("未保存：{message}。"))?;
            return Ok(see_other(&back));
        }
    };
    let actor = Actor { id: Some(staff.user.id.0), name: staff.user.display_name.clone() };
    let access = staff.access.clone();
    let changed = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        ensure_can_manage(&access, &consultation)?;
        decide(conn, id, &ids, decision.as_ref(), &actor, Utc::now().naive_utc())
    })
    .await?;
    staff.session.flash(false, format!("已更新 {changed} 条意见的采纳情况。"))?;
    Ok(see_other(&back))
}

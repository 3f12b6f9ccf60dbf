//! The drafters' review page: every opinion with filters and keyset pages, one decision
//! applied to a selection, and the workbench: the opinion chosen by `?opinion=ID` beside the
//! list with its section's text, copies, history and decision form.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::opinion::{DecisionFormView, Typed};
use super::opinion_view::{OpinionDetail, OpinionRow, SectionTitles};
use super::review_charts::ReviewCharts;
use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{CsrfForm, StaffUser, ensure_can_manage, staff_return_path};
use crate::db;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::decision::Actor;
use crate::domain::decision::Decision;
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::domain::source::Source;
use crate::error::AppError;
use crate::models::feedback::FeedbackCounts;
use crate::models::question_answer::QuestionShare;
use crate::models::review::{DecisionFilter, ReviewFilter, SectionFilter};
use crate::models::round::{Round, RoundFilter, ordinal};
use crate::models::{Consultation, Opinion};
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
    /// A round's number, or `all`; the list fills in the current round when empty.
    #[serde(default)]
    pub round: String,
    pub after: Option<i32>,
    /// The opinion open in the workbench.
    pub opinion: Option<i32>,
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
            round: self.round.trim().parse().ok(),
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
            ("round", self.round.as_str()),
        ])
        .unwrap_or_default()
    }

    /// The filter and the page position, for links that come back to the same place in the list.
    pub fn position_string(&self) -> String {
        match self.after {
            Some(after) => format!("{}&after={after}", self.filter_string()),
            None => self.filter_string(),
        }
    }
}

/// An option of a filter drop-down.
#[derive(Clone)]
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

/// The opinion open in the workbench, and its neighbours in the list.
struct Selected {
    detail: OpinionDetail,
    /// The opinion's own page.
    page_url: String,
    previous_url: Option<String>,
    next_url: Option<String>,
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
    /// The rounds to filter by, when there are several.
    rounds: Vec<Choice>,
    rows: Vec<OpinionRow>,
    next_url: Option<String>,
    first_page: bool,
    charts: ReviewCharts,
    selected: Option<Selected>,
    /// The open opinion's id, 0 when none is.
    selected_id: i32,
    decision_form: Option<DecisionFormView>,
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
    render_workbench(&state, &staff, id.into_inner(), query.into_inner(), None).await
}

/// The review page; with `typed`, the workbench's decision form as it was sent and refused (422).
pub async fn render_workbench(
    state: &AppState,
    staff: &StaffUser,
    id: ConsultationId,
    mut query: ReviewQuery,
    typed: Option<Typed>,
) -> Result<HttpResponse, AppError> {
    let access = staff.access.clone();
    let (consultation, current) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        ensure_can_manage(&access, &consultation)?;
        Ok((consultation, Round::current_number(conn, id)?))
    })
    .await?;
    // Several rounds: one round at a time, the current one unless another (or 全部轮次) is asked for.
    let round = RoundFilter::parse(&query.round, current);
    query.round = if current > 1 { round.code() } else { String::new() };
    let list_query = query.clone();
    let filter_string = query.filter_string();
    let strings = filter_string.clone();
    let c = consultation.clone();
    let (counts, titles, page, charts, question_warning, detail) = db::run(&state.pool, move |conn| {
        let titles = SectionTitles::load(conn, id)?;
        let filter = list_query.filter(&titles);
        let page = filter.page(conn, id, list_query.after.map(OpinionId), PAGE_SIZE)?;
        let counts = match filter.round {
            Some(n) => FeedbackCounts::load_round(conn, id, n)?,
            None => FeedbackCounts::load(conn, id)?,
        };
        let charts = ReviewCharts::load(conn, &c, filter.round, &counts, &titles, Utc::now())?;
        // Without a choice, the first undecided opinion of the page is open.
        let chosen = match list_query.opinion {
            Some(oid) => Some(Opinion::find(conn, OpinionId(oid))?).filter(|o| o.consultation_id == id),
            None => page.opinions.iter().find(|o| o.decision.is_none()).cloned(),
        };
        if list_query.opinion.is_some() && chosen.is_none() {
            return Err(AppError::NotFound);
        }
        let detail = chosen.map(|o| OpinionDetail::load(conn, &o, &titles, &strings)).transpose()?;
        let questions = QuestionShare::load(conn, id, Utc::now().naive_utc())?;
        Ok((counts, titles, page, charts, questions.warning(), detail))
    })
    .await?;
    let rounds = match current {
        1 => Vec::new(),
        n => (1..=n)
            .rev()
            .map(|r| Choice { value: r.to_string(), label: ordinal(r) })
            .chain([Choice { value: "all".into(), label: "全部轮次".into() }])
            .collect(),
    };
    let position = query.position_string();
    let base = format!("/staff/consultations/{id}/review");
    let select_url = |oid: i32| format!("{base}?{position}&opinion={oid}");
    let rows: Vec<OpinionRow> = page
        .opinions
        .iter()
        .map(|o| OpinionRow { url: select_url(o.id.0), ..OpinionRow::new(o, &titles, &filter_string) })
        .collect();
    let selected = detail.map(|detail| {
        let at = rows.iter().position(|r| r.id == detail.row.id);
        let neighbour = |i: Option<usize>| i.and_then(|i| rows.get(i)).map(|r| r.url.clone());
        Selected {
            page_url: format!("/staff/consultations/{id}/opinions/{}?{position}", detail.row.id),
            previous_url: neighbour(at.and_then(|i| i.checked_sub(1))),
            next_url: neighbour(at.map_or(Some(0), |i| Some(i + 1))),
            detail,
        }
    });
    let decision_form = selected.as_ref().map(|s| {
        let detail = &s.detail;
        let mut form = DecisionFormView::new(id, &query, detail);
        form.view = "review";
        form.heading = "h3";
        form.autofocus = query.opinion.is_some();
        if let Some(typed) = typed {
            form.keep(typed);
        }
        form
    });
    let mut sections = vec![
        Choice { value: String::new(), label: "全部".into() },
        Choice { value: "whole".into(), label: "全文".into() },
    ];
    sections.extend(titles.choices());
    let invalid = decision_form.as_ref().is_some_and(|f| !f.errors.is_empty());
    let page = ReviewListPage {
        staff: StaffChrome::new(staff),
        counts,
        next_url: page.next_after.map(|after| format!("{base}?{filter_string}&after={after}")),
        first_page: query.after.is_none(),
        statuses: decision_choices().into_iter().skip(1).collect(),
        decisions: decision_choices(),
        rounds,
        sections,
        filter_string,
        rows,
        query,
        consultation,
        charts,
        selected_id: selected.as_ref().map_or(0, |s| s.detail.row.id),
        selected,
        decision_form,
        question_warning,
    };
    if invalid { render_invalid(&page) } else { render(&page) }
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

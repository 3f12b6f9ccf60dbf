//! One opinion for a drafter: everything about it, its history, and the decision form, which
//! the review page's workbench shows too.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::opinion_view::{OpinionDetail, SectionTitles, TakenUpGroup};
use super::review::{Choice, PAGE_SIZE, ReviewQuery};
use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{CsrfForm, StaffUser, ensure_can_manage};
use crate::db;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::decision::Actor;
use crate::domain::decision::{Decision, parse_taken_up};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::error::AppError;
use crate::models::{Consultation, Opinion};
use crate::services::decisions::decide_one;
use crate::state::AppState;

/// The decision form (`templates/staff/decision_form.html`), wherever it is shown.
pub struct DecisionFormView {
    /// Where it posts, with the list's filter and page position in the query string.
    pub action: String,
    pub statuses: Vec<Choice>,
    pub status: String,
    pub reason: String,
    /// The chosen section of a later version (its id), "" for none.
    pub taken_up: String,
    /// Later versions' sections, offered as where a decision was taken up.
    pub taken_up_groups: Vec<TakenUpGroup>,
    pub errors: FieldErrors,
    /// `review` when it sits in the review page's workbench, which saving returns to.
    pub view: &'static str,
    /// The heading level the form's title takes on its page.
    pub heading: &'static str,
    /// Focus its first field on load: the drafter chose this opinion to decide it.
    pub autofocus: bool,
}

impl DecisionFormView {
    /// The form for `detail`'s opinion as it is recorded now.
    pub fn new(cid: ConsultationId, query: &ReviewQuery, detail: &OpinionDetail) -> Self {
        DecisionFormView {
            action: format!(
                "/staff/consultations/{cid}/opinions/{}/decision?{}",
                detail.row.id,
                query.position_string()
            ),
            statuses: std::iter::once(Choice { value: "undecided".into(), label: "未处理".into() })
                .chain(AdoptionStatus::ALL.iter().map(|s| Choice { value: s.code().into(), label: s.label().into() }))
                .collect(),
            status: detail.status.clone(),
            reason: detail.reason.clone(),
            taken_up: detail.taken_up.clone(),
            taken_up_groups: detail.taken_up_groups.clone(),
            errors: FieldErrors::new(),
            view: "opinion",
            heading: "h2",
            autofocus: false,
        }
    }

    /// Shows what was sent and refused.
    pub fn keep(&mut self, typed: Typed) {
        (self.status, self.reason, self.taken_up, self.errors) =
            (typed.status, typed.reason, typed.taken_up, typed.errors);
    }
}

/// A decision form as it was sent, with what is wrong with it.
pub struct Typed {
    pub status: String,
    pub reason: String,
    pub taken_up: String,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "staff/opinion.html")]
struct OpinionPage {
    staff: StaffChrome,
    consultation: Consultation,
    detail: OpinionDetail,
    decision_form: DecisionFormView,
    list_url: String,
}

/// A consultation the drafter manages and one of its opinions, with the draft's sections.
pub fn load_opinion(
    conn: &mut db::Conn,
    access: &crate::domain::agency::StaffAccess,
    cid: ConsultationId,
    oid: OpinionId,
) -> Result<(Consultation, Opinion, SectionTitles), AppError> {
    let consultation = Consultation::find(conn, cid)?;
    ensure_can_manage(access, &consultation)?;
    let opinion = Opinion::find(conn, oid)?;
    if opinion.consultation_id != cid {
        return Err(AppError::NotFound);
    }
    let titles = SectionTitles::load(conn, cid)?;
    Ok((consultation, opinion, titles))
}

async fn page(
    state: &AppState,
    staff: &StaffUser,
    cid: ConsultationId,
    oid: OpinionId,
    query: &ReviewQuery,
    typed: Option<Typed>,
) -> Result<OpinionPage, AppError> {
    let access = staff.access.clone();
    let filter_string = query.filter_string();
    let (consultation, detail) = db::run(&state.pool, move |conn| {
        let (consultation, opinion, titles) = load_opinion(conn, &access, cid, oid)?;
        Ok((consultation, OpinionDetail::load(conn, &opinion, &titles, &filter_string)?))
    })
    .await?;
    let mut decision_form = DecisionFormView::new(cid, query, &detail);
    if let Some(typed) = typed {
        decision_form.keep(typed);
    }
    Ok(OpinionPage {
        staff: StaffChrome::new(staff),
        list_url: format!("/staff/consultations/{cid}/review?{}", query.position_string()),
        consultation,
        detail,
        decision_form,
    })
}

#[get("/consultations/{cid}/opinions/{oid}")]
pub async fn show(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<(ConsultationId, OpinionId)>,
    query: web::Query<ReviewQuery>,
) -> Result<HttpResponse, AppError> {
    let (cid, oid) = path.into_inner();
    crate::routes::render(&page(&state, &staff, cid, oid, &query, None).await?)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    /// Where a later version took the opinion up: a section id, or empty.
    #[serde(default)]
    taken_up: String,
    /// `next`: go on to the next undecided opinion of the list.
    #[serde(default)]
    action: String,
    /// `review`: the form was in the review page's workbench, which saving returns to.
    #[serde(default)]
    view: String,
}

/// Saves a decision; 保存并处理下一条 goes on to the next undecided opinion of the list's
/// filter (from the top again after the last), keeping the filter and the page position.
#[post("/consultations/{cid}/opinions/{oid}/decision")]
pub async fn save(
    state: web::Data<AppState>,
    path: web::Path<(ConsultationId, OpinionId)>,
    query: web::Query<ReviewQuery>,
    posted: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let (cid, oid) = path.into_inner();
    let CsrfForm { user: staff, form } = posted;
    let query = query.into_inner();
    let in_workbench = form.view == "review";
    let parsed = Decision::parse(&form.status, &form.reason)
        .and_then(|d| Ok((parse_taken_up(d.as_ref().map(|d| d.status), &form.taken_up)?, d)));
    let (taken_up, decision) = match parsed {
        Ok(parsed) => parsed,
        Err(errors) => return invalid(&state, &staff, cid, oid, query, form, errors).await,
    };
    let actor = Actor { id: Some(staff.user.id.0), name: staff.user.display_name.clone() };
    let access = staff.access.clone();
    let go_next = form.action == "next";
    let list_query = query.clone();
    let saved = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, cid)?;
        ensure_can_manage(&access, &consultation)?;
        decide_one(conn, cid, oid, decision.as_ref(), taken_up, &actor, Utc::now().naive_utc())?;
        let titles = SectionTitles::load(conn, cid)?;
        let filter = list_query.filter(&titles);
        let next = if go_next { filter.next_undecided_wrapping(conn, cid, oid)? } else { None };
        let after = list_query.after.map(OpinionId);
        let after = filter.page_of(conn, cid, after, next.unwrap_or(oid), PAGE_SIZE)?;
        Ok((next, after))
    })
    .await;
    let (next, after) = match saved {
        Ok(saved) => saved,
        Err(AppError::BadRequest(message)) => {
            let errors = FieldErrors::one("taken_up", message);
            return invalid(&state, &staff, cid, oid, query, form, errors).await;
        }
        Err(err) => return Err(err),
    };
    let filter_string = query.filter_string();
    if go_next && next.is_none() {
        staff.session.flash(false, format!("已保存意见 #{oid} 的采纳情况。当前筛选条件下已没有未处理的意见。"))?;
    } else {
        staff.session.flash(false, format!("已保存意见 #{oid} 的采纳情况。"))?;
    }
    let location = if in_workbench {
        let position = ReviewQuery { after: after.map(|a| a.0), ..query };
        format!("/staff/consultations/{cid}/review?{}&opinion={}", position.position_string(), next.unwrap_or(oid))
    } else {
        match next {
            Some(next) => format!("/staff/consultations/{cid}/opinions/{next}?{filter_string}"),
            None if go_next => format!("/staff/consultations/{cid}/review?{filter_string}"),
            None => format!("/staff/consultations/{cid}/opinions/{oid}?{filter_string}"),
        }
    };
    Ok(see_other(&location))
}

/// The form again where it was sent from, with what was typed and what is wrong with it.
async fn invalid(
    state: &AppState,
    staff: &StaffUser,
    cid: ConsultationId,
    oid: OpinionId,
    query: ReviewQuery,
    form: DecisionForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let typed = Some(Typed { status: form.status, reason: form.reason, taken_up: form.taken_up, errors });
    if form.view == "review" {
        let query = ReviewQuery { opinion: Some(oid.0), ..query };
        super::review::render_workbench(state, staff, cid, query, typed).await
    } else {
        render_invalid(&page(state, staff, cid, oid, &query, typed).await?)
    }
}

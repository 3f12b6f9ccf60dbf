//! One opinion for a drafter: everything about it, its history, and the decision form.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::opinion_view::{OpinionRow, SectionTitles};
use super::review::{Choice, ReviewQuery};
use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{CsrfForm, StaffUser, ensure_can_manage};
use crate::db;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::decision::Actor;
use crate::domain::decision::{Decision, parse_taken_up};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::domain::receipt::ReceiptCode;
use crate::domain::window::format_china;
use crate::error::AppError;
use crate::models::decision::DecisionChange;
use crate::models::review::copies_of;
use crate::models::taken_up::{later_versions, matched_in_next};
use crate::models::{Consultation, Draft, Opinion, Section};
use crate::services::decisions::decide_one;
use crate::state::AppState;

/// A line of the decision history.
pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub from: &'static str,
    pub to: &'static str,
    pub reason: Option<String>,
}

/// A later version's sections, offered as where a decision was taken up.
pub struct TakenUpGroup {
    pub label: String,
    pub sections: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "staff/opinion.html")]
struct OpinionPage {
    staff: StaffChrome,
    consultation: Consultation,
    row: OpinionRow,
    full_contact: Option<String>,
    receipt: Option<String>,
    copies: usize,
    history: Vec<HistoryLine>,
    statuses: Vec<Choice>,
    status: String,
    reason: String,
    /// The chosen section of a later version (its id), "" for none.
    taken_up: String,
    taken_up_groups: Vec<TakenUpGroup>,
    errors: FieldErrors,
    filter_string: String,
    list_url: String,
}

struct Loaded {
    consultation: Consultation,
    opinion: Opinion,
    titles: SectionTitles,
    copies: usize,
    history: Vec<DecisionChange>,
    later: Vec<(Draft, Vec<Section>)>,
    /// Where the opinion's section went in the next version.
    matched: Option<crate::domain::ids::SectionId>,
}

async fn load(state: &AppState, staff: &StaffUser, cid: ConsultationId, oid: OpinionId) -> Result<Loaded, AppError> {
    let access = staff.access.clone();
    db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, cid)?;
        ensure_can_manage(&access, &consultation)?;
        let opinion = Opinion::find(conn, oid)?;
        if opinion.consultation_id != cid {
            return Err(AppError::NotFound);
        }
        let titles = SectionTitles::load(conn, cid)?;
        let copies = copies_of(conn, cid, &opinion.fingerprint)?.len();
        let history = DecisionChange::for_opinions(conn, &[oid])?;
        let later = later_versions(conn, &opinion)?;
        let matched = matched_in_next(conn, &opinion, &later)?;
        Ok(Loaded { consultation, opinion, titles, copies, history, later, matched })
    })
    .await
}

impl Loaded {
    fn page(
        self,
        staff: &StaffUser,
        query: &ReviewQuery,
        status: String,
        reason: String,
        taken_up: String,
        errors: FieldErrors,
    ) -> OpinionPage {
        let filter_string = query.filter_string();
        OpinionPage {
            staff: StaffChrome::new(staff),
            row: OpinionRow::new(&self.opinion, &self.titles, &filter_string),
            full_contact: self.opinion.contact.clone(),
            receipt: self
                .opinion
                .receipt_code
                .as_deref()
                .and_then(|c| ReceiptCode::parse(c).ok())
                .map(|c| c.to_string()),
            copies: self.copies,
            history: self
                .history
                .iter()
                .map(|h| HistoryLine {
                    at: format_china(h.created_at),
                    actor: h.actor_name.clone(),
                    from: h.from_label(),
                    to: h.to_label(),
                    reason: h.to_reason.clone(),
                })
                .collect(),
            statuses: std::iter::once(Choice { value: "undecided".into(), label: "未处理".into() })
                .chain(AdoptionStatus::ALL.iter().map(|s| Choice { value: s.code().into(), label: s.label().into() }))
                .collect(),
            status,
            reason,
            taken_up,
            taken_up_groups: self
                .later
                .iter()
                .map(|(draft, sections)| TakenUpGroup {
                    label: format!("第{}版（{}）", draft.version_no, draft.version_label),
                    sections: sections.iter().map(|s| Choice { value: s.id.to_string(), label: s.title() }).collect(),
                })
                .collect(),
            errors,
            list_url: format!("/staff/consultations/{}/review?{filter_string}", self.consultation.id),
            filter_string,
            consultation: self.consultation,
        }
    }
}

#[get("/consultations/{cid}/opinions/{oid}")]
pub async fn show(
    state: web::Data<AppState>,
    staff: StaffUser,
    path: web::Path<(ConsultationId, OpinionId)>,
    query: web::Query<ReviewQuery>,
) -> Result<HttpResponse, AppError> {
    let (cid, oid) = path.into_inner();
    let loaded = load(&state, &staff, cid, oid).await?;
    let status = loaded.opinion.decision.map_or("undecided", AdoptionStatus::code).to_owned();
    let reason = loaded.opinion.decision_reason.clone().unwrap_or_default();
    // Until a place is chosen, offer where the opinion's section went (unless the decision refuses it).
    let refused =
        loaded.opinion.decision.is_some_and(|d| !matches!(d, AdoptionStatus::Adopted | AdoptionStatus::PartlyAdopted));
    let taken_up = loaded
        .opinion
        .taken_up_section_id
        .or(loaded.matched.filter(|_| !refused))
        .map(|s| s.to_string())
        .unwrap_or_default();
    crate::routes::render(&loaded.page(&staff, &query, status, reason, taken_up, FieldErrors::new()))
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
    #[serde(flatten)]
    query: ReviewQuery,
}

#[post("/consultations/{cid}/opinions/{oid}/decision")]
pub async fn save(
    state: web::Data<AppState>,
    path: web::Path<(ConsultationId, OpinionId)>,
    posted: CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let (cid, oid) = path.into_inner();
    let CsrfForm { user: staff, form } = posted;
    let parsed = Decision::parse(&form.status, &form.reason)
        .and_then(|d| Ok((parse_taken_up(d.as_ref().map(|d| d.status), &form.taken_up)?, d)));
    let (taken_up, decision) = match parsed {
        Ok(parsed) => parsed,
        Err(errors) => return invalid(&state, &staff, cid, oid, form, errors).await,
    };
    let actor = Actor { id: Some(staff.user.id.0), name: staff.user.display_name.clone() };
    let access = staff.access.clone();
    let query = form.query.clone();
    let next = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, cid)?;
        ensure_can_manage(&access, &consultation)?;
        decide_one(conn, cid, oid, decision.as_ref(), taken_up, &actor, Utc::now().naive_utc())?;
        let titles = SectionTitles::load(conn, cid)?;
        Ok(query.filter(&titles).next_undecided(conn, cid, oid)?)
    })
    .await;
    let next = match next {
        Ok(next) => next,
        Err(AppError::BadRequest(message)) => {
            return invalid(&state, &staff, cid, oid, form, FieldErrors::one("taken_up", message)).await;
        }
        Err(err) => return Err(err),
    };
    let filter_string = form.query.filter_string();
    staff.session.flash(false, "已保存采纳情况。")?;
    let location = match (form.action.as_str(), next) {
        ("next", Some(next)) => format!("/staff/consultations/{cid}/opinions/{next}?{filter_string}"),
        ("next", None) => {
            staff.session.flash(false, "已保存。当前筛选条件下已没有未处理的意见。")?;
            format!("/staff/consultations/{cid}/review?{filter_string}")
        }
        _ => format!("/staff/consultations/{cid}/opinions/{oid}?{filter_string}"),
    };
    Ok(see_other(&location))
}

/// The form again, with what was typed and what is wrong with it.
async fn invalid(
    state: &AppState,
    staff: &StaffUser,
    cid: ConsultationId,
    oid: OpinionId,
    form: DecisionForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let loaded = load(state, staff, cid, oid).await?;
    render_invalid(&loaded.page(staff, &form.query, form.status, form.reason, form.taken_up, errors))
}

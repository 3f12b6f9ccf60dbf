//! Opinions that say the same thing (copies, mass campaigns), offered as groups that one
//! decision can settle. The grouping reads stored signatures (see `services::groups`), so a
//! view segments only the opinions that are new or changed since the last one.

use std::sync::Arc;

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::StaffChrome;
use super::review::Choice;
use crate::auth::{StaffUser, ensure_can_manage};
use crate::db;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::ConsultationId;
use crate::error::AppError;
use crate::models::Consultation;
use crate::routes::render;
use crate::services::groups::{self, Found};
use crate::state::AppState;
use crate::text::similar::{Group, Grouper};

/// Groups shown on the page, largest first.
const MAX_GROUPS: usize = 200;

/// A group as the page shows it.
pub struct GroupView {
    pub size: usize,
    pub exact: bool,
    pub similarity: String,
    pub sample: String,
    pub ids: String,
    pub first_url: String,
    /// "采纳 3、未处理 12" — what the members carry now.
    pub decisions: String,
}

#[derive(Template)]
#[template(path = "staff/groups.html")]
struct GroupsPage {
    staff: StaffChrome,
    consultation: Consultation,
    groups: Vec<GroupView>,
    total_groups: usize,
    grouped: usize,
    statuses: Vec<Choice>,
    back: String,
}

/// The grouper holds jieba's dictionary: built once, on first use.
fn grouper(state: &AppState) -> Arc<Grouper> {
    state.grouper.get_or_init(|| Arc::new(Grouper::new())).clone()
}

#[get("/consultations/{id}/groups")]
pub async fn list(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let access = staff.access.clone();
    let state_for_grouping = state.clone();
    let (consultation, found) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        ensure_can_manage(&access, &consultation)?;
        let state = &state_for_grouping;
        let found = groups::find(conn, &grouper(state), &state.groups, id, MAX_GROUPS)?;
        Ok((consultation, found))
    })
    .await?;
    let grouped = found.groups.iter().map(|g| g.ids.len()).sum();
    render(&GroupsPage {
        staff: StaffChrome::new(&staff),
        groups: found.groups.iter().take(MAX_GROUPS).map(|g| view(id, g, &found)).collect(),
        total_groups: found.groups.len(),
        grouped,
        statuses: AdoptionStatus::ALL
            .iter()
            .map(|s| Choice { value: s.code().into(), label: s.label().into() })
            .collect(),
        back: format!("/staff/consultations/{id}/groups"),
        consultation,
    })
}

fn view(consultation: ConsultationId, group: &Group, found: &Found) -> GroupView {
    let mut tally: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for id in &group.ids {
        let decision = found.decisions.get(id).and_then(Option::as_deref);
        let label = decision.and_then(AdoptionStatus::from_code).map_or("未处理", |s| s.label());
        *tally.entry(label).or_default() += 1;
    }
    let first = group.ids.first().copied().unwrap_or_default();
    GroupView {
        size: group.ids.len(),
        exact: group.exact,
        similarity: format!("{:.0}%", group.similarity * 100.0),
        sample: found.samples.get(&first).map(|b| crate::emails::summary(b, 300)).unwrap_or_default(),
        ids: group.ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
        first_url: format!("/staff/consultations/{consultation}/opinions/{first}"),
        decisions: tally.iter().map(|(label, n)| format!("{label} {n}")).collect::<Vec<_>>().join("、"),
    }
}

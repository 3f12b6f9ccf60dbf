//! Opinions that say the same thing (copies, mass campaigns), offered as groups that one
//! decision can settle.

use std::sync::Arc;

use actix_web::{HttpResponse, get, web};
use askama::Template;
use diesel::prelude::*;

use super::StaffChrome;
use super::review::Choice;
use crate::auth::{StaffUser, ensure_can_manage};
use crate::db;
use crate::db::schema::opinions;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::ConsultationId;
use crate::error::AppError;
use crate::models::Consultation;
use crate::routes::render;
use crate::state::AppState;
use crate::text::similar::{Candidate, DEFAULT_THRESHOLD, Grouper};

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
    let (consultation, rows) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        ensure_can_manage(&access, &consultation)?;
        let rows: Vec<(i32, String, Option<String>)> = opinions::table
            .filter(opinions::consultation_id.eq(id))
            .order(opinions::id.asc())
            .select((opinions::id, opinions::body, opinions::decision))
            .load(conn)?;
        Ok((consultation, rows))
    })
    .await?;
    let state_for_grouping = state.clone();
    let (groups, total_groups, grouped) = web::block(move || {
        let grouper = grouper(&state_for_grouping);
        let candidates: Vec<Candidate<'_>> =
            rows.iter().map(|(id, body, _)| Candidate { id: i64::from(*id), text: body }).collect();
        let found = grouper.groups(&candidates, DEFAULT_THRESHOLD);
        let by_id: std::collections::HashMap<i64, (&str, Option<&str>)> =
            rows.iter().map(|(id, body, d)| (i64::from(*id), (body.as_str(), d.as_deref()))).collect();
        let total = found.len();
        let grouped = found.iter().map(|g| g.ids.len()).sum();
        let views =
            found.into_iter().take(MAX_GROUPS).map(|g| view(id, &g.ids, g.exact, g.similarity, &by_id)).collect();
        (views, total, grouped)
    })
    .await
    .map_err(AppError::internal)?;
    render(&GroupsPage {
        staff: StaffChrome::new(&staff),
        groups,
        total_groups,
        grouped,
        statuses: AdoptionStatus::ALL
            .iter()
            .map(|s| Choice { value: s.code().into(), label: s.label().into() })
            .collect(),
        back: format!("/staff/consultations/{id}/groups"),
        consultation,
    })
}

fn view(
    consultation: ConsultationId,
    ids: &[i64],
    exact: bool,
    similarity: f64,
    by_id: &std::collections::HashMap<i64, (&str, Option<&str>)>,
) -> GroupView {
    let mut tally: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for id in ids {
        let label =
            by_id.get(id).and_then(|(_, d)| *d).and_then(AdoptionStatus::from_code).map_or("未处理", |s| s.label());
        *tally.entry(label).or_default() += 1;
    }
    let first = ids.first().copied().unwrap_or_default();
    GroupView {
        size: ids.len(),
        exact,
        similarity: format!("{:.0}%", similarity * 100.0),
        sample: by_id.get(&first).map(|(b, _)| crate::emails::summary(b, 300)).unwrap_or_default(),
        ids: ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
        first_url: format!("/staff/consultations/{consultation}/opinions/{first}"),
        decisions: tally.iter().map(|(label, n)| format!("{label} {n}")).collect::<Vec<_>>().join("、"),
    }
}

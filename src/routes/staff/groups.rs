//! Opinions that say the same thing (copies, mass campaigns), offered as groups that one
//! decision can settle. The grouping runs in the background from stored signatures (see
//! `groupings`); the page shows the groups of the opinions as they are, or, while a
//! grouping is under way, how far it got (with the groups found before, if any).

use std::collections::HashMap;
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use askama::Template;

use super::StaffChrome;
use super::review::Choice;
use crate::auth::{StaffUser, ensure_can_manage};
use crate::db;
use crate::domain::adoption::AdoptionStatus;
use crate::domain::ids::ConsultationId;
use crate::error::AppError;
use crate::groupings::{Found, Outcome, Progress};
use crate::models::Consultation;
use crate::routes::render;
use crate::state::AppState;
use crate::text::similar::Group;

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
    /// While a grouping is under way: what it is doing and how far it got.
    under_way: Option<String>,
    /// No groups to show yet (the first grouping is under way).
    waiting: bool,
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
    let (consultation, outcome) = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        ensure_can_manage(&access, &consultation)?;
        let state = &state_for_grouping;
        let wait = Duration::from_millis(state.settings.groups_wait_ms);
        let outcome = state.groups.view(&state.pool, conn, id, MAX_GROUPS, wait)?;
        Ok((consultation, outcome))
    })
    .await?;
    let (found, under_way) = match outcome {
        Outcome::Current(found) => (Some(found), None),
        Outcome::Earlier(found, progress) => (Some(found), Some(under_way(&progress, true))),
        Outcome::Working(progress) => (None, Some(under_way(&progress, false))),
    };
    let groups = found.as_ref().map_or(&[][..], |f| f.groups.as_slice());
    render(&GroupsPage {
        staff: StaffChrome::new(&staff),
        groups: found
            .as_ref()
            .map(|found| {
                found.groups.iter().zip(found.tallies.iter()).map(|(g, tally)| view(id, g, tally, found)).collect()
            })
            .unwrap_or_default(),
        total_groups: groups.len(),
        grouped: groups.iter().map(|g| g.ids.len()).sum(),
        statuses: AdoptionStatus::ALL
            .iter()
            .map(|s| Choice { value: s.code().into(), label: s.label().into() })
            .collect(),
        back: format!("/staff/consultations/{id}/groups"),
        waiting: found.is_none(),
        under_way,
        consultation,
    })
}

/// What the page says of a grouping under way.
fn under_way(progress: &Progress, earlier: bool) -> String {
    let step = if progress.signed < progress.to_sign {
        format!("正在逐条分析意见内容（{} / {} 条）", progress.signed, progress.to_sign)
    } else {
        "正在比对意见、找出相同或相似的内容".to_owned()
    };
    let shown =
        if earlier { "下面是上次分析的结果，其后新增或修改的意见尚未计入。" } else { "" };
    format!("{step}，完成后刷新本页即可看到最新分组。{shown}")
}

fn view(
    consultation: ConsultationId,
    group: &Group,
    tally: &HashMap<Option<String>, usize>,
    found: &Found,
) -> GroupView {
    let mut labels: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for (decision, n) in tally {
        let label = decision.as_deref().and_then(AdoptionStatus::from_code).map_or("未处理", |s| s.label());
        *labels.entry(label).or_default() += n;
    }
    let first = group.ids.first().copied().unwrap_or_default();
    GroupView {
        size: group.ids.len(),
        exact: group.exact,
        similarity: format!("{:.0}%", group.similarity * 100.0),
        sample: found.samples.get(&first).map(|b| crate::emails::summary(b, 300)).unwrap_or_default(),
        ids: group.ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
        first_url: format!("/staff/consultations/{consultation}/opinions/{first}"),
        decisions: labels.iter().map(|(label, n)| format!("{label} {n}")).collect::<Vec<_>>().join("、"),
    }
}

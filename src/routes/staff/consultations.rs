//! Creating a consultation, its overview and edit form, and publishing or withdrawing it.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;

use super::{StaffChrome, audit, render_invalid, see_other};
use crate::auth::{CsrfForm, NoFields, StaffUser, ensure_can_manage};
use crate::db;
use crate::domain::consultation::{ConsultationDetails, ConsultationFields};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{AgencyId, ConsultationId, UserId};
use crate::domain::window::{ConsultationWindow, STANDARD_PERIOD_DAYS, china_today};
use crate::error::AppError;
use crate::models::agency::{Agency, DEFAULT_AGENCY};
use crate::models::audit::AuditAction;
use crate::models::{Consultation, Draft, Section, User};
use crate::routes::render;
use crate::routes::views::{ConsultationView, section_views};
use crate::state::AppState;

/// A drafter an administrator can assign a consultation to.
pub struct OwnerOption {
    pub id: String,
    pub name: String,
}

/// The details form: the values as typed, the errors beside them, and the owners offered.
pub struct DetailsForm {
    pub fields: ConsultationFields,
    pub errors: FieldErrors,
    pub owners: Vec<OwnerOption>,
    pub standard_days: i64,
    /// Whether the owner can be chosen (platform and agency administrators).
    pub may_assign: bool,
}

impl DetailsForm {
    fn new(fields: ConsultationFields, errors: FieldErrors, choices: &[User], may_assign: bool) -> DetailsForm {
        let owners = choices
            .iter()
            .map(|u| OwnerOption {
                id: u.id.to_string(),
                name: if u.active { u.display_name.clone() } else { format!("{}（已停用）", u.display_name) },
            })
            .collect();
        DetailsForm { fields, errors, owners, standard_days: STANDARD_PERIOD_DAYS, may_assign }
    }
}

/// Whom an administrator may assign: active drafters (of the agency, for an agency's
/// administrator; `members` is `None` for a platform administrator), and the current
/// owner even if deactivated since, so that saving other changes does not force a new owner.
fn owner_choices(users: Vec<User>, current: Option<UserId>, members: Option<&[UserId]>) -> Vec<User> {
    users
        .into_iter()
        .filter(|u| (u.active && !u.is_admin() && members.is_none_or(|m| m.contains(&u.id))) || Some(u.id) == current)
        .collect()
}

/// The owner a save results in: an administrator's choice from the list; for a drafter,
/// the current owner, or themself for a new consultation.
fn resolve_owner(
    may_assign: bool,
    user: &User,
    requested: Option<UserId>,
    current: Option<UserId>,
    choices: &[User],
) -> Result<Option<UserId>, FieldErrors> {
    if !may_assign {
        return Ok(current.or(Some(user.id)));
    }
    match requested {
        None => Ok(None),
        Some(id) if choices.iter().any(|u| u.id == id) => Ok(Some(id)),
        Some(_) => Err(FieldErrors::one("owner", "请从列表中选择起草人员")),
    }
}

fn parse_details(
    fields: &ConsultationFields,
    may_assign: bool,
    user: &User,
    current: Option<UserId>,
    choices: &[User],
) -> Result<(ConsultationDetails, Option<UserId>), FieldErrors> {
    let details = ConsultationDetails::try_from(fields)?;
    let owner = resolve_owner(may_assign, user, details.owner, current, choices)?;
    Ok((details, owner))
}

/// Who may be made owner of a consultation of `agency`, as `staff` sees it.
struct Assignment {
    may_assign: bool,
    users: Vec<User>,
    /// The agency's members; `None` for a platform administrator, who may assign anyone.
    members: Option<Vec<UserId>>,
}

impl Assignment {
    async fn load(state: &AppState, staff: &StaffUser, agency: AgencyId) -> Result<Assignment, AppError> {
        let platform_admin = staff.access.platform_admin;
        let (users, members) = db::run(&state.pool, move |conn| {
            let members = if platform_admin {
                None
            } else {
                Some(Agency::members(conn, agency)?.into_iter().map(|m| m.user.id).collect())
            };
            Ok((User::list(conn)?, members))
        })
        .await?;
        Ok(Assignment { may_assign: staff.access.administers(agency), users, members })
    }

    fn choices(&self, current: Option<UserId>) -> Vec<User> {
        owner_choices(self.users.clone(), current, self.members.as_deref())
    }
}

/// `?agency=N` on the new-consultation form: the agency it is for.
#[derive(serde::Deserialize)]
pub struct AgencyQuery {
    agency: Option<AgencyId>,
}

/// The agency a new consultation goes to: the one asked for, or the user's first, or the
/// default one; 403 if they may not create consultations there.
fn new_agency(staff: &StaffUser, asked: Option<AgencyId>) -> Result<AgencyId, AppError> {
    let agency = asked.or_else(|| staff.access.memberships.first().map(|(a, _)| *a)).unwrap_or(DEFAULT_AGENCY);
    if staff.access.can_create_in(agency) || (asked.is_none() && staff.access.memberships.is_empty()) {
        Ok(agency)
    } else {
        Err(AppError::Forbidden("您不是该单位的工作人员，不能为其新建意见征集。".to_owned()))
    }
}

#[derive(Template)]
#[template(path = "staff/consultation_new.html")]
struct NewPage {
    staff: StaffChrome,
    form: DetailsForm,
    action: String,
}

fn new_action(agency: AgencyId) -> String {
    format!("/staff/consultations/new?agency={agency}")
}

#[get("/consultations/new")]
pub async fn new_form(
    state: web::Data<AppState>,
    staff: StaffUser,
    query: web::Query<AgencyQuery>,
) -> Result<HttpResponse, AppError> {
    let agency = new_agency(&staff, query.agency)?;
    let window = ConsultationWindow::standard_from(china_today(Utc::now()));
    let fields = ConsultationFields {
        starts_on: window.starts_on().to_string(),
        ends_on: window.ends_on().to_string(),
        ..ConsultationFields::default()
    };
    let assignment = Assignment::load(&state, &staff, agency).await?;
    let form = DetailsForm::new(fields, FieldErrors::new(), &assignment.choices(None), assignment.may_assign);
    render(&NewPage { staff: StaffChrome::new(&staff), form, action: new_action(agency) })
}

#[post("/consultations/new")]
pub async fn create(
    state: web::Data<AppState>,
    query: web::Query<AgencyQuery>,
    posted: CsrfForm<ConsultationFields>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form: fields } = posted;
    let agency = new_agency(&staff, query.agency)?;
    let assignment = Assignment::load(&state, &staff, agency).await?;
    let choices = assignment.choices(None);
    let (details, owner) = match parse_details(&fields, assignment.may_assign, &staff.user, None, &choices) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let form = DetailsForm::new(fields, errors, &choices, assignment.may_assign);
            return render_invalid(&NewPage { staff: StaffChrome::new(&staff), form, action: new_action(agency) });
        }
    };
    let now = Utc::now().naive_utc();
    let id = db::run(&state.pool, move |conn| Consultation::create(conn, &details, owner, agency, now)).await?;
    staff.session.flash(false, "意见征集已创建，尚未发布。下一步：上传征求意见稿。")?;
    Ok(see_other(&format!("/staff/consultations/{id}/draft")))
}

/// One entry of the draft's outline.
pub struct OutlineItem {
    pub depth: usize,
    pub title: String,
    pub chars: usize,
}

/// Everything the overview shows, loaded at once.
struct Overview {
    consultation: Consultation,
    draft: Option<(Draft, Vec<Section>)>,
    users: Vec<User>,
    assignment: Assignment,
}

async fn load_overview(state: &AppState, staff: &StaffUser, id: ConsultationId) -> Result<Overview, AppError> {
    let overview = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        let draft = match Draft::current_for(conn, id)? {
            Some(draft) => {
                let sections = Section::for_draft(conn, draft.id)?;
                Some((draft, sections))
            }
            None => None,
        };
        Ok((consultation, draft, User::list(conn)?))
    })
    .await?;
    let (consultation, draft, users) = overview;
    ensure_can_manage(&staff.access, &consultation)?;
    let assignment = Assignment::load(state, staff, consultation.agency_id).await?;
    Ok(Overview { consultation, draft, users, assignment })
}

#[derive(Template)]
#[template(path = "staff/consultation_show.html")]
struct ShowPage {
    staff: StaffChrome,
    c: ConsultationView,
    manage_url: String,
    published: bool,
    owner_name: Option<String>,
    window_days: i64,
    short_period_reason: Option<String>,
    draft_title: Option<String>,
    outline: Vec<OutlineItem>,
    form: DetailsForm,
}

impl ShowPage {
    /// The overview; `edited` is a rejected edit to show again instead of the stored values.
    fn new(staff: &StaffUser, o: Overview, edited: Option<(ConsultationFields, FieldErrors)>) -> ShowPage {
        let c = &o.consultation;
        let (fields, errors) = edited.unwrap_or_else(|| (stored_fields(c), FieldErrors::new()));
        let choices = o.assignment.choices(c.owner_id);
        let view = ConsultationView::new(c, Utc::now());
        let (draft_title, outline) = match &o.draft {
            Some((draft, sections)) => {
                let items = section_views(&view.url, sections)
                    .into_iter()
                    .zip(sections)
                    .map(|(v, s)| OutlineItem { depth: v.depth, title: v.title, chars: s.body.chars().count() })
                    .collect();
                (Some(format!("{}（{}）", draft.title, draft.version_label)), items)
            }
            None => (None, Vec::new()),
        };
        ShowPage {
            staff: StaffChrome::new(staff),
            manage_url: format!("/staff/consultations/{}", c.id),
            published: c.is_published(),
            owner_name: o.users.iter().find(|u| Some(u.id) == c.owner_id).map(|u| u.display_name.clone()),
            window_days: c.window().days(),
            short_period_reason: c.short_period_reason.clone(),
            draft_title,
            outline,
            form: DetailsForm::new(fields, errors, &choices, o.assignment.may_assign),
            c: view,
        }
    }
}

/// The stored values, as the edit form shows them.
fn stored_fields(c: &Consultation) -> ConsultationFields {
    ConsultationFields {
        title: c.title.clone(),
        issuer: c.issuer.clone(),
        notice: c.notice.clone(),
        how_to_comment: c.how_to_comment.clone(),
        starts_on: c.starts_on.to_string(),
        ends_on: c.ends_on.to_string(),
        short_period_reason: c.short_period_reason.clone().unwrap_or_default(),
        owner: c.owner_id.map(|id| id.to_string()).unwrap_or_default(),
    }
}

#[get("/consultations/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    let overview = load_overview(&state, &staff, id.into_inner()).await?;
    render(&ShowPage::new(&staff, overview, None))
}

#[post("/consultations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: CsrfForm<ConsultationFields>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form: fields } = posted;
    let overview = load_overview(&state, &staff, id.into_inner()).await?;
    let current = overview.consultation.owner_id;
    let choices = overview.assignment.choices(current);
    let may_assign = overview.assignment.may_assign;
    let (details, owner) = match parse_details(&fields, may_assign, &staff.user, current, &choices) {
        Ok(parsed) => parsed,
        Err(errors) => return render_invalid(&ShowPage::new(&staff, overview, Some((fields, errors)))),
    };
    let id = overview.consultation.id;
    let now = Utc::now().naive_utc();
    db::run(&state.pool, move |conn| Consultation::update_details(conn, id, &details, owner, now)).await?;
    state.pages.forget_all();
    staff.session.flash(false, "已保存修改。")?;
    Ok(see_other(&format!("/staff/consultations/{id}")))
}

#[post("/consultations/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let staff = posted.user;
    let id = staff.consultation(&state, id.into_inner()).await?.id;
    let now = Utc::now().naive_utc();
    let published = db::run(&state.pool, move |conn| Consultation::publish(conn, id, now)).await?;
    state.pages.forget_all();
    if published {
        let subject = format!("第 {id} 号");
        audit(&state, Some((staff.user.id, staff.user.display_name.clone())), "", AuditAction::Published, subject)
            .await?;
        staff.session.flash(false, "已发布：公众现在可以在意见征集首页看到它。")?;
    } else {
        staff.session.flash(true, "尚未上传征求意见稿，不能发布。请先上传征求意见稿。")?;
    }
    Ok(see_other(&format!("/staff/consultations/{id}")))
}

#[post("/consultations/{id}/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let staff = posted.user;
    let id = staff.consultation(&state, id.into_inner()).await?.id;
    let now = Utc::now().naive_utc();
    db::run(&state.pool, move |conn| Ok(Consultation::withdraw(conn, id, now)?)).await?;
    state.pages.forget_all();
    let subject = format!("第 {id} 号");
    audit(&state, Some((staff.user.id, staff.user.display_name.clone())), "", AuditAction::Withdrawn, subject).await?;
    staff.session.flash(false, "已撤回：公众不再能看到此意见征集，已收到的意见仍然保留。")?;
    Ok(see_other(&format!("/staff/consultations/{id}")))
}

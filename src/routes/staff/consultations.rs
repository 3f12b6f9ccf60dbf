//! Creating a consultation, its overview and edit form, and publishing or withdrawing it.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;

use super::{StaffChrome, audit, render_invalid, see_other};
use crate::auth::{CsrfForm, NoFields, StaffUser, ensure_can_manage};
use crate::db;
use crate::domain::consultation::{ConsultationDetails, ConsultationFields};
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{ConsultationId, UserId};
use crate::domain::window::{ConsultationWindow, STANDARD_PERIOD_DAYS, china_today};
use crate::error::AppError;
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
}

impl DetailsForm {
    fn new(fields: ConsultationFields, errors: FieldErrors, choices: &[User]) -> DetailsForm {
        let owners = choices
            .iter()
            .map(|u| OwnerOption {
                id: u.id.to_string(),
                name: if u.active { u.display_name.clone() } else { format!("{}（已停用）", u.display_name) },
            })
            .collect();
        DetailsForm { fields, errors, owners, standard_days: STANDARD_PERIOD_DAYS }
    }
}

/// Whom an administrator may assign: active drafters, and the current owner even if
/// deactivated since, so that saving other changes does not force a new owner.
fn owner_choices(users: Vec<User>, current: Option<UserId>) -> Vec<User> {
    users.into_iter().filter(|u| (u.active && !u.is_admin()) || Some(u.id) == current).collect()
}

/// The owner a save results in: an administrator's choice from the list; for a drafter,
/// the current owner, or themself for a new consultation.
fn resolve_owner(
    user: &User,
    requested: Option<UserId>,
    current: Option<UserId>,
    choices: &[User],
) -> Result<Option<UserId>, FieldErrors> {
    if !user.is_admin() {
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
    user: &User,
    current: Option<UserId>,
    choices: &[User],
) -> Result<(ConsultationDetails, Option<UserId>), FieldErrors> {
    let details = ConsultationDetails::try_from(fields)?;
    let owner = resolve_owner(user, details.owner, current, choices)?;
    Ok((details, owner))
}

#[derive(Template)]
#[template(path = "staff/consultation_new.html")]
struct NewPage {
    staff: StaffChrome,
    form: DetailsForm,
}

async fn all_users(state: &AppState) -> Result<Vec<User>, AppError> {
    db::run(&state.pool, |conn| Ok(User::list(conn)?)).await
}

#[get("/consultations/new")]
pub async fn new_form(state: web::Data<AppState>, staff: StaffUser) -> Result<HttpResponse, AppError> {
    let window = ConsultationWindow::standard_from(china_today(Utc::now()));
    let fields = ConsultationFields {
        starts_on: window.starts_on().to_string(),
        ends_on: window.ends_on().to_string(),
        ..ConsultationFields::default()
    };
    let choices = owner_choices(all_users(&state).await?, None);
    render(&NewPage { staff: StaffChrome::new(&staff), form: DetailsForm::new(fields, FieldErrors::new(), &choices) })
}

#[post("/consultations/new")]
pub async fn create(
    state: web::Data<AppState>,
    posted: CsrfForm<ConsultationFields>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form: fields } = posted;
    let choices = owner_choices(all_users(&state).await?, None);
    let (details, owner) = match parse_details(&fields, &staff.user, None, &choices) {
        Ok(parsed) => parsed,
        Err(errors) => {
            let form = DetailsForm::new(fields, errors, &choices);
            return render_invalid(&NewPage { staff: StaffChrome::new(&staff), form });
        }
    };
    let now = Utc::now().naive_utc();
    let id = db::run(&state.pool, move |conn| Ok(Consultation::create(conn, &details, owner, now)?)).await?;
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
        Ok(Overview { consultation, draft, users: User::list(conn)? })
    })
    .await?;
    ensure_can_manage(&staff.user, &overview.consultation)?;
    Ok(overview)
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
        let choices = owner_choices(o.users.clone(), c.owner_id);
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
            form: DetailsForm::new(fields, errors, &choices),
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
    let choices = owner_choices(overview.users.clone(), current);
    let (details, owner) = match parse_details(&fields, &staff.user, current, &choices) {
        Ok(parsed) => parsed,
        Err(errors) => return render_invalid(&ShowPage::new(&staff, overview, Some((fields, errors)))),
    };
    let id = overview.consultation.id;
    let now = Utc::now().naive_utc();
    db::run(&state.pool, move |conn| Ok(Consultation::update_details(conn, id, &details, owner, now)?)).await?;
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

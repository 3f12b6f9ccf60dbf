//! The review round of one consultation: inviting departments, the reply dashboard, and
//! new links for departments that lost theirs or have no e-mail address.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{CsrfForm, StaffUser};
use crate::db;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{ConsultationId, InvitationId};
use crate::domain::opinion::clean_text;
use crate::domain::window::{china_today, format_china};
use crate::domain::wording::DraftName;
use crate::emails::invitation_letters;
use crate::error::AppError;
use crate::links::reply_url;
use crate::models::department::Department;
use crate::models::invitation::{Invitation, InvitationStatus, Letter, RoundCounts};
use crate::models::{Consultation, Draft};
use crate::routes::render;
use crate::state::AppState;

/// One invited department as the dashboard shows it; times in China time.
pub struct InvitationRow {
    pub department: String,
    pub has_email: bool,
    pub invited_at: String,
    pub deadline: String,
    pub state_label: &'static str,
    pub state_css: &'static str,
    pub responded_at: String,
    pub reminded_at: String,
    pub opinions: i64,
    pub reply_contact: String,
    pub link_action: String,
    /// 第一次征求意见…, when the consultation had several rounds.
    pub round: String,
}

impl InvitationRow {
    fn new(row: &InvitationStatus, manage_url: &str, several_rounds: bool) -> InvitationRow {
        let i = &row.invitation;
        let state = i.state();
        let contact = [i.reply_contact_person.as_deref(), i.reply_contact_phone.as_deref()];
        InvitationRow {
            department: row.department.name.clone(),
            has_email: !row.department.email_list().is_empty(),
            invited_at: format_china(i.invited_at),
            deadline: i.deadline.to_string(),
            state_label: state.label(),
            state_css: state.css(),
            responded_at: i.responded_at.map(format_china).unwrap_or_default(),
            reminded_at: i.reminded_at.map(format_china).unwrap_or_default(),
            opinions: row.opinions,
            reply_contact: contact.into_iter().flatten().collect::<Vec<_>>().join(" "),
            link_action: format!("{manage_url}/invitations/{}/link", i.id),
            round: if several_rounds { crate::models::round::ordinal(i.round_no) } else { String::new() },
        }
    }
}

/// A department that can still be invited.
pub struct DepartmentChoice {
    pub id: String,
    pub name: String,
    pub has_email: bool,
    pub checked: bool,
}

/// A link made for staff to pass on by phone or fax: shown on this page once, never stored.
pub struct NewLink {
    pub department: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "staff/invitations.html")]
struct RoundPage {
    staff: StaffChrome,
    title: String,
    /// 第二次征求意见…, once there is more than one round.
    round_name: Option<String>,
    /// Whether the round before invited departments (「按上一轮邀请名单再次邀请」).
    can_invite_again: bool,
    manage_url: String,
    counts: RoundCounts,
    rows: Vec<InvitationRow>,
    choices: Vec<DepartmentChoice>,
    deadline: String,
    /// The 征求意见函 as the departments will read it: its title, and its opening paragraph
    /// (which the drafter may edit before sending).
    letter_title: String,
    opening: String,
    issuer: String,
    errors: FieldErrors,
    new_link: Option<NewLink>,
}

/// The consultation with its invitations and the active departments.
struct Round {
    consultation: Consultation,
    draft: DraftName,
    /// The latest round (第几次征求意见), the one invitations go to now.
    number: i32,
    statuses: Vec<InvitationStatus>,
    /// The departments invited to the round before, in their order (empty in round 1).
    previous: Vec<crate::domain::ids::DepartmentId>,
    active: Vec<Department>,
}

impl Round {
    async fn load(state: &AppState, staff: &StaffUser, id: ConsultationId) -> Result<Round, AppError> {
        let consultation = staff.consultation(state, id).await?;
        let c = consultation.clone();
        let (statuses, active, draft, number, previous) = db::run(&state.pool, move |conn| {
            let number = crate::models::round::Round::current_number(conn, id)?;
            let previous = match number {
                1 => Vec::new(),
                n => Invitation::departments_of_round(conn, id, n - 1)?,
            };
            Ok((
                Invitation::statuses(conn, id)?,
                Department::active(conn)?,
                Draft::name_for(conn, &c)?,
                number,
                previous,
            ))
        })
        .await?;
        Ok(Round { consultation, draft, number, statuses, previous, active })
    }

    /// Active departments not invited to the latest round yet.
    fn invitable(&self) -> impl Iterator<Item = &Department> {
        self.active
            .iter()
            .filter(|d| !self.statuses.iter().any(|s| s.department.id == d.id && s.invitation.round_no == self.number))
    }

    /// The deadline offered: the consultation's end, or today if that has passed.
    fn default_deadline(&self) -> NaiveDate {
        self.consultation.ends_on.max(china_today(Utc::now()))
    }

    fn page(
        &self,
        staff: &StaffUser,
        form: Option<(&InviteForm, FieldErrors)>,
        new_link: Option<NewLink>,
    ) -> RoundPage {
        self.page_with(staff, form, new_link, false)
    }

    /// The page; `again` ticks the departments invited to the round before.
    fn page_with(
        &self,
        staff: &StaffUser,
        form: Option<(&InviteForm, FieldErrors)>,
        new_link: Option<NewLink>,
        again: bool,
    ) -> RoundPage {
        let c = &self.consultation;
        let manage_url = format!("/staff/consultations/{}", c.id);
        let (checked, deadline, opening, errors) = match form {
            Some((f, errors)) => {
                let opening = f.opening.clone().unwrap_or_else(|| self.draft.letter_opening());
                (f.departments.clone(), f.deadline.clone(), opening, errors)
            }
            None => {
                let checked = if again { self.previous.iter().map(|d| d.to_string()).collect() } else { Vec::new() };
                (checked, self.default_deadline().to_string(), self.draft.letter_opening(), FieldErrors::new())
            }
        };
        RoundPage {
            staff: StaffChrome::new(staff),
            title: c.title.clone(),
            round_name: (self.number > 1).then(|| crate::models::round::ordinal(self.number)),
            can_invite_again: !self.previous.is_empty(),
            counts: RoundCounts::of(&self.statuses),
            rows: self.statuses.iter().map(|s| InvitationRow::new(s, &manage_url, self.number > 1)).collect(),
            choices: self
                .invitable()
                .map(|d| DepartmentChoice {
                    id: d.id.to_string(),
                    name: d.name.clone(),
                    has_email: !d.email_list().is_empty(),
                    checked: checked.contains(&d.id.to_string()),
                })
                .collect(),
            manage_url,
            deadline,
            letter_title: self.draft.letter_title(),
            opening,
            issuer: c.issuer.clone(),
            errors,
            new_link,
        }
    }
}

#[derive(Deserialize)]
pub struct InvitationsQuery {
    /// `1`: tick the departments invited to the round before.
    #[serde(default)]
    again: String,
}

#[get("/consultations/{id}/invitations")]
pub async fn show(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
    query: web::Query<InvitationsQuery>,
) -> Result<HttpResponse, AppError> {
    let round = Round::load(&state, &staff, id.into_inner()).await?;
    render(&round.page_with(&staff, None, None, query.again == "1"))
}

/// The invitation form as submitted: checked departments (repeated field), a deadline
/// and the letter's opening paragraph.
struct InviteForm {
    departments: Vec<String>,
    deadline: String,
    /// `None` when the form had no such field (the letter then opens as usual).
    opening: Option<String>,
}

/// The longest opening paragraph a letter takes.
const OPENING_MAX_CHARS: usize = 2000;

impl InviteForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> InviteForm {
        let mut form = InviteForm { departments: Vec::new(), deadline: String::new(), opening: None };
        for (name, value) in pairs {
            match name.as_str() {
                "department" => form.departments.push(value),
                "deadline" => form.deadline = value,
                "opening" => form.opening = Some(value),
                _ => {}
            }
        }
        form
    }

    /// The departments chosen (from those offered), the deadline and the letter's
    /// opening, or the errors.
    fn parse(&self, round: &Round, today: NaiveDate) -> Result<(Vec<Department>, NaiveDate, String), FieldErrors> {
        let mut errors = FieldErrors::new();
        let opening = self.opening.as_deref().map_or_else(|| round.draft.letter_opening(), clean_text);
        if opening.is_empty() {
            errors.add("opening", "请填写函件正文");
        } else if opening.chars().count() > OPENING_MAX_CHARS {
            errors.add("opening", format!("函件正文不能超过{OPENING_MAX_CHARS}字"));
        }
        let chosen: Vec<Department> =
            round.invitable().filter(|d| self.departments.contains(&d.id.to_string())).cloned().collect();
        if chosen.is_empty() {
            errors.add("departments", "请至少选择一个单位");
        } else if chosen.len() != self.departments.len() {
            errors.add("departments", "所选单位中有的已被邀请或已停用，请重新选择");
        }
        let deadline = match NaiveDate::parse_from_str(self.deadline.trim(), "%Y-%m-%d") {
            Ok(date) if date < today => {
                errors.add("deadline", format!("反馈截止日期不能早于今天（{today}）"));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                errors.add("deadline", "请按“2026-01-31”的格式填写反馈截止日期");
                None
            }
        };
        match deadline {
            Some(deadline) if errors.is_empty() => Ok((chosen, deadline, opening)),
            _ => Err(errors),
        }
    }
}

#[post("/consultations/{id}/invitations")]
pub async fn invite(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form } = posted;
    let round = Round::load(&state, &staff, id.into_inner()).await?;
    let form = InviteForm::from_pairs(form);
    let today = china_today(Utc::now());
    let (chosen, deadline, opening) = match form.parse(&round, today) {
        Ok(parsed) => parsed,
        Err(errors) => return render_invalid(&round.page(&staff, Some((&form, errors)), None)),
    };
    let without_email: Vec<String> =
        chosen.iter().filter(|d| d.email_list().is_empty()).map(|d| d.name.clone()).collect();
    let (c, draft) = (round.consultation, round.draft);
    let (id, count, public_url) = (c.id, chosen.len(), state.settings.public_url.clone());
    db::run(&state.pool, move |conn| {
        let letters = invitation_letters(&draft, &opening, &c.issuer, deadline, &public_url, today);
        crate::services::invitations::invite(conn, id, &chosen, deadline, Utc::now().naive_utc(), letters)
    })
    .await?;
    state.mail_wakeup.notify_one();
    let mut message = format!("已邀请 {count} 个单位，征求意见函已进入发送队列。");
    if !without_email.is_empty() {
        message.push_str(&format!(
            "注意：{} 未登记电子邮箱，没有发出邮件。请在下表中为其“显示新链接”，通过电话或传真告知。",
            without_email.join("、")
        ));
    }
    staff.session.flash(!without_email.is_empty(), message)?;
    Ok(see_other(&format!("/staff/consultations/{id}/invitations")))
}

#[derive(Deserialize)]
pub struct LinkFields {
    /// `mail` (send the letter again with the new link) or `show` (show it once here).
    #[serde(default)]
    deliver: String,
}

#[post("/consultations/{id}/invitations/{invitation}/link")]
pub async fn renew_link(
    state: web::Data<AppState>,
    path: web::Path<(ConsultationId, InvitationId)>,
    posted: CsrfForm<LinkFields>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form } = posted;
    let (id, invitation_id) = path.into_inner();
    let round = Round::load(&state, &staff, id).await?;
    let row = round.statuses.iter().find(|s| s.invitation.id == invitation_id).ok_or(AppError::NotFound)?;
    let by_mail = form.deliver == "mail";
    if by_mail && row.department.email_list().is_empty() {
        staff
            .session
            .flash(true, format!("{} 未登记电子邮箱，无法发送邮件。请改用“显示新链接”。", row.department.name))?;
        return Ok(see_other(&format!("/staff/consultations/{id}/invitations")));
    }
    let token = issue(&state, &round, row, by_mail).await?;
    if by_mail {
        state.mail_wakeup.notify_one();
        staff
            .session
            .flash(false, format!("已生成新链接并重新发送征求意见函给 {}。原链接仍然有效。", row.department.name))?;
        return Ok(see_other(&format!("/staff/consultations/{id}/invitations")));
    }
    let link = NewLink { department: row.department.name.clone(), url: reply_url(&state.settings.public_url, &token) };
    render(&round.page(&staff, None, Some(link)))
}

/// Stores a new token for the invitation and, when `by_mail`, queues the letter with it.
/// A letter sent again opens as a new one would.
async fn issue(state: &AppState, round: &Round, row: &InvitationStatus, by_mail: bool) -> Result<String, AppError> {
    let (draft, issuer, public_url) =
        (round.draft.clone(), round.consultation.issuer.clone(), state.settings.public_url.clone());
    let (invitation, department) = (row.invitation.clone(), row.department.clone());
    let today = china_today(Utc::now());
    db::run(&state.pool, move |conn| {
        let opening = draft.letter_opening();
        let letters = invitation_letters(&draft, &opening, &issuer, invitation.deadline, &public_url, today);
        let letter = |token: &str| letters(&department, token);
        let letter: Option<Letter<'_>> = if by_mail { Some(&letter) } else { None };
        crate::services::invitations::issue_link(conn, &invitation, letter, Utc::now().naive_utc())
    })
    .await
}

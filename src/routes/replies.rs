//! A department's own reply page, reached through the link in its invitation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;

use crate::db;
use crate::domain::department_reply::{BLANK_ROWS, DepartmentReply, ReplyContent, ReplyForm, ReplyRow};
use crate::domain::opinion::FieldErrors;
use crate::domain::source::Channel;
use crate::domain::window::format_china;
use crate::error::AppError;
use crate::models::department::Department;
use crate::models::invitation::Invitation;
use crate::models::{Consultation, Draft, Opinion, Section};
use crate::routes::views::{ConsultationView, SectionView, section_views};
use crate::state::AppState;

/// A section in the row's drop-down, indented by depth.
struct SectionOption {
    anchor: String,
    title: String,
    indent: String,
}

struct RowView {
    n: usize,
    section: String,
    body: String,
    original_text: String,
    proposed_text: String,
    body_error: Option<String>,
    wording_error: Option<String>,
}

struct SubmittedRow {
    section: String,
    body: String,
}

#[derive(Template)]
#[template(path = "departments/reply.html")]
struct ReplyPage {
    c: ConsultationView,
    department: String,
    deadline: String,
    state_label: &'static str,
    state_css: &'static str,
    responded_at: Option<String>,
    open: bool,
    saved: Option<String>,
    action: String,
    form: ReplyForm,
    rows: Vec<RowView>,
    errors: FieldErrors,
    sections: Vec<SectionOption>,
    submitted: Vec<SubmittedRow>,
    draft: Vec<SectionView>,
}

/// Everything the page shows, loaded in one go.
struct Loaded {
    invitation: Invitation,
    department: Department,
    consultation: Consultation,
    sections: Vec<Section>,
    opinions: Vec<Opinion>,
}

async fn load(state: &AppState, token: String) -> Result<Loaded, AppError> {
    db::run(&state.pool, move |conn| {
        let invitation = Invitation::find_by_token(conn, &token)?.ok_or(AppError::NotFound)?;
        let department = Department::find(conn, invitation.department_id)?;
        let consultation = Consultation::find(conn, invitation.consultation_id)?;
        let sections = match Draft::current_for(conn, consultation.id)? {
            Some(draft) => Section::for_draft(conn, draft.id)?,
            None => Vec::new(),
        };
        // Opinions staff entered from the department's letters are not the form's to edit.
        let mut opinions = invitation.opinions(conn)?;
        opinions.retain(|o| o.channel == Channel::DepartmentLink);
        Ok(Loaded { invitation, department, consultation, sections, opinions })
    })
    .await
}

impl Loaded {
    fn anchor_of(&self, opinion: &Opinion) -> String {
        opinion
            .section_id
            .and_then(|id| self.sections.iter().find(|s| s.id == id))
            .map(|s| s.anchor.clone())
            .unwrap_or_default()
    }

    /// The form as stored: the reply's opinions plus blank rows to add more.
    fn stored_form(&self) -> ReplyForm {
        let mut rows: Vec<ReplyRow> = self
            .opinions
            .iter()
            .map(|o| ReplyRow {
                section: self.anchor_of(o),
                body: o.body.clone(),
                original_text: o.original_text.clone().unwrap_or_default(),
                proposed_text: o.proposed_text.clone().unwrap_or_default(),
            })
            .collect();
        rows.extend(std::iter::repeat_n(ReplyRow::default(), BLANK_ROWS));
        ReplyForm {
            contact_person: self
                .invitation
                .reply_contact_person
                .clone()
                .unwrap_or_else(|| self.department.contact_person.clone()),
            contact_phone: self.invitation.reply_contact_phone.clone().unwrap_or_else(|| self.department.phone.clone()),
            rows,
            action: String::new(),
        }
    }

    fn page(&self, token: &str, form: ReplyForm, errors: FieldErrors, saved: Option<String>) -> ReplyPage {
        let now = Utc::now();
        let c = ConsultationView::new(&self.consultation, now);
        let state = self.invitation.state();
        let draft = section_views(&c.url, &self.sections);
        let rows = form
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| RowView {
                n: i + 1,
                section: r.section.clone(),
                body: r.body.clone(),
                original_text: r.original_text.clone(),
                proposed_text: r.proposed_text.clone(),
                body_error: errors.get(&format!("body_{}", i + 1)).map(str::to_owned),
                wording_error: errors.get(&format!("proposed_{}", i + 1)).map(str::to_owned),
            })
            .collect();
        ReplyPage {
            department: self.department.name.clone(),
            deadline: self.invitation.deadline.to_string(),
            state_label: state.label(),
            state_css: state.css(),
            responded_at: self.invitation.responded_at.map(format_china),
            open: self.invitation.accepts_replies(now),
            saved,
            action: format!("/replies/{token}"),
            form,
            rows,
            errors,
            sections: draft
                .iter()
                .map(|s| SectionOption {
                    anchor: s.anchor.clone(),
                    title: s.title.clone(),
                    indent: "　".repeat(s.depth - 1),
                })
                .collect(),
            submitted: self
                .opinions
                .iter()
                .map(|o| SubmittedRow {
                    section: draft
                        .iter()
                        .find(|s| Some(s.id) == o.section_id)
                        .map(|s| s.title.clone())
                        .unwrap_or_default(),
                    body: o.body.clone(),
                })
                .collect(),
            draft,
            c,
        }
    }
}

fn html(status: StatusCode, page: &ReplyPage) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(page.render()?))
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[get("/replies/{token}")]
pub async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<SavedQuery>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let loaded = load(&state, token.clone()).await?;
    let saved = query.saved.as_deref().map(|kind| match kind {
        "no_opinion" => "已记录你单位的答复：无意见。截止日期前可通过本链接修改。".to_owned(),
        _ => format!("已收到你单位的反馈意见（共 {} 条）。截止日期前可通过本链接修改。", loaded.opinions.len()),
    });
    html(StatusCode::OK, &loaded.page(&token, loaded.stored_form(), FieldErrors::default(), saved))
}

#[post("/replies/{token}")]
pub async fn submit(
    state: web::Data<AppState>,
    token: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let loaded = load(&state, token.clone()).await?;
    if !loaded.invitation.accepts_replies(Utc::now()) {
        return Err(AppError::Closed(format!(
            "反馈截止日期（{}）已过，不能再提交或修改反馈。",
            loaded.invitation.deadline
        )));
    }
    let mut form = ReplyForm::from_pairs(fields.into_inner());
    if form.action == "add_row" {
        form.rows.push(ReplyRow::default());
        return html(StatusCode::OK, &loaded.page(&token, form, FieldErrors::default(), None));
    }
    let reply = DepartmentReply::parse(&form, state.settings.opinion_max_chars, |anchor| {
        loaded.sections.iter().find(|s| s.anchor == anchor).map(|s| s.id)
    });
    let reply = match reply {
        Ok(reply) => reply,
        Err(errors) => return html(StatusCode::UNPROCESSABLE_ENTITY, &loaded.page(&token, form, errors, None)),
    };
    let kind = match reply.content {
        ReplyContent::Opinions(_) => "opinions",
        ReplyContent::NoOpinion => "no_opinion",
    };
    let Loaded { invitation, department, .. } = loaded;
    state.pages.forget_consultation(invitation.consultation_id);
    db::run(&state.pool, move |conn| {
        crate::services::replies::record_reply(
            conn,
            &invitation,
            &department,
            &reply,
            Channel::DepartmentLink,
            Utc::now().naive_utc(),
        )
    })
    .await?;
    Ok(HttpResponse::SeeOther().insert_header(("Location", format!("/replies/{token}?saved={kind}"))).finish())
}

//! Offline intake (线下意见录入): staff enter opinions that arrived by letter, fax, e-mail,
//! at a meeting or by phone, for a department or a person, with the scanned letter.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::Deserialize;

use super::{StaffChrome, render_invalid, see_other};
use crate::auth::{CsrfUpload, StaffUser, UploadedFile};
use crate::db;
use crate::domain::fields::FieldErrors;
use crate::domain::ids::{ConsultationId, OpinionId};
use crate::domain::intake::{IntakeFields, IntakeOpinion, OFFLINE_CHANNELS, Sender};
use crate::domain::scan::{NOT_A_SCAN, ScanKind};
use crate::domain::source::Channel;
use crate::domain::window::{china, china_today, in_china};
use crate::emails::summary;
use crate::error::AppError;
use crate::models::attachment::{Attachment, StoredFile};
use crate::models::department::Department;
use crate::models::invitation::Invitation;
use crate::models::offline::{self, OfflineOpinion};
use crate::models::{Consultation, Draft, Section};
use crate::routes::render;
use crate::routes::views::section_views;
use crate::services::intake::{OfflineEntry, Recorded};
use crate::state::AppState;

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// An opinion already entered, as the page lists it.
pub struct EnteredRow {
    pub received_on: String,
    pub author: String,
    pub channel: &'static str,
    pub seq: Option<i32>,
    pub summary: String,
    pub attachment_url: Option<String>,
    pub continue_url: String,
}

/// The scanned letter the next opinion will refer to.
pub struct KeptAttachment {
    pub id: String,
    pub url: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "staff/intake.html")]
struct IntakePage {
    staff: StaffChrome,
    title: String,
    manage_url: String,
    fields: IntakeFields,
    errors: FieldErrors,
    invited: Vec<Choice>,
    others: Vec<Choice>,
    channels: Vec<Choice>,
    sections: Vec<Choice>,
    kept: Option<KeptAttachment>,
    today: String,
    file_hint: String,
    entered: Vec<EnteredRow>,
    /// After a save: a link to enter the next opinion of the same letter.
    continue_url: Option<String>,
}

/// What the page needs from the database.
struct Desk {
    consultation: Consultation,
    invited: Vec<Department>,
    active: Vec<Department>,
    sections: Vec<Section>,
    entered: Vec<OfflineOpinion>,
    kept: Option<Attachment>,
}

impl Desk {
    async fn load(
        state: &AppState,
        staff: &StaffUser,
        id: ConsultationId,
        attachment: Option<&str>,
    ) -> Result<Desk, AppError> {
        let consultation = staff.consultation(state, id).await?;
        let kept_id = attachment.and_then(|a| a.parse().ok()).map(crate::domain::ids::AttachmentId);
        db::run(&state.pool, move |conn| {
            let invited = Invitation::with_departments(conn, id)?.into_iter().map(|(_, d)| d).collect();
            let sections = match Draft::current_for(conn, id)? {
                Some(draft) => Section::for_draft(conn, draft.id)?,
                None => Vec::new(),
            };
            let kept = match kept_id {
                Some(a) => Some(Attachment::find_in(conn, id, a)?),
                None => None,
            };
            Ok(Desk {
                consultation,
                invited,
                active: Department::active(conn)?,
                sections,
                entered: OfflineOpinion::list(conn, id)?,
                kept,
            })
        })
        .await
    }

    fn page(&self, staff: &StaffUser, fields: IntakeFields, errors: FieldErrors, max_bytes: usize) -> IntakePage {
        let c = &self.consultation;
        let manage_url = format!("/staff/consultations/{}", c.id);
        let choice = |d: &Department| Choice {
            value: d.id.to_string(),
            label: d.name.clone(),
            selected: fields.department == d.id.to_string(),
        };
        let uninvited = self.active.iter().filter(|d| !self.invited.iter().any(|i| i.id == d.id));
        let intake_url = format!("{manage_url}/intake");
        IntakePage {
            staff: StaffChrome::new(staff),
            title: c.title.clone(),
            invited: self.invited.iter().map(choice).collect(),
            others: uninvited.map(choice).collect(),
            channels: OFFLINE_CHANNELS
                .iter()
                .map(|ch| Choice {
                    value: ch.code().to_owned(),
                    label: ch.label().to_owned(),
                    selected: fields.channel == ch.code(),
                })
                .collect(),
            sections: section_views("", &self.sections)
                .into_iter()
                .map(|s| Choice {
                    selected: fields.section == s.anchor,
                    label: format!("{}{}", "　".repeat(s.depth - 1), s.title),
                    value: s.anchor,
                })
                .collect(),
            kept: self.kept.as_ref().map(|a| KeptAttachment {
                id: a.id.to_string(),
                url: Attachment::url(a.id),
                description: a.describe(),
            }),
            today: china_today(Utc::now()).to_string(),
            file_hint: format!(
                "PDF 文件或 JPEG、PNG 图片，不超过 {} MB。文件保存在网站目录之外，仅负责此意见征集的工作人员可以查看。",
                max_bytes.div_ceil(1024 * 1024)
            ),
            entered: self.entered.iter().map(|o| entered_row(o, &intake_url)).collect(),
            continue_url: None,
            manage_url,
            fields,
            errors,
        }
    }

    /// The department the opinion is for: an invited one, or any active one.
    fn department(&self, sender: &Sender) -> Option<Department> {
        let Sender::Department(id) = sender else { return None };
        self.invited.iter().chain(&self.active).find(|d| d.id == *id).cloned()
    }
}

fn entered_row(o: &OfflineOpinion, intake_url: &str) -> EnteredRow {
    EnteredRow {
        received_on: in_china(o.received_at).date_naive().to_string(),
        author: o.author_name.clone(),
        channel: o.channel.label(),
        seq: o.seq,
        summary: summary(&o.body, 60),
        attachment_url: o.attachment_id.map(Attachment::url),
        continue_url: format!("{intake_url}?continue={}", o.id),
    }
}

#[derive(Deserialize)]
pub struct IntakeQuery {
    /// Enter another opinion of the same letter as this one.
    #[serde(rename = "continue")]
    continue_from: Option<OpinionId>,
    /// The opinion just saved.
    saved: Option<OpinionId>,
}

/// The sender, channel, date and attachment of `opinion`, for the next opinion of its letter.
fn same_letter(o: &crate::models::Opinion) -> IntakeFields {
    IntakeFields {
        department: o.department_id.map(|d| d.to_string()).unwrap_or_default(),
        author_name: if o.department_id.is_some() { String::new() } else { o.author_name.clone() },
        contact: o.contact.clone().unwrap_or_default(),
        channel: o.channel.code().to_owned(),
        received_on: in_china(o.received_at).date_naive().to_string(),
        attachment: o.attachment_id.map(|a| a.to_string()).unwrap_or_default(),
        ..IntakeFields::default()
    }
}

#[get("/consultations/{id}/intake")]
pub async fn form(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
    query: web::Query<IntakeQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let fields = match query.continue_from {
        Some(from) => same_letter(&db::run(&state.pool, move |conn| Ok(offline::find_in(conn, id, from)?)).await?),
        None => IntakeFields {
            channel: Channel::Letter.code().to_owned(),
            received_on: china_today(Utc::now()).to_string(),
            ..IntakeFields::default()
        },
    };
    let desk = Desk::load(&state, &staff, id, Some(&fields.attachment)).await?;
    let mut page = desk.page(&staff, fields, FieldErrors::new(), state.settings.upload_max_bytes);
    page.continue_url = query.saved.map(|o| format!("{}/intake?continue={o}", page.manage_url));
    render(&page)
}

/// The day received as a timestamp: midnight of that day, China time.
fn received_at(day: NaiveDate) -> NaiveDateTime {
    let midnight = china().from_local_datetime(&day.and_time(NaiveTime::MIN));
    midnight.single().expect("a fixed offset maps every local time once").naive_utc()
}

/// Everything checked: the opinion, its department and section, and the file's kind.
struct Checked {
    opinion: IntakeOpinion,
    department: Option<Department>,
    section: Option<Section>,
    scan: Option<ScanKind>,
}

fn check(
    desk: &Desk,
    fields: &IntakeFields,
    file: Option<&UploadedFile>,
    max_chars: usize,
) -> Result<Checked, FieldErrors> {
    let parsed = IntakeOpinion::parse(fields, china_today(Utc::now()), max_chars);
    let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
    let scan = file.map(|f| ScanKind::sniff(&f.bytes));
    if scan == Some(None) {
        errors.add("file", NOT_A_SCAN);
    }
    let section = desk.sections.iter().find(|s| s.anchor == fields.section).cloned();
    if !fields.section.is_empty() && section.is_none() {
        errors.add("section", "请从列表中选择所涉部分");
    }
    let department = parsed.as_ref().ok().and_then(|o| desk.department(&o.sender));
    if let Ok(o) = &parsed
        && matches!(o.sender, Sender::Department(_))
        && department.is_none()
    {
        errors.add("department", "请从列表中选择单位");
    }
    match parsed {
        Ok(opinion) if errors.is_empty() => Ok(Checked { opinion, department, section, scan: scan.flatten() }),
        _ => Err(errors),
    }
}

#[post("/consultations/{id}/intake")]
pub async fn create(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    upload: CsrfUpload,
) -> Result<HttpResponse, AppError> {
    let fields = IntakeFields::read(|name| upload.field(name));
    let next = if upload.field("action") == Some("continue") { "continue" } else { "saved" };
    let staff = &upload.user;
    let desk = Desk::load(&state, staff, id.into_inner(), Some(&fields.attachment)).await?;
    let checked = match check(&desk, &fields, upload.file.as_ref(), state.settings.opinion_max_chars) {
        Ok(checked) => checked,
        Err(mut errors) => {
            if upload.file.is_some() {
                errors.add("file", "表单有误，附件未保存，请修改后重新选择附件。");
            }
            return render_invalid(&desk.page(staff, fields, errors, state.settings.upload_max_bytes));
        }
    };
    let file = match (upload.file, checked.scan) {
        (Some(file), Some(kind)) => Some(store(&state, file, kind).await?),
        _ => None,
    };
    let id = desk.consultation.id;
    let recorded = save(&state, id, checked, file).await?;
    state.pages.forget_consultation(id);
    staff.session.flash(false, "已录入该意见。")?;
    Ok(see_other(&format!("/staff/consultations/{id}/intake?{next}={}", recorded.opinion)))
}

/// Writes the scanned letter to the upload directory under a random name.
async fn store(state: &AppState, file: UploadedFile, kind: ScanKind) -> Result<StoredFile, AppError> {
    let dir = state.settings.upload_dir.clone();
    let name = super::drafts::base_name(&file.file_name);
    web::block(move || StoredFile::write(&dir, &name, kind, &file.bytes))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| AppError::internal(anyhow::Error::new(e).context("storing a scanned letter")))
}

/// Records the opinion with its attachment in one transaction; the file is removed if that fails.
async fn save(
    state: &AppState,
    consultation_id: ConsultationId,
    checked: Checked,
    file: Option<StoredFile>,
) -> Result<Recorded, AppError> {
    let received = received_at(checked.opinion.received_on);
    let spare = file.clone();
    let recorded = db::run(&state.pool, move |conn| {
        let entry = OfflineEntry {
            consultation_id,
            opinion: &checked.opinion,
            department: checked.department.as_ref(),
            section_id: checked.section.as_ref().map(|s| s.id),
            received_at: received,
            now: Utc::now().naive_utc(),
        };
        entry.record(conn, file.as_ref())
    })
    .await;
    if recorded.is_err()
        && let Some(file) = spare
    {
        file.discard();
    }
    recorded
}

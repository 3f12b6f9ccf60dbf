//! The outline page after an upload: how the draft was split (levels, numbering, headings, where
//! each section's text starts), the notice found before the draft, the draft's 目录, and plain
//! forms to correct the outline before publishing.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

use super::{StaffChrome, see_other};
use crate::auth::{CsrfForm, StaffUser};
use crate::db;
use crate::domain::ids::ConsultationId;
use crate::drafts::outline::{Correction, MAX_LEVEL, Outline, lines};
use crate::drafts::{HeadingKind, normalise_ws};
use crate::error::AppError;
use crate::models::draft::section_title;
use crate::models::{Consultation, Draft};
use crate::routes::render;
use crate::routes::views::paragraphs;
use crate::services::outline::{announce_notice, correct};
use crate::state::AppState;

/// How many characters of a line the page shows.
const LINE_START_CHARS: usize = 40;

/// One line a section may be split at.
pub struct LineOption {
    pub index: usize,
    pub start: String,
}

/// One section as the outline page shows it.
pub struct OutlineRow {
    pub index: usize,
    pub anchor: String,
    pub level: u8,
    pub preamble: bool,
    pub kind: &'static str,
    pub title: String,
    /// The beginning of the section's text after its heading line.
    pub text_start: String,
    pub chars: usize,
    pub can_raise: bool,
    pub can_lower: bool,
    pub can_merge: bool,
    /// Whether the sections up to this one may be marked as the 目录.
    pub can_be_toc: bool,
    pub lines: Vec<LineOption>,
}

#[derive(Template)]
#[template(path = "staff/outline.html")]
struct OutlinePage {
    staff: StaffChrome,
    title: String,
    manage_url: String,
    draft_title: String,
    /// Why the outline cannot be changed, if it cannot.
    locked: Option<&'static str>,
    notice: Option<Vec<String>>,
    notice_chars: usize,
    notice_is_announcement: bool,
    toc: Option<Vec<String>>,
    rows: Vec<OutlineRow>,
}

fn kind_label(kind: HeadingKind) -> &'static str {
    match kind {
        HeadingKind::Preamble => "前言（第一个标题之前的文字）",
        HeadingKind::Book => "编",
        HeadingKind::SubBook => "分编",
        HeadingKind::Chapter => "章",
        HeadingKind::Part => "节",
        HeadingKind::Article => "条",
        HeadingKind::CnNumber => "一、",
        HeadingKind::CnParen => "（一）",
        HeadingKind::Arabic => "1.",
        HeadingKind::ArabicParen => "（1）",
        HeadingKind::Annex => "附件",
        HeadingKind::Titled => "无编号标题",
        HeadingKind::Paragraph => "段落",
    }
}

fn start_of(text: &str) -> String {
    let flat = normalise_ws(text);
    let mut start: String = flat.chars().take(LINE_START_CHARS).collect();
    if flat.chars().count() > LINE_START_CHARS {
        start.push('…');
    }
    start
}

fn rows(outline: &Outline) -> Vec<OutlineRow> {
    let has_toc = outline.toc.is_some();
    let first_heading = usize::from(outline.sections.first().is_some_and(|s| s.kind == HeadingKind::Preamble));
    // A 目录 read as sections looks like a run of chapters (or 编, 节, 附件, unnumbered titles)
    // without text, right after the preamble: those, and only up to the first other section, are
    // offered as the 目录.
    let mut toc_run = true;
    outline
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let preamble = s.kind == HeadingKind::Preamble;
            let all = lines(&s.text);
            let heading_line = if preamble { "" } else { all.first().copied().unwrap_or_default() };
            let body = &s.text[heading_line.len()..];
            let lines = all
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(index, l)| LineOption { index, start: start_of(l) })
                .collect();
            let title = section_title(&s.number, &s.heading);
            let heading_like = matches!(
                s.kind,
                HeadingKind::Book
                    | HeadingKind::SubBook
                    | HeadingKind::Chapter
                    | HeadingKind::Part
                    | HeadingKind::Titled
                    | HeadingKind::Annex
            );
            if !preamble {
                toc_run = toc_run && heading_like && normalise_ws(body).chars().count() <= 200;
            }
            let can_be_toc = !preamble && toc_run;
            OutlineRow {
                index: i,
                anchor: s.anchor.clone(),
                level: s.level,
                preamble,
                kind: kind_label(s.kind),
                title,
                text_start: start_of(body),
                chars: s.text.chars().count(),
                can_raise: !preamble && s.level > 1,
                can_lower: !preamble && s.level < outline.max_level(i),
                can_merge: !(preamble || (i == first_heading && has_toc)),
                can_be_toc,
                lines,
            }
        })
        .collect()
}

struct Loaded {
    consultation: Consultation,
    draft: Draft,
    outline: Outline,
    locked: Option<&'static str>,
}

#[get("/consultations/{id}/outline")]
pub async fn show(
    state: web::Data<AppState>,
    staff: StaffUser,
    id: web::Path<ConsultationId>,
) -> Result<HttpResponse, AppError> {
    let c = staff.consultation(&state, id.into_inner()).await?;
    let id = c.id;
    let loaded = db::run(&state.pool, move |conn| {
        let consultation = Consultation::find(conn, id)?;
        let Some(draft) = Draft::current_for(conn, id)? else { return Ok(None) };
        let outline = draft.outline(conn)?;
        let locked = crate::services::outline::locked(conn, &consultation, draft.id)?;
        Ok(Some(Loaded { consultation, draft, outline, locked }))
    })
    .await?;
    let manage_url = format!("/staff/consultations/{id}");
    let Some(Loaded { consultation, draft, outline, locked }) = loaded else {
        staff.session.flash(true, "尚未上传征求意见稿。")?;
        return Ok(see_other(&format!("{manage_url}/draft")));
    };
    render(&OutlinePage {
        staff: StaffChrome::new(&staff),
        title: consultation.title.clone(),
        draft_title: format!("{}（{}）", draft.title, draft.version_label),
        manage_url,
        locked,
        notice: draft.notice.as_deref().map(paragraphs),
        notice_chars: draft.notice.as_deref().map_or(0, |n| n.chars().count()),
        notice_is_announcement: draft.notice_is_announcement,
        toc: outline.toc.as_deref().map(paragraphs),
        rows: rows(&outline),
    })
}

/// One correction (the button pressed names it), or the notice checkbox.
#[derive(Deserialize)]
pub struct OutlineForm {
    #[serde(default)]
    op: String,
    #[serde(default)]
    section: String,
    /// The section's anchor when the page was made: a stale page is refused.
    #[serde(default)]
    anchor: String,
    #[serde(default)]
    line: String,
    /// The level to give (a `<select>`), for `op=level`.
    #[serde(default)]
    level: String,
    #[serde(default)]
    announce: Option<String>,
}

/// The correction a form asks for, checked against the outline as stored now.
fn correction(form: &OutlineForm, outline: &Outline) -> Result<Correction, String> {
    if form.op == "toc_to_text" {
        return Ok(Correction::TocToText);
    }
    let stale = || "大纲已经改变（可能在另一个窗口中修改过），请查看刷新后的大纲再修改。".to_owned();
    let section: usize = form.section.parse().map_err(|_| stale())?;
    let current = outline.sections.get(section).ok_or_else(stale)?;
    if current.anchor != form.anchor {
        return Err(stale());
    }
    let level = current.level;
    Ok(match form.op.as_str() {
        "raise" => Correction::SetLevel { section, level: level.saturating_sub(1) },
        "lower" => Correction::SetLevel { section, level: level.saturating_add(1) },
        "level" => {
            let level = form.level.parse().ok().filter(|l| (1..=MAX_LEVEL).contains(l));
            Correction::SetLevel { section, level: level.ok_or_else(|| "请选择层级。".to_owned())? }
        }
        "merge" => Correction::Merge { section },
        "split" => {
            let line = form.line.parse().map_err(|_| "请选择从哪一行起另起一节。".to_owned())?;
            Correction::Split { section, line }
        }
        "to_toc" => Correction::ToToc { through: section },
        _ => return Err("请选择要做的修改。".to_owned()),
    })
}

#[post("/consultations/{id}/outline")]
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<ConsultationId>,
    posted: CsrfForm<OutlineForm>,
) -> Result<HttpResponse, AppError> {
    let CsrfForm { user: staff, form } = posted;
    let id = staff.consultation(&state, id.into_inner()).await?.id;
    let notice = form.op == "notice";
    let announce = form.announce.is_some();
    let result = db::run(&state.pool, move |conn| {
        if notice {
            announce_notice(conn, id, announce)
        } else {
            correct(conn, id, |outline| correction(&form, outline))
        }
    })
    .await?;
    state.pages.forget_all();
    let (error, message) = match result {
        Ok(()) if notice && announce => (false, "已把正文前的公告作为本次征求意见的公告。".to_owned()),
        Ok(()) if notice => (false, "公开页面的公告改为基本信息中填写的公告。".to_owned()),
        Ok(()) => (false, "已修改大纲。".to_owned()),
        Err(message) => (true, message),
    };
    staff.session.flash(error, message)?;
    Ok(see_other(&format!("/staff/consultations/{id}/outline")))
}

//! View models shared by public pages: a consultation's facts and its draft's sections.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::ids::SectionId;
use crate::domain::window::Status;
use crate::models::{Consultation, Draft, Section};
use crate::routes::charts::{ChartBar, bars};

tokio::task_local! {
    /// The site's name while a request is answered (set around every request by the application).
    static SITE_NAME: std::sync::Arc<str>;
}

/// The site's name (`ZHENGQIU_SITE_NAME`), for page titles and the header.
pub fn site_name() -> std::sync::Arc<str> {
    SITE_NAME.try_with(|name| name.clone()).unwrap_or_else(|_| std::sync::Arc::from(DEFAULT_SITE_NAME))
}

pub const DEFAULT_SITE_NAME: &str = "意见征集";

/// Answers `fut` with `name` as the site's name.
pub async fn with_site_name<F: std::future::Future>(name: std::sync::Arc<str>, fut: F) -> F::Output {
    SITE_NAME.scope(name, fut).await
}

/// What every public page shows about a consultation.
pub struct ConsultationView {
    pub url: String,
    pub title: String,
    pub issuer: String,
    pub starts_on: String,
    pub ends_on: String,
    pub status: Status,
    pub status_label: &'static str,
    pub status_css: &'static str,
    pub status_note: Option<String>,
    /// Whether opinions are accepted now.
    pub open: bool,
    /// The published 意见反馈 page, once there is one.
    pub feedback_url: Option<String>,
    /// Why the window is shorter than the standard 30 days, with its length, as the law
    /// asks to say publicly (《重大行政决策程序暂行条例》第十五条).
    pub short_period: Option<String>,
    pub opinion_count: i32,
    pub notice: Vec<String>,
    pub how_to: Vec<String>,
}

impl ConsultationView {
    pub fn new(c: &Consultation, now: DateTime<Utc>) -> ConsultationView {
        let window = c.window();
        let status = c.status(now);
        let status_note = match status {
            Status::Open => window.days_left(now).map(|d| match d {
                0 => "今天截止".to_owned(),
                d => format!("距截止还有 {d} 天"),
            }),
            Status::Scheduled => window.days_until_open(now).map(|d| format!("{d} 天后开始")),
            Status::Closed | Status::FeedbackPublished => None,
        };
        let how_to = if c.how_to_comment.trim().is_empty() {
            vec![format!(
                "请于 {} 至 {} 期间，在本页对征求意见稿的各部分逐条提出意见，也可以对全文提出意见。\
                 提交后您将获得回执编号，可凭编号查询意见的处理情况。",
                window.starts_on(),
                window.ends_on()
            )]
        } else {
            paragraphs(&c.how_to_comment)
        };
        let url = format!("/consultations/{}", c.id);
        let reason = c.short_period_reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        let short_period = reason
            .filter(|_| window.is_shorter_than_standard())
            .map(|r| format!("征集期 {} 日，少于 30 日。理由：{r}", window.days()));
        ConsultationView {
            short_period,
            feedback_url: (status == Status::FeedbackPublished).then(|| format!("{url}/feedback")),
            url,
            title: c.title.clone(),
            issuer: c.issuer.clone(),
            starts_on: window.starts_on().to_string(),
            ends_on: window.ends_on().to_string(),
            status,
            status_label: status.label(),
            status_css: status.css(),
            status_note,
            open: status == Status::Open,
            opinion_count: c.opinion_count,
            notice: paragraphs(&c.notice),
            how_to,
        }
    }
}

/// One section as a page shows it.
#[derive(Clone)]
pub struct SectionView {
    pub id: SectionId,
    pub anchor: String,
    pub url: String,
    pub title: String,
    /// 1 for top-level sections.
    pub depth: usize,
    /// h3 for top-level sections (h1 is the page, h2 the draft), at most h6.
    pub heading_level: usize,
    pub paragraphs: Vec<String>,
    pub opinion_count: i32,
    pub parent: Option<SectionId>,
}

/// A draft's sections in order, with a nested table of contents.
pub struct DraftView {
    pub title: String,
    pub toc_html: String,
    pub sections: Vec<SectionView>,
    /// Opinions per section, for the sections that have any.
    pub chart: Vec<ChartBar>,
    /// The lines of the draft's own 目录: shown where it stands, never a section.
    pub own_toc: Vec<String>,
    /// The index of the section the 目录 stands before (after the preamble).
    pub toc_before: usize,
}

impl DraftView {
    pub fn new(consultation_url: &str, draft: &Draft, sections: &[Section]) -> DraftView {
        let sections = section_views(consultation_url, sections);
        let chart = bars(
            sections
                .iter()
                .filter(|s| s.opinion_count > 0)
                .map(|s| (s.title.clone(), Some(format!("#s-{}", s.anchor)), i64::from(s.opinion_count))),
        );
        let toc_before = usize::from(sections.first().is_some_and(|s| s.anchor == "0"));
        DraftView {
            title: format!("{}（{}）", draft.title, draft.version_label),
            toc_html: toc_html(&sections),
            own_toc: draft.toc.as_deref().map(paragraphs).unwrap_or_default(),
            toc_before,
            sections,
            chart,
        }
    }
}

pub fn section_views(consultation_url: &str, sections: &[Section]) -> Vec<SectionView> {
    let mut depth_of: HashMap<SectionId, usize> = HashMap::with_capacity(sections.len());
    sections
        .iter()
        .map(|s| {
            let depth = s.parent_id.and_then(|p| depth_of.get(&p)).map_or(1, |d| d + 1);
            depth_of.insert(s.id, depth);
            SectionView {
                id: s.id,
                anchor: s.anchor.clone(),
                url: format!("{consultation_url}/sections/{}", s.anchor),
                title: s.title(),
                depth,
                heading_level: (depth + 2).min(6),
                paragraphs: section_paragraphs(s),
                opinion_count: s.opinion_count,
                parent: s.parent_id,
            }
        })
        .collect()
}

/// The section's text as paragraphs, without a first line that is only its heading.
fn section_paragraphs(s: &Section) -> Vec<String> {
    let mut lines = paragraphs(&s.body);
    // Compared without whitespace, character by character: a long first paragraph is
    // told apart from the heading at its first differing character, with no copy.
    let heading = s.number.chars().chain(s.heading.chars()).filter(|c| !c.is_whitespace());
    if lines.first().is_some_and(|first| first.chars().filter(|c| !c.is_whitespace()).eq(heading)) {
        lines.remove(0);
    }
    lines
}

/// Non-empty lines, trimmed.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace()))
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A nested `<ol>` for the table of contents. Only fixed markup is produced here;
/// every text goes through [`escape_html`].
fn toc_html(sections: &[SectionView]) -> String {
    let mut html = String::new();
    let mut open = 0usize;
    for s in sections {
        if s.depth > open {
            for _ in open..s.depth {
                html.push_str("<ol>");
            }
        } else {
            html.push_str("</li>");
            for _ in s.depth..open {
                html.push_str("</ol></li>");
            }
        }
        open = s.depth;
        html.push_str(&format!("<li><a href=\"#s-{}\">{}</a>", escape_html(&s.anchor), escape_html(&s.title)));
    }
    if open > 0 {
        html.push_str("</li>");
        for _ in 1..open {
            html.push_str("</ol></li>");
        }
        html.push_str("</ol>");
    }
    html
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(anchor: &str, depth: usize, title: &str) -> SectionView {
        SectionView {
            id: SectionId(0),
            anchor: anchor.into(),
            url: String::new(),
            title: title.into(),
            depth,
            heading_level: 3,
            paragraphs: vec![],
            opinion_count: 0,
            parent: None,
        }
    }

    fn section(number: &str, heading: &str, body: &str) -> Section {
        Section {
            id: SectionId(1),
            draft_id: crate::domain::ids::DraftId(1),
            position: 0,
            parent_id: None,
            level: 1,
            kind: "article".into(),
            number: number.into(),
            heading: heading.into(),
            body: body.into(),
            anchor: "1".into(),
            opinion_count: 0,
        }
    }

    #[test]
    fn a_first_line_that_is_only_the_heading_is_not_shown_twice() {
        let s = section("一、", "总体要求", " 一、 总体 要求\n  坚持以人民为中心。\n\n二段。");
        assert_eq!(section_paragraphs(&s), ["坚持以人民为中心。", "二段。"]);
        let s = section("第一条", "", "第一条 为了规范征求意见工作，制定本办法。");
        assert_eq!(
            section_paragraphs(&s),
            ["第一条 为了规范征求意见工作，制定本办法。"],
            "heading and text share a line"
        );
        let s = section("", "", "前言第一段。");
        assert_eq!(section_paragraphs(&s), ["前言第一段。"]);
    }

    #[test]
    fn the_table_of_contents_nests_and_closes_every_list() {
        let html = toc_html(&[
            view("1", 1, "一、总体"),
            view("1-1", 2, "1、指导"),
            view("1-1-1", 3, "1.到"),
            view("2", 1, "二、<b>"),
        ]);
        assert_eq!(
            html,
            "<ol><li><a href=\"#s-1\">一、总体</a><ol><li><a href=\"#s-1-1\">1、指导</a><ol><li><a href=\"#s-1-1-1\">1.到</a>\
             </li></ol></li></ol></li><li><a href=\"#s-2\">二、&lt;b&gt;</a></li></ol>"
        );
        assert_eq!(html.matches("<ol>").count(), html.matches("</ol>").count());
        assert_eq!(html.matches("<li>").count(), html.matches("</li>").count());
    }
}

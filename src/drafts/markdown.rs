//! Splitting Markdown: `#` headings set their level, other lines are read like plain text.

use super::DraftSection;
#[cfg(test)]
use super::HeadingKind;
use super::assemble::assemble;
use super::heading::{Heading, detect, is_ws, titled};
use super::lines::lines_with_breaks;
use super::tree::Line;

/// Splits Markdown into sections. An ATX heading (`#`…`######` and a space) is a heading at the
/// level its `#`s give, with its number read like a plain-text heading ("## 第二章 总则"); other
/// lines, once leading `**`/`__` emphasis is set aside, are checked for Chinese numbering.
/// Nothing inside a fenced code block is a heading. The Markdown itself is the section text.
/// Like [`split_text`](super::split_text), a notice and a 目录 stay in the sections' text.
pub fn split_markdown(text: &str) -> Vec<DraftSection> {
    assemble(markdown_lines(text), false).sections
}

/// The lines of a Markdown text, classified.
pub(crate) fn markdown_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut fence: Option<&str> = None;
    for line in lines_with_breaks(text) {
        let trimmed = line.trim_start_matches(is_ws);
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            lines.push(Line::Body(line));
            continue;
        }
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            fence = Some(marker);
            lines.push(Line::Body(line));
            continue;
        }
        lines.push(classify(line));
    }
    lines
}

fn classify(line: &str) -> Line<'_> {
    if let Some((level, content)) = atx_heading(line) {
        let heading = detect(content).map_or_else(|| titled(content), unemphasise);
        return Line::Explicit(line, level, heading);
    }
    let plain = line.trim_start_matches(is_ws).trim_start_matches("**").trim_start_matches("__");
    match detect(plain) {
        Some(heading) => Line::Numbered(line, unemphasise(heading)),
        None => Line::Body(line),
    }
}

/// `## 标题 ##` → (2, "标题"): at most three spaces of indent, one to six `#`, then a space or
/// the end of the line; closing `#`s are dropped.
fn atx_heading(line: &str) -> Option<(u8, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let after = &rest[hashes..];
    if !(after.is_empty() || after.starts_with([' ', '\t', '\r', '\n'])) {
        return None;
    }
    let content = after.trim_matches(is_ws);
    let content = content.trim_end_matches('#').trim_end_matches(is_ws);
    let content = content.trim_matches(|c| c == '*' || c == '_');
    Some((hashes as u8, content))
}

fn unemphasise(mut heading: Heading) -> Heading {
    heading.heading = heading.heading.trim_matches(|c: char| is_ws(c) || c == '*' || c == '_').to_string();
    heading
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline(text: &str) -> Vec<(u8, HeadingKind, String, String)> {
        split_markdown(text).into_iter().map(|s| (s.level, s.kind, s.number, s.heading)).collect()
    }

    fn row(level: u8, kind: HeadingKind, number: &str, heading: &str) -> (u8, HeadingKind, String, String) {
        (level, kind, number.to_string(), heading.to_string())
    }

    #[test]
    fn hash_headings_set_the_level_and_keep_their_numbers() {
        let text = "## 第一章 总则\n\n第一条 为了规范。\n\n### 第一节 一般规定\n第二条 施行。\n## 附录\n";
        assert_eq!(
            outline(text),
            vec![
                row(1, HeadingKind::Chapter, "第一章", "总则"),
                row(2, HeadingKind::Article, "第一条", "为了规范"),
                row(2, HeadingKind::Part, "第一节", "一般规定"),
                row(3, HeadingKind::Article, "第二条", "施行"),
                row(1, HeadingKind::Titled, "", "附录"),
            ]
        );
    }

    #[test]
    fn a_title_set_as_the_first_hash_heading_is_the_preamble_and_levels_count_from_below_it() {
        let text = "# 某某办法（征求意见稿）\n\n## 第一章 总则\n\n第一条 为了规范。\n\n## 第二章 附则\n第二条 施行。\n";
        assert_eq!(
            outline(text),
            vec![
                row(1, HeadingKind::Preamble, "", ""),
                row(1, HeadingKind::Chapter, "第一章", "总则"),
                row(2, HeadingKind::Article, "第一条", "为了规范"),
                row(1, HeadingKind::Chapter, "第二章", "附则"),
                row(2, HeadingKind::Article, "第二条", "施行"),
            ]
        );
    }

    #[test]
    fn bold_numbered_lines_are_headings_and_code_blocks_are_not() {
        let text = "**一、总体要求**\n正文\n```\n# 不是标题\n二、也不是\n```\n**二、重点任务**\n";
        assert_eq!(
            outline(text),
            vec![row(1, HeadingKind::CnNumber, "一、", "总体要求"), row(1, HeadingKind::CnNumber, "二、", "重点任务"),]
        );
    }

    #[test]
    fn the_markdown_text_is_kept_as_section_text() {
        let text = "前言\n## 一、总则 ##\n正文 *强调*\n#话题# 不是标题\n";
        let sections = split_markdown(text);
        let joined: String = sections.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
        assert_eq!(sections[1].text, "## 一、总则 ##\n正文 *强调*\n#话题# 不是标题\n");
        assert_eq!(sections[1].heading, "总则");
    }
}

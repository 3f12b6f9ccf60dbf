//! Scoring an imported draft against an outline a person wrote by reading the document.
//!
//! An outline file reads:
//!
//! ```text
//! # source: <url>
//! # kind: <free text>
//! title: <the draft's own title line>
//! notice: yes|no
//! toc: yes|no
//! ---
//! 第一章 总则
//!   第一条
//! 附件1
//!   一、总体要求
//! ```
//!
//! After `---` each line is one expected heading, indented two spaces per level below the first,
//! holding the beginning of the heading line. An expected heading matches a produced section (not
//! the preamble) when the section's first line, all whitespace removed, starts with the expected
//! text, all whitespace removed. The two sequences are aligned in order by the longest common
//! subsequence under that predicate.

use super::heading::is_ws;
use super::{HeadingKind, ImportedDraft};
use std::fmt::Write as _;

/// One heading of an expected outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedHeading {
    /// 1 = top level.
    pub level: u8,
    /// The beginning of the heading line, as written in the outline.
    pub text: String,
}

/// What a person expects the importer to find in one document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExpectedOutline {
    pub source: String,
    pub kind: String,
    pub title: Option<String>,
    pub notice: bool,
    pub toc: bool,
    pub headings: Vec<ExpectedHeading>,
}

impl ExpectedOutline {
    /// Reads an outline file; the error names the line that is not in the format.
    pub fn parse(text: &str) -> Result<ExpectedOutline, String> {
        let mut outline = ExpectedOutline::default();
        let mut lines = text.lines().enumerate();
        let mut separated = false;
        for (n, line) in lines.by_ref() {
            let line = line.trim_end();
            if line.trim() == "---" {
                separated = true;
                break;
            }
            if let Some(rest) = line.strip_prefix('#') {
                if let Some((key, value)) = rest.split_once(':') {
                    match key.trim() {
                        "source" => outline.source = value.trim().to_string(),
                        "kind" => outline.kind = value.trim().to_string(),
                        _ => {}
                    }
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let (key, value) = line.split_once(':').ok_or_else(|| format!("line {}: expected key: value", n + 1))?;
            let value = value.split('#').next().unwrap_or_default().trim();
            match key.trim() {
                "title" => outline.title = Some(value.to_string()).filter(|v| !v.is_empty()),
                "notice" => outline.notice = yes_no(value, n)?,
                "toc" => outline.toc = yes_no(value, n)?,
                other => return Err(format!("line {}: unknown key {other}", n + 1)),
            }
        }
        if !separated {
            return Err("no --- line before the headings".to_string());
        }
        for (n, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let indent = line.len() - line.trim_start_matches(' ').len();
            if indent % 2 != 0 {
                return Err(format!("line {}: indentation is not a multiple of two spaces", n + 1));
            }
            let level = u8::try_from(indent / 2 + 1).map_err(|_| format!("line {}: indented too deep", n + 1))?;
            outline.headings.push(ExpectedHeading { level, text: line.trim().to_string() });
        }
        Ok(outline)
    }
}

fn yes_no(value: &str, n: usize) -> Result<bool, String> {
    match value {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(format!("line {}: expected yes or no, found {other}", n + 1)),
    }
}

/// How one imported document compares with its expected outline.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocumentScore {
    pub name: String,
    /// Headings in the expected outline.
    pub expected: usize,
    /// Sections the importer made, the preamble not counted.
    pub produced: usize,
    /// Aligned pairs.
    pub matched: usize,
    /// Aligned pairs at the same level.
    pub same_level: usize,
    /// Documents (one here, the count in a total) whose title, notice and 目录 agree.
    pub title_agrees: usize,
    pub notice_agrees: usize,
    pub toc_agrees: usize,
    /// Documents counted (1 for one document).
    pub documents: usize,
    /// Expected headings that found no section, for reading a failure.
    pub missed: Vec<String>,
    /// Sections that matched no expected heading (their first lines, cut short).
    pub extra: Vec<String>,
    /// Matched headings at another level: the expected text, expected and produced level.
    pub misplaced: Vec<(String, u8, u8)>,
}

impl DocumentScore {
    /// matched / produced (1 when nothing was produced and nothing expected).
    pub fn precision(&self) -> f64 {
        ratio(self.matched, self.produced, self.expected == 0)
    }

    /// matched / expected.
    pub fn recall(&self) -> f64 {
        ratio(self.matched, self.expected, self.produced == 0)
    }

    /// matched at the same level / matched.
    pub fn level_agreement(&self) -> f64 {
        ratio(self.same_level, self.matched, true)
    }
}

fn ratio(part: usize, whole: usize, empty_is_perfect: bool) -> f64 {
    match whole {
        0 if empty_is_perfect => 1.0,
        0 => 0.0,
        _ => part as f64 / whole as f64,
    }
}

/// The heading line of a section: its first line with any text on it, all whitespace removed,
/// and without the marks Markdown puts around a heading (`## `, `**`, `> `), which are not
/// printed.
fn first_line_key(text: &str) -> String {
    let line = text.lines().find(|l| l.chars().any(|c| !is_ws(c))).unwrap_or_default();
    let words = squeeze(line);
    let bare = words.trim_start_matches(['#', '>']);
    bare.strip_prefix("**").or_else(|| bare.strip_prefix("__")).unwrap_or(bare).to_string()
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|&c| !is_ws(c)).collect()
}

/// Scores `draft` against `expected`.
pub fn score_document(name: &str, expected: &ExpectedOutline, draft: &ImportedDraft) -> DocumentScore {
    let produced: Vec<(u8, String)> = draft
        .sections
        .iter()
        .filter(|s| s.kind != HeadingKind::Preamble)
        .map(|s| (s.level, first_line_key(&s.text)))
        .collect();
    let wanted: Vec<(u8, String)> = expected.headings.iter().map(|h| (h.level, squeeze(&h.text))).collect();
    let pairs = align(&wanted, &produced);
    let same_level = pairs.iter().filter(|&&(e, p)| wanted[e].0 == produced[p].0).count();
    let title = |t: Option<&str>| t.map(squeeze).unwrap_or_default();
    let mut matched_wanted = vec![false; wanted.len()];
    let mut matched_produced = vec![false; produced.len()];
    for &(e, p) in &pairs {
        matched_wanted[e] = true;
        matched_produced[p] = true;
    }
    DocumentScore {
        name: name.to_string(),
        expected: wanted.len(),
        produced: produced.len(),
        matched: pairs.len(),
        same_level,
        title_agrees: usize::from(title(draft.title.as_deref()) == title(expected.title.as_deref())),
        notice_agrees: usize::from(draft.notice.is_some() == expected.notice),
        toc_agrees: usize::from(draft.toc.is_some() == expected.toc),
        documents: 1,
        missed: expected
            .headings
            .iter()
            .zip(&matched_wanted)
            .filter(|(_, m)| !**m)
            .map(|(h, _)| h.text.clone())
            .collect(),
        misplaced: pairs
            .iter()
            .filter(|&&(e, p)| wanted[e].0 != produced[p].0)
            .map(|&(e, p)| (expected.headings[e].text.clone(), wanted[e].0, produced[p].0))
            .collect(),
        extra: produced.iter().zip(&matched_produced).filter(|(_, m)| !**m).map(|((_, k), _)| cut(k, 16)).collect(),
    }
}

fn cut(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// The longest common subsequence of `wanted` and `produced` where an expected heading matches
/// a produced one whose key starts with it; the aligned index pairs in order. Quadratic in time
/// and memory, which suits documents of at most a few thousand headings.
fn align(wanted: &[(u8, String)], produced: &[(u8, String)]) -> Vec<(usize, usize)> {
    let (n, m) = (wanted.len(), produced.len());
    let width = m + 1;
    let mut table = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * width + j] = if produced[j].1.starts_with(wanted[i].1.as_str()) {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if produced[j].1.starts_with(wanted[i].1.as_str()) && table[i * width + j] == table[(i + 1) * width + j + 1] + 1
        {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if table[(i + 1) * width + j] >= table[i * width + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// The sum of several documents' scores, named "total".
pub fn corpus_total(scores: &[DocumentScore]) -> DocumentScore {
    let mut total = DocumentScore { name: "total".to_string(), ..DocumentScore::default() };
    for s in scores {
        total.expected += s.expected;
        total.produced += s.produced;
        total.matched += s.matched;
        total.same_level += s.same_level;
        total.title_agrees += s.title_agrees;
        total.notice_agrees += s.notice_agrees;
        total.toc_agrees += s.toc_agrees;
        total.documents += s.documents;
    }
    total
}

/// A plain-text table: one row per document and a total row.
pub fn format_table(scores: &[DocumentScore]) -> String {
    let width = scores.iter().map(|s| s.name.chars().count()).max().unwrap_or(0).max(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>5} {:>5} {:>5}  {:>7} {:>7} {:>7}  {:>5} {:>6} {:>5}",
        "document", "exp", "prod", "match", "prec", "recall", "level", "title", "notice", "toc"
    );
    let total = corpus_total(scores);
    for s in scores.iter().chain(std::iter::once(&total)) {
        let agree = |n: usize| {
            if s.documents == 1 { if n == 1 { "ok" } else { "NO" }.to_string() } else { format!("{n}/{}", s.documents) }
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:>5} {:>5} {:>5}  {:>6.1}% {:>6.1}% {:>6.1}%  {:>5} {:>6} {:>5}",
            s.name,
            s.expected,
            s.produced,
            s.matched,
            s.precision() * 100.0,
            s.recall() * 100.0,
            s.level_agreement() * 100.0,
            agree(s.title_agrees),
            agree(s.notice_agrees),
            agree(s.toc_agrees),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::import;
    use super::*;

    const OUTLINE: &str = "# source: https://example.gov.cn/1\n# kind: 规章\ntitle: 某某办法（征求意见稿）\nnotice: no\ntoc: no\n---\n第一章 总则\n  第一条 为了\n  第二条\n第二章 附则\n  第三条\n";

    #[test]
    fn an_outline_file_reads_into_title_flags_and_levelled_headings() {
        let outline = ExpectedOutline::parse(OUTLINE).expect("parses");
        assert_eq!(outline.source, "https://example.gov.cn/1");
        assert_eq!(outline.title.as_deref(), Some("某某办法（征求意见稿）"));
        assert!(!outline.notice && !outline.toc);
        let levels: Vec<(u8, &str)> = outline.headings.iter().map(|h| (h.level, h.text.as_str())).collect();
        assert_eq!(levels, [(1, "第一章 总则"), (2, "第一条 为了"), (2, "第二条"), (1, "第二章 附则"), (2, "第三条")]);
    }

    #[test]
    fn an_outline_without_its_separator_or_with_odd_indentation_is_refused() {
        assert!(ExpectedOutline::parse("title: x\nnotice: no\n").is_err());
        assert!(ExpectedOutline::parse("title: x\n---\n第一条\n   第二条\n").is_err());
        assert!(ExpectedOutline::parse("notice: maybe\n---\n").is_err());
    }

    #[test]
    fn a_draft_split_as_expected_scores_full_marks() {
        let text =
            "某某办法（征求意见稿）\n第一章　总　则\n第一条 为了规范。\n第二条 适用。\n第二章 附则\n第三条 施行。\n";
        let draft = import(text.as_bytes(), "a.txt").expect("imports");
        let outline = ExpectedOutline::parse(OUTLINE).expect("parses");
        let score = score_document("a", &outline, &draft);
        assert_eq!((score.expected, score.produced, score.matched, score.same_level), (5, 5, 5, 5));
        assert_eq!((score.precision(), score.recall(), score.level_agreement()), (1.0, 1.0, 1.0));
        assert_eq!((score.title_agrees, score.notice_agrees, score.toc_agrees), (1, 1, 1));
    }

    #[test]
    fn extra_missing_and_misplaced_sections_lower_the_score() {
        // 第二章 is missing, so 第三条 lands under 第一章 at level 2 as expected; an extra 一、
        // is produced from the article's body, and the title is not the expected one.
        let text = "另一个标题的办法\n第一章 总则\n第一条 为了规范。\n一、甲\n第二条 适用。\n第三条 施行。\n";
        let draft = import(text.as_bytes(), "a.txt").expect("imports");
        let outline = ExpectedOutline::parse(OUTLINE).expect("parses");
        let score = score_document("a", &outline, &draft);
        assert_eq!((score.expected, score.produced, score.matched), (5, 5, 4));
        assert_eq!(score.missed, ["第二章 附则"]);
        assert_eq!(score.extra, ["一、甲"]);
        assert!(score.precision() < 1.0 && score.recall() < 1.0);
        assert_eq!(score.title_agrees, 0);
        let table = format_table(&[score.clone(), score]);
        assert!(table.contains("80.0%"), "{table}");
        assert!(table.lines().last().is_some_and(|l| l.starts_with("total") && l.contains("0/2")), "{table}");
    }

    #[test]
    fn alignment_keeps_order_and_takes_the_longest_run() {
        let keys = |v: &[&str]| v.iter().map(|k| (1u8, k.to_string())).collect::<Vec<_>>();
        let wanted = keys(&["第一条", "第二条", "第三条"]);
        let produced = keys(&["第三条甲", "第一条乙", "第二条丙", "第三条丁"]);
        assert_eq!(align(&wanted, &produced), [(0, 1), (1, 2), (2, 3)]);
        assert!(align(&wanted, &[]).is_empty());
    }
}

//! The drafter's corrections to an outline the importer made: before publishing, any heading can
//! be raised or lowered, merged into the section before it (it is then no heading), a section
//! can be split at one of its lines (that line becomes a heading), and the draft's 目录 can be
//! made text again or sections made into the 目录.
//!
//! Every correction keeps the text: the preamble, then the 目录, then the other sections, in
//! order, give the same text before and after ([`Outline::text`]). After each correction the
//! levels are made consistent (the first heading is level 1, none is more than one level below
//! the one before it) and parents and anchors are computed again from the levels.

use super::heading::{detect, is_ws, titled};
use super::lines::lines_with_breaks;
use super::{DraftSection, HeadingKind};

/// The deepest level a drafter may give a heading.
pub const MAX_LEVEL: u8 = 12;

/// The lines of a section's text as [`Correction::Split`] counts them, each with its line break.
pub fn lines(text: &str) -> Vec<&str> {
    lines_with_breaks(text).collect()
}

/// A draft's sections and its 目录: what corrections change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub sections: Vec<DraftSection>,
    pub toc: Option<String>,
}

/// One correction. Sections are counted from 0 in document order (the preamble included);
/// lines from 0 within a section's text (its heading line is line 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// Gives a heading another level; the headings under it move along.
    SetLevel { section: usize, level: u8 },
    /// The section's heading line is no heading: its text joins the section before it (the
    /// first section becomes the preamble).
    Merge { section: usize },
    /// The line starts a new section (at the same level as the one it is taken from).
    Split { section: usize, line: usize },
    /// The 目录 is text of the draft again: it joins the end of the preamble.
    TocToText,
    /// The sections from the first after the preamble through this one are the draft's 目录.
    ToToc { through: usize },
}

/// Why a correction was refused, in words a drafter understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionError {
    #[error("没有这个部分，大纲可能已经改变，请刷新页面后重试。")]
    NoSuchSection,
    #[error("这一部分没有第 {0} 行。")]
    NoSuchLine(usize),
    #[error("前言不是标题，不能调整层级或合并。")]
    Preamble,
    #[error("层级只能在 1 到 {0} 之间（不能比上一个标题低两级以上）。")]
    Level(u8),
    #[error("目录在这一部分之前：请先把目录标为正文，再合并。")]
    TocInTheWay,
    #[error("前言后面是目录：请先把目录标为正文，再拆分前言。")]
    PreambleBeforeToc,
    #[error("不能在标题行处拆分：请选择标题行以下的一行。")]
    SplitAtHeading,
    #[error("这份征求意见稿没有目录。")]
    NoToc,
}

impl Outline {
    /// The whole text the outline holds: preamble, 目录, then the other sections.
    pub fn text(&self) -> String {
        let mut text = String::new();
        let rest = match self.sections.split_first() {
            Some((first, rest)) if first.kind == HeadingKind::Preamble => {
                text.push_str(&first.text);
                rest
            }
            _ => self.sections.as_slice(),
        };
        text.push_str(self.toc.as_deref().unwrap_or_default());
        rest.iter().for_each(|s| text.push_str(&s.text));
        text
    }

    /// Whether the first section is the preamble (text before the first heading).
    fn has_preamble(&self) -> bool {
        self.sections.first().is_some_and(|s| s.kind == HeadingKind::Preamble)
    }

    /// The index of the first section that is not the preamble.
    fn first_heading(&self) -> usize {
        usize::from(self.has_preamble())
    }

    /// The highest level section `index` may have: one below the heading before it.
    pub fn max_level(&self, index: usize) -> u8 {
        if index <= self.first_heading() {
            return 1;
        }
        self.sections[index - 1].level.saturating_add(1).min(MAX_LEVEL)
    }

    /// Applies one correction; on an error nothing changed.
    pub fn apply(&mut self, correction: Correction) -> Result<(), CorrectionError> {
        match correction {
            Correction::SetLevel { section, level } => self.set_level(section, level)?,
            Correction::Merge { section } => self.merge(section)?,
            Correction::Split { section, line } => self.split(section, line)?,
            Correction::TocToText => self.toc_to_text()?,
            Correction::ToToc { through } => self.mark_toc(through)?,
        }
        self.renumber();
        Ok(())
    }

    fn section(&self, index: usize) -> Result<&DraftSection, CorrectionError> {
        self.sections.get(index).ok_or(CorrectionError::NoSuchSection)
    }

    fn set_level(&mut self, index: usize, level: u8) -> Result<(), CorrectionError> {
        if self.section(index)?.kind == HeadingKind::Preamble {
            return Err(CorrectionError::Preamble);
        }
        let max = self.max_level(index);
        if !(1..=max).contains(&level) {
            return Err(CorrectionError::Level(max));
        }
        let old = self.sections[index].level;
        let end = index + 1 + self.sections[index + 1..].iter().take_while(|s| s.level > old).count();
        for s in &mut self.sections[index..end] {
            s.level = (i16::from(s.level) + i16::from(level) - i16::from(old)).clamp(1, i16::from(MAX_LEVEL)) as u8;
        }
        Ok(())
    }

    fn merge(&mut self, index: usize) -> Result<(), CorrectionError> {
        if self.section(index)?.kind == HeadingKind::Preamble {
            return Err(CorrectionError::Preamble);
        }
        // The 目录 stands between the preamble and the first heading: text cannot cross it.
        if index == self.first_heading() && self.toc.is_some() {
            return Err(CorrectionError::TocInTheWay);
        }
        if index == 0 {
            let first = &mut self.sections[0];
            first.kind = HeadingKind::Preamble;
            first.number.clear();
            first.heading.clear();
            first.level = 1;
            return Ok(());
        }
        let merged = self.sections.remove(index);
        self.sections[index - 1].text.push_str(&merged.text);
        Ok(())
    }

    fn split(&mut self, index: usize, line: usize) -> Result<(), CorrectionError> {
        let section = self.section(index)?;
        if line == 0 {
            return Err(CorrectionError::SplitAtHeading);
        }
        if section.kind == HeadingKind::Preamble && self.toc.is_some() {
            return Err(CorrectionError::PreambleBeforeToc);
        }
        let at: usize = lines_with_breaks(&section.text).take(line).map(str::len).sum();
        if at >= section.text.len() {
            return Err(CorrectionError::NoSuchLine(line + 1));
        }
        let level = if section.kind == HeadingKind::Preamble { 1 } else { section.level };
        let text = self.sections[index].text.split_off(at);
        let first_line = lines_with_breaks(&text).next().unwrap_or_default();
        let heading = detect(first_line).unwrap_or_else(|| titled(first_line.trim_matches(is_ws)));
        let new = DraftSection {
            level,
            kind: heading.kind,
            number: heading.number,
            heading: heading.heading,
            text,
            anchor: String::new(),
            parent: None,
        };
        self.sections.insert(index + 1, new);
        Ok(())
    }

    fn toc_to_text(&mut self) -> Result<(), CorrectionError> {
        let toc = self.toc.take().ok_or(CorrectionError::NoToc)?;
        if self.has_preamble() {
            self.sections[0].text.push_str(&toc);
        } else {
            let preamble = DraftSection {
                level: 1,
                kind: HeadingKind::Preamble,
                number: String::new(),
                heading: String::new(),
                text: toc,
                anchor: String::new(),
                parent: None,
            };
            self.sections.insert(0, preamble);
        }
        Ok(())
    }

    fn mark_toc(&mut self, through: usize) -> Result<(), CorrectionError> {
        if self.section(through)?.kind == HeadingKind::Preamble {
            return Err(CorrectionError::Preamble);
        }
        let first = self.first_heading();
        let toc = self.toc.get_or_insert_with(String::new);
        for s in self.sections.drain(first..=through) {
            toc.push_str(&s.text);
        }
        Ok(())
    }

    /// Makes levels consistent and computes parents and anchors from them, as the importer does:
    /// anchors are sibling ordinals along the path, "0" for the preamble.
    fn renumber(&mut self) {
        let mut stack: Vec<usize> = Vec::new();
        let mut counts: Vec<u32> = vec![0; self.sections.len()];
        let mut top = 0u32;
        let mut previous: Option<u8> = None;
        for i in 0..self.sections.len() {
            if self.sections[i].kind == HeadingKind::Preamble && i == 0 {
                let s = &mut self.sections[0];
                (s.level, s.parent, s.anchor) = (1, None, "0".to_string());
                continue;
            }
            let level = self.sections[i].level.clamp(1, previous.map_or(1, |p| p.saturating_add(1)));
            previous = Some(level);
            while stack.last().is_some_and(|&p| self.sections[p].level >= level) {
                stack.pop();
            }
            let parent = stack.last().copied();
            let anchor = match parent {
                Some(p) => {
                    counts[p] += 1;
                    format!("{}-{}", self.sections[p].anchor, counts[p])
                }
                None => {
                    top += 1;
                    top.to_string()
                }
            };
            let s = &mut self.sections[i];
            (s.level, s.parent, s.anchor) = (level, parent, anchor);
            stack.push(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drafts::split_text;
    use proptest::prelude::*;

    fn outline(text: &str) -> Outline {
        Outline { sections: split_text(text), toc: None }
    }

    fn rows(o: &Outline) -> Vec<(u8, &str, &str)> {
        o.sections.iter().map(|s| (s.level, s.number.as_str(), s.anchor.as_str())).collect()
    }

    #[test]
    fn lowering_a_heading_takes_its_children_along() {
        let mut o = outline("第一章 总则\n第一条 目的\n第二章 管理\n第二条 职责\n（一）甲\n");
        o.apply(Correction::SetLevel { section: 2, level: 2 }).unwrap();
        assert_eq!(
            rows(&o),
            vec![
                (1, "第一章", "1"),
                (2, "第一条", "1-1"),
                (2, "第二章", "1-2"),
                (3, "第二条", "1-2-1"),
                (4, "（一）", "1-2-1-1")
            ]
        );
        assert_eq!(o.apply(Correction::SetLevel { section: 1, level: 3 }), Err(CorrectionError::Level(2)));
        assert_eq!(o.apply(Correction::SetLevel { section: 0, level: 2 }), Err(CorrectionError::Level(1)));
    }

    #[test]
    fn merging_keeps_the_text_in_the_section_before() {
        let text = "一、总则\n正文\n二、这不是标题\n接着\n三、附则\n";
        let mut o = outline(text);
        o.apply(Correction::Merge { section: 1 }).unwrap();
        assert_eq!(rows(&o), vec![(1, "一、", "1"), (1, "三、", "2")]);
        assert_eq!(o.sections[0].text, "一、总则\n正文\n二、这不是标题\n接着\n");
        o.apply(Correction::Merge { section: 0 }).unwrap();
        assert_eq!(rows(&o), vec![(1, "", "0"), (1, "三、", "1")]);
        assert_eq!(o.apply(Correction::Merge { section: 0 }), Err(CorrectionError::Preamble));
        assert_eq!(o.text(), text);
    }

    #[test]
    fn splitting_makes_the_chosen_line_a_heading() {
        let text = "一、总则\n正文\n附则说明\n第二行\n";
        let mut o = outline(text);
        o.apply(Correction::Split { section: 0, line: 2 }).unwrap();
        assert_eq!(o.sections.len(), 2);
        assert_eq!((o.sections[1].kind, o.sections[1].heading.as_str()), (HeadingKind::Titled, "附则说明"));
        assert_eq!(o.sections[1].text, "附则说明\n第二行\n");
        assert_eq!(o.apply(Correction::Split { section: 1, line: 0 }), Err(CorrectionError::SplitAtHeading));
        assert_eq!(o.apply(Correction::Split { section: 1, line: 2 }), Err(CorrectionError::NoSuchLine(3)));
        assert_eq!(o.text(), text);
    }

    #[test]
    fn a_block_becomes_the_toc_and_text_again() {
        let text = "某某条例\n目录\n第一章 总则\n第二章 附则\n第一章 总则\n第一条 目的\n第二章 附则\n第二条 施行\n";
        let mut o = outline(text);
        // Without the importer's reading of the whole document, the 目录 is the preamble's text.
        assert_eq!(o.sections[0].text, "某某条例\n目录\n第一章 总则\n第二章 附则\n");
        o.apply(Correction::Split { section: 0, line: 1 }).unwrap();
        assert_eq!((o.sections[1].kind, o.sections[1].heading.as_str()), (HeadingKind::Titled, "目录"));
        o.apply(Correction::ToToc { through: 1 }).unwrap();
        assert_eq!(o.toc.as_deref(), Some("目录\n第一章 总则\n第二章 附则\n"));
        assert_eq!(
            rows(&o),
            vec![(1, "", "0"), (1, "第一章", "1"), (2, "第一条", "1-1"), (1, "第二章", "2"), (2, "第二条", "2-1")]
        );
        assert_eq!(o.text(), text);
        assert_eq!(o.apply(Correction::Merge { section: 1 }), Err(CorrectionError::TocInTheWay));
        assert_eq!(o.apply(Correction::Split { section: 0, line: 0 }), Err(CorrectionError::SplitAtHeading));
        assert_eq!(o.apply(Correction::ToToc { through: 0 }), Err(CorrectionError::Preamble));
        o.apply(Correction::TocToText).unwrap();
        assert_eq!(o.toc, None);
        assert_eq!(o.sections[0].text, "某某条例\n目录\n第一章 总则\n第二章 附则\n");
        assert_eq!(o.apply(Correction::TocToText), Err(CorrectionError::NoToc));
        assert_eq!(o.text(), text);
    }

    #[test]
    fn a_toc_without_a_preamble_becomes_one() {
        let mut o = outline("第一章 总则\n第一条 目的\n");
        o.toc = Some("目录\n".to_string());
        o.apply(Correction::TocToText).unwrap();
        assert_eq!(rows(&o), vec![(1, "", "0"), (1, "第一章", "1"), (2, "第一条", "1-1")]);
        assert_eq!(o.text(), "目录\n第一章 总则\n第一条 目的\n");
    }

    fn correction() -> impl Strategy<Value = Correction> {
        prop_oneof![
            (0..40usize, 0..6u8).prop_map(|(section, level)| Correction::SetLevel { section, level }),
            (0..40usize).prop_map(|section| Correction::Merge { section }),
            (0..40usize, 0..8usize).prop_map(|(section, line)| Correction::Split { section, line }),
            Just(Correction::TocToText),
            (0..40usize).prop_map(|through| Correction::ToToc { through }),
        ]
    }

    fn line() -> impl Strategy<Value = String> {
        let openings =
            prop::sample::select(vec!["", "一、", "（二）", "3.", "第一章 ", "第五条", "附件1", "目录", "\u{3000}"]);
        (openings, "[甲乙丙 。]{0,6}", prop::sample::select(vec!["\n", "\r\n", ""]))
            .prop_map(|(o, body, end)| format!("{o}{body}{end}"))
    }

    proptest! {
        #[test]
        fn any_sequence_of_corrections_loses_nothing_and_keeps_a_sound_tree(
            lines in prop::collection::vec(line(), 1..30),
            toc in prop::option::of("[目录一二 ]{1,6}\n"),
            corrections in prop::collection::vec(correction(), 0..25),
        ) {
            let text: String = lines.concat();
            let mut o = outline(&text);
            if let Some(toc) = &toc {
                // A 目录 sits between the preamble and the first heading.
                o.toc = Some(toc.clone());
            }
            let expected = o.text();
            for c in corrections {
                let before = o.clone();
                match o.apply(c) {
                    Ok(()) => {}
                    Err(_) => prop_assert_eq!(&o, &before, "a refused correction changed nothing"),
                }
                prop_assert_eq!(o.text(), expected.clone());
                for (i, s) in o.sections.iter().enumerate() {
                    prop_assert!(s.kind != HeadingKind::Preamble || i == 0);
                    prop_assert!(s.level >= 1);
                    if let Some(p) = s.parent {
                        prop_assert!(p < i);
                        prop_assert_eq!(o.sections[p].level + 1, s.level);
                    } else if i > 0 || s.kind != HeadingKind::Preamble {
                        prop_assert_eq!(s.level, 1);
                    }
                    if i > 0 {
                        prop_assert!(s.level <= o.sections[i - 1].level + 1);
                    }
                    prop_assert!(!s.text.is_empty());
                }
                let anchors: std::collections::HashSet<_> = o.sections.iter().map(|s| &s.anchor).collect();
                prop_assert_eq!(anchors.len(), o.sections.len());
            }
        }
    }
}

//! Finding the section an opinion refers to from its wording: "第20项", "18项",
//! a quoted heading or phrase (“深化供给侧结构性改革”, “开展…改革”), or "该段" for
//! the section of the previous point. Used for department letters, where opinions
//! name places in the draft instead of picking a section.

use crate::text::normalise::normalise_for_compare;

/// What the resolver needs to know of a section.
#[derive(Debug, Clone, Copy)]
pub struct SectionRef<'a> {
    pub anchor: &'a str,
    /// The number as in the source, e.g. "20." or "二、".
    pub number: &'a str,
    pub heading: &'a str,
    pub text: &'a str,
}

/// Phrases shorter than this (after normalising) match too much to mean anything.
const MIN_PHRASE: usize = 4;

/// The anchor of the section `point` refers to, if the wording makes it clear.
pub fn resolve(point: &str, sections: &[SectionRef<'_>], previous: Option<&str>) -> Option<String> {
    by_item_number(point, sections)
        .or_else(|| by_quoted_phrase(point, sections))
        .or_else(|| refers_back(point).then(|| previous.map(str::to_owned)).flatten())
}

/// "第20项" / "20项": the one section numbered 20 (ambiguous numbers resolve to nothing).
fn by_item_number(point: &str, sections: &[SectionRef<'_>]) -> Option<String> {
    let chars: Vec<char> = point.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c != '项' {
            continue;
        }
        let digits: String =
            chars[..i].iter().rev().take_while(|c| c.is_ascii_digit()).collect::<Vec<_>>().into_iter().rev().collect();
        if digits.is_empty() {
            continue;
        }
        let matches: Vec<&SectionRef<'_>> =
            sections.iter().filter(|s| s.number.trim_end_matches(['.', '、', '．', ' ']) == digits).collect();
        if let [only] = matches.as_slice() {
            return Some(only.anchor.to_owned());
        }
    }
    None
}

/// Quoted phrases in order of appearance, trailing ellipses ("。。。", "…") removed.
fn quoted_phrases(point: &str) -> Vec<String> {
    let mut phrases = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in point.chars() {
        match c {
            '“' | '「' => {
                if depth == 0 {
                    current.clear();
                }
                depth += 1;
            }
            '”' | '」' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let phrase = current.trim_end_matches(['。', '…', '.', ' ']).to_owned();
                    phrases.push(phrase);
                }
            }
            c if depth > 0 => current.push(c),
            _ => {}
        }
    }
    phrases
}

/// A quoted phrase that is a section's heading, or else occurs in exactly one section's text.
fn by_quoted_phrase(point: &str, sections: &[SectionRef<'_>]) -> Option<String> {
    let normalised: Vec<(String, String)> =
        sections.iter().map(|s| (normalise_for_compare(s.heading), normalise_for_compare(s.text))).collect();
    let phrases: Vec<String> = quoted_phrases(point)
        .iter()
        .map(|p| normalise_for_compare(p))
        .filter(|p| p.chars().count() >= MIN_PHRASE)
        .collect();
    for phrase in &phrases {
        if let Some(i) = normalised.iter().position(|(heading, _)| heading == phrase) {
            return Some(sections[i].anchor.to_owned());
        }
    }
    for phrase in &phrases {
        let holders: Vec<usize> = normalised
            .iter()
            .enumerate()
            .filter(|(_, (_, text))| text.contains(phrase.as_str()))
            .map(|(i, _)| i)
            .collect();
        if let [only] = holders.as_slice() {
            return Some(sections[*only].anchor.to_owned());
        }
    }
    None
}

/// "该段" / "此段" / "本段" / "该项": the same place as the point before.
fn refers_back(point: &str) -> bool {
    ["该段", "此段", "本段", "该项", "此项", "该条"].iter().any(|w| point.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections() -> Vec<SectionRef<'static>> {
        vec![
            SectionRef {
                anchor: "1-2-1",
                number: "1.",
                heading: "到2020年，高水平全面建成小康社会",
                text: "1.到2020年。进出口总额达到13343万美元。社会托底保障水平进一步提高,教育、文化",
            },
            SectionRef {
                anchor: "1-3-1", number: "1.", heading: "科教兴区战略", text: "1.科教兴区战略。"
            },
            SectionRef {
                anchor: "2-1",
                number: "1. ",
                heading: "深化供给侧结构性改革",
                text: "1. 深化供给侧结构性改革。",
            },
            SectionRef {
                anchor: "2-4",
                number: "4. ",
                heading: "推进“三重一创”现代化产业体系建设",
                text: "4. 推进“三重一创”…",
            },
            SectionRef {
                anchor: "6-5",
                number: "18.",
                heading: "建立更加健全社会保障体系",
                text: "18.建立更加健全社会保障体系。开展机关事业单位养老保险制度改革",
            },
            SectionRef {
                anchor: "6-7",
                number: "20.",
                heading: "深化社会治理创新",
                text: "20.深化社会治理创新。完善社区自治组织体系",
            },
        ]
    }

    #[test]
    fn an_item_number_names_its_section_when_it_is_unique() {
        assert_eq!(
            resolve("第16页,建议第20项中“完善社区自治组织体系”改为…", &sections(), None).as_deref(),
            Some("6-7")
        );
        assert_eq!(
            resolve("建议将18项“建立更加健全社会保障体系”责任单位增加区民政局", &sections(), None).as_deref(),
            Some("6-5")
        );
    }

    #[test]
    fn an_ambiguous_item_number_falls_back_to_the_quoted_heading() {
        let point = "建议第7页第1项“深化供给侧结构性改革”增加责任单位";
        assert_eq!(resolve(point, &sections(), None).as_deref(), Some("2-1"));
    }

    #[test]
    fn a_quoted_heading_matches_without_its_inner_quotes() {
        let point = "第9页第四项“推进三重一创现代化产业体系建设”中的“强力实施千百十亿工程。。。”责任单位增加区招商局";
        assert_eq!(resolve(point, &sections(), None).as_deref(), Some("2-4"));
    }

    #[test]
    fn a_quoted_phrase_is_found_in_the_one_section_that_holds_it() {
        let point = "第4页,建议“社会托底保障水平进一步提高,教育、文化、。。。”增加食品安全。";
        assert_eq!(resolve(point, &sections(), None).as_deref(), Some("1-2-1"));
        let point = "第15页,建议将“开展机关事业单位养老保险制度改革”改为“基本完成机关事业单位养老保险制度改革”";
        assert_eq!(resolve(point, &sections(), None).as_deref(), Some("6-5"));
    }

    #[test]
    fn this_paragraph_means_the_section_of_the_previous_point() {
        assert_eq!(resolve("另外建议在该段增加内容“三社联动”", &sections(), Some("6-7")).as_deref(), Some("6-7"));
        assert_eq!(resolve("另外建议在该段增加内容", &sections(), None), None);
    }

    #[test]
    fn nothing_recognisable_means_the_whole_draft() {
        assert_eq!(resolve("建议整体精简篇幅。", &sections(), None), None);
    }
}

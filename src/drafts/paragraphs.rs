//! A draft without any numbering, split into one section per paragraph (第N段), so that
//! it can still be commented on piece by piece. Nothing is lost: blank lines stay with
//! the paragraph before them (or, at the start, with the first one).

use super::heading::{is_ws, toc_heading};
use super::lines::lines_with_breaks;
use super::{DraftSection, HeadingKind, ImportedDraft, split_text};

/// The same draft split by paragraph instead (its sections' texts joined are the document).
pub fn by_paragraphs(draft: ImportedDraft) -> ImportedDraft {
    let text: String = draft.sections.iter().map(|s| s.text.as_str()).collect();
    ImportedDraft { sections: split_paragraphs(&text), ..draft }
}

/// One section per paragraph (a line with text); text without any falls back to [`split_text`].
pub fn split_paragraphs(text: &str) -> Vec<DraftSection> {
    let mut sections: Vec<DraftSection> = Vec::new();
    let mut leading = String::new();
    for line in lines_with_breaks(text) {
        let content = line.trim_matches(is_ws);
        if content.is_empty() {
            match sections.last_mut() {
                Some(last) => last.text.push_str(line),
                None => leading.push_str(line),
            }
            continue;
        }
        let n = sections.len() + 1;
        sections.push(DraftSection {
            level: 1,
            kind: HeadingKind::Paragraph,
            number: format!("第{n}段"),
            heading: toc_heading(content),
            text: format!("{}{line}", std::mem::take(&mut leading)),
            anchor: n.to_string(),
            parent: None,
        });
    }
    if sections.is_empty() {
        return split_text(text);
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_paragraph_becomes_a_section_and_nothing_is_lost() {
        let text = "\n\n——“十四五”期间，我们要坚持抢抓一切机遇。要积极融入。\n\n全面加强政府廉政建设。深入抓好。\n  \n";
        let sections = split_paragraphs(text);
        assert_eq!(sections.len(), 2);
        assert_eq!(sections[0].number, "第1段");
        assert_eq!(sections[1].heading, "全面加强政府廉政建设");
        assert_eq!(sections[1].anchor, "2");
        assert_eq!(sections.iter().map(|s| s.text.as_str()).collect::<String>(), text);
    }

    #[test]
    fn the_seed_pages_without_numbering_split_into_many_paragraphs_losing_nothing() {
        for name in ["002_b9251b87b0cd542e.txt", "004_3bfee480ff51888f.txt"] {
            let raw = std::fs::read_to_string(format!("{}/seeds/raw/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
            let sections = split_paragraphs(&raw);
            assert!(sections.len() > 20, "{name}: {}", sections.len());
            assert_eq!(sections.iter().map(|s| s.text.as_str()).collect::<String>(), raw, "{name}");
        }
    }

    #[test]
    fn blank_text_falls_back_to_the_single_section() {
        assert_eq!(split_paragraphs(" \n ").len(), split_text(" \n ").len());
    }
}

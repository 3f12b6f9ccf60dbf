//! The importer against real published drafts and the outlines people wrote for them
//! (`tests/fixtures/drafts/`): corpus-wide precision and recall, and one document per hard case.

use super::score::{ExpectedOutline, corpus_total, format_table, score_document};
use super::{HeadingKind, ImportedDraft, import};
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/drafts");

/// Every document of the corpus with its outline, in name order.
fn corpus() -> Vec<(PathBuf, ExpectedOutline)> {
    let mut documents: Vec<PathBuf> = std::fs::read_dir(CORPUS)
        .expect("the corpus folder is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext != "outline") && has_outline(path))
        .collect();
    documents.sort();
    documents
        .into_iter()
        .map(|path| {
            let outline = std::fs::read_to_string(path.with_extension("outline")).expect("outline is UTF-8");
            let expected = ExpectedOutline::parse(&outline).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, expected)
        })
        .collect()
}

/// A file is a draft of the corpus when an outline of the same name sits beside it (README.md
/// has none).
fn has_outline(path: &Path) -> bool {
    path.with_extension("outline").exists()
}

fn name_of(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn import_path(path: &Path) -> ImportedDraft {
    let bytes = std::fs::read(path).expect("document is readable");
    import(&bytes, &name_of(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Imports the corpus document whose name starts with `prefix`.
fn document(prefix: &str) -> (ImportedDraft, ExpectedOutline) {
    let (path, expected) =
        corpus().into_iter().find(|(path, _)| name_of(path).starts_with(prefix)).expect("document in the corpus");
    (import_path(&path), expected)
}

#[test]
fn the_corpus_is_split_with_at_least_98_percent_precision_and_recall() {
    let mut scores = Vec::new();
    let mut notes = Vec::new();
    for (path, expected) in corpus() {
        let draft = import_path(&path);
        let score = score_document(&name_of(&path), &expected, &draft);
        if !score.missed.is_empty() || !score.extra.is_empty() {
            notes.push(format!("{}: missed {:?}; extra {:?}", score.name, score.missed, score.extra));
        }
        if let Some(first) = score.misplaced.first() {
            notes.push(format!("{}: {} at another level, first {first:?}", score.name, score.misplaced.len()));
        }
        if score.title_agrees + score.notice_agrees + score.toc_agrees < 3 {
            let flags = (draft.notice.is_some(), draft.toc.is_some());
            notes.push(format!("{}: title {:?}, (notice, toc) {flags:?}", score.name, draft.title));
        }
        scores.push(score);
    }
    assert!(scores.len() >= 30, "corpus documents: {}", scores.len());
    println!("{}", format_table(&scores));
    println!("{}", notes.join("\n"));
    let total = corpus_total(&scores);
    assert!(total.precision() >= 0.98, "precision {:.3}", total.precision());
    assert!(total.recall() >= 0.98, "recall {:.3}", total.recall());
}

/// Notice, preamble, 目录 and the other sections give back the decoded text exactly, so
/// nothing is lost and nothing is kept twice.
#[test]
fn every_corpus_document_loses_nothing_and_keeps_nothing_twice() {
    for (path, _) in corpus() {
        let bytes = std::fs::read(&path).expect("readable");
        let draft = import_path(&path);
        let text = if draft.format == super::SourceFormat::Docx {
            let paragraphs = super::docx::read_paragraphs(&bytes).expect("reads");
            paragraphs.iter().map(|p| format!("{}\n", p.text)).collect()
        } else {
            super::decode_text(&bytes).expect("decodes").0
        };
        assert_eq!(draft.source_text(), text, "{}", path.display());
    }
}

/// Kind 1: a labelled 目录 ("目  录" with spaced chapter titles) is kept apart, not split.
#[test]
fn a_labelled_table_of_contents_is_the_drafts_toc_and_its_chapters_are_not_sections() {
    let (draft, _) = document("02_");
    let toc = draft.toc.as_deref().expect("目录");
    assert!(toc.trim_start().starts_with("目  录") && toc.contains("第七章   附   则"), "{toc}");
    let chapters: Vec<&str> =
        draft.sections.iter().filter(|s| s.kind == HeadingKind::Chapter).map(|s| s.number.as_str()).collect();
    assert_eq!(chapters, ["第一章"]);
}

/// Kind 1: an unlabelled 目录, a bare list of chapter headings repeated by the text.
#[test]
fn a_bare_list_of_chapter_headings_before_the_text_is_the_toc() {
    let (draft, expected) = document("03_");
    let toc = draft.toc.as_deref().expect("目录");
    assert!(toc.starts_with("第一章总则\n第二章分类管理"), "{toc}");
    assert_eq!(draft.title, expected.title);
    let score = score_document("03", &expected, &draft);
    assert_eq!((score.precision(), score.recall()), (1.0, 1.0));
}

/// Kind 2: the notice in front of the draft, with its own 一、二、, is the notice; the title is
/// the draft's own.
#[test]
fn a_notice_in_front_of_the_draft_is_kept_apart_and_the_title_is_the_drafts() {
    let (draft, expected) = document("01_");
    let notice = draft.notice.as_deref().expect("notice");
    assert!(notice.starts_with("沈阳市人民代表大会常务委员会办公室公告(第7号)"));
    assert!(notice.contains("二、征求意见的时间") && notice.trim_end().ends_with("2022年12月5日"));
    assert_eq!(draft.title.as_deref(), Some("沈阳市社会信用条例(草案)"));
    assert_eq!(draft.title, expected.title);
    assert!(draft.sections.iter().all(|s| !s.text.contains("征求意见的时间")));
}

/// Kind 3: annexes open top-level sections whose own numbering restarts beneath them.
#[test]
fn annexes_hold_their_own_numbering_at_the_top_level() {
    let (draft, expected) = document("24_");
    let annexes: Vec<usize> =
        (0..draft.sections.len()).filter(|&i| draft.sections[i].kind == HeadingKind::Annex).collect();
    assert!(annexes.len() >= 2, "annexes: {annexes:?}");
    for &i in &annexes {
        assert_eq!((draft.sections[i].level, draft.sections[i].parent), (1, None));
    }
    let score = score_document("24", &expected, &draft);
    assert_eq!((score.precision(), score.recall(), score.level_agreement()), (1.0, 1.0, 1.0), "{score:?}");
}

/// Kind 4: in an amendment decision the quoted articles are content of the instruction.
#[test]
fn articles_quoted_in_an_amendment_decision_are_content_of_its_items() {
    let (draft, expected) = document("14_");
    assert!(draft.sections.iter().all(|s| s.kind != HeadingKind::Article), "no article is a section");
    let score = score_document("14", &expected, &draft);
    assert_eq!((score.precision(), score.recall()), (1.0, 1.0), "{score:?}");
}

/// Kind 5: chapter titles printed without their number, and 编 above 章.
#[test]
fn bare_chapter_titles_and_books_nest_like_numbered_chapters() {
    let (draft, _) = document("01_");
    let general = draft.sections.iter().position(|s| s.heading == "总则").expect("总 则 is a chapter");
    assert_eq!((draft.sections[general].kind, draft.sections[general].level), (HeadingKind::Chapter, 1));
    let article = draft.sections.iter().position(|s| s.number == "第一条").expect("第一条");
    assert_eq!(draft.sections[article].parent, Some(general));
    let (code, expected) = document("34_");
    assert!(code.sections.iter().any(|s| s.kind == HeadingKind::Book && s.level == 1));
    let score = score_document("34", &expected, &code);
    assert!(score.level_agreement() >= 0.99, "{score:?}");
}

/// Every format goes through the same rules: each plain-text draft of the corpus scores the same
/// re-encoded as GBK, read as Markdown, and built into a Word document one paragraph per line.
#[test]
fn every_text_draft_scores_the_same_as_gbk_markdown_and_word() {
    for (path, expected) in corpus().into_iter().filter(|(p, _)| p.extension().is_some_and(|e| e == "txt")) {
        let name = name_of(&path);
        let (text, _) = super::decode_text(&std::fs::read(&path).expect("readable")).expect("decodes");
        let baseline = score_document(&name, &expected, &import_path(&path));
        let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&text);
        assert!(!unmappable, "{name}");
        let body: String = text
            .lines()
            .map(|line| format!("<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>", xml_escape(line)))
            .collect();
        let variants = [
            ("gbk", import(&gbk, &name)),
            ("md", import(text.as_bytes(), &name.replace(".txt", ".md"))),
            ("docx", import(&super::docx::tests::build_docx(&body, None), "a.docx")),
        ];
        for (format, draft) in variants {
            let draft = draft.unwrap_or_else(|e| panic!("{name} as {format}: {e}"));
            let score = score_document(&name, &expected, &draft);
            let summary = |s: &super::score::DocumentScore| {
                (s.produced, s.matched, s.same_level, s.title_agrees, s.notice_agrees, s.toc_agrees)
            };
            assert_eq!(summary(&score), summary(&baseline), "{name} as {format}");
        }
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

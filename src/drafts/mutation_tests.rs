//! A bounded mutation suite: the corpus, the seeds and hostile shapes (deep nesting, zip bombs,
//! huge attributes) damaged in many ways. Import never panics; it either loses nothing and builds
//! a sound tree, or refuses with a clear error.

use super::{DraftSection, ImportError, ImportedDraft, SourceFormat, decode_text, docx, import};
use std::collections::HashSet;
use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use zip::write::SimpleFileOptions;

/// Mutations tried per document and format; with the corpus this runs in a few seconds.
const ROUNDS: usize = 6;

/// A small deterministic generator (xorshift), so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Line openings that are, or nearly are, headings, spliced into documents.
const OPENINGS: [&str; 16] = [
    "第一章 ",
    "第三节",
    "第十五条",
    "一、",
    "（三）",
    "1.",
    "（1）",
    "附件1\n",
    "附件：\n",
    "目  录\n",
    "总 则\n",
    "第九条修改为：\n",
    "2022年12月5日\n",
    "关于征求意见的公告\n",
    "\u{3000}",
    "# ",
];

/// One random change to `bytes`: flip, cut, duplicate, delete, or splice in a heading opening.
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let len = out.len().max(1);
    match rng.below(6) {
        0 => {
            for _ in 0..=rng.below(8) {
                let at = rng.below(out.len());
                if let Some(b) = out.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
        }
        1 => out.truncate(rng.below(len)),
        2 => {
            let start = rng.below(len);
            let end = (start + rng.below(4096)).min(out.len());
            let copy = out.get(start..end).unwrap_or_default().to_vec();
            let at = rng.below(out.len() + 1);
            out.splice(at..at, copy);
        }
        3 => {
            let start = rng.below(len);
            let end = (start + rng.below(512)).min(out.len());
            out.drain(start.min(out.len())..end);
        }
        _ => {
            let opening = OPENINGS[rng.below(OPENINGS.len())].as_bytes();
            let at = line_start(&out, rng.below(out.len() + 1));
            out.splice(at..at, opening.iter().copied());
        }
    }
    out
}

/// The start of the line holding byte `at`, so spliced text opens a line.
fn line_start(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// Checks one import: a refusal names its reason; a draft loses nothing and is a sound tree.
fn check(bytes: &[u8], name: &str) {
    let result = std::panic::catch_unwind(|| import(bytes, name));
    let Ok(result) = result else {
        let path = std::env::temp_dir().join(format!("panic-{}", name.replace('/', "_")));
        let _ = std::fs::write(&path, bytes);
        panic!("import panicked on {name}; input kept at {}", path.display());
    };
    match result {
        Ok(draft) => {
            assert_eq!(draft.source_text(), expected_text(bytes, &draft), "{name}: text lost or doubled");
            assert_sound(&draft.sections, name);
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}

/// What the draft must give back: the decoded text, or for Word the paragraphs read.
fn expected_text(bytes: &[u8], draft: &ImportedDraft) -> String {
    if draft.format == SourceFormat::Docx {
        let paragraphs = docx::read_paragraphs(bytes).expect("read once, reads again");
        return paragraphs.iter().map(|p| format!("{}\n", p.text)).collect();
    }
    // A byte-order mark is taken off by the decoder; a U+FEFF after it (or in GB18030) is text.
    decode_text(bytes).expect("decoded once, decodes again").0
}

fn assert_sound(sections: &[DraftSection], name: &str) {
    assert!(!sections.is_empty(), "{name}: no sections");
    let mut anchors = HashSet::new();
    for (i, section) in sections.iter().enumerate() {
        assert!(anchors.insert(section.anchor.as_str()), "{name}: anchor {} twice", section.anchor);
        if let Some(p) = section.parent {
            assert!(p < i && sections[p].level < section.level, "{name}: section {i} under {p}");
        }
    }
}

fn fixture_paths() -> Vec<PathBuf> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut paths = Vec::new();
    for dir in ["tests/fixtures/drafts", "seeds/raw", "tests/fixtures/fuzz"] {
        let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else { continue };
        paths.extend(entries.map(|e| e.expect("entry").path()).filter(|p| {
            p.extension().is_some_and(|e| e != "outline") && !p.ends_with("README.md") && !p.ends_with("SOURCES.md")
        }));
    }
    paths.sort();
    paths
}

/// The parts of a .docx, to mutate one and pack them again.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("corpus .docx is a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("entry");
            let mut content = Vec::new();
            file.read_to_end(&mut content).expect("unzips");
            (file.name().unwrap_or_default().to_string(), content)
        })
        .collect()
}

fn zip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in parts {
        zip.start_file(name.as_str(), options).expect("entry");
        zip.write_all(content).expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

#[test]
fn damaged_corpus_and_seed_documents_import_or_are_refused_never_panic() {
    let paths = fixture_paths();
    assert!(paths.len() >= 30, "documents to mutate: {}", paths.len());
    let mut rng = Rng(0x5eed_d0c5);
    for path in paths {
        let bytes = std::fs::read(&path).expect("readable");
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        check(&bytes, &name);
        if name.ends_with(".docx") {
            let parts = unzip(&bytes);
            for round in 0..ROUNDS {
                let mut damaged = parts.clone();
                if let Some((_, xml)) = damaged.iter_mut().find(|(n, _)| n == "word/document.xml") {
                    *xml = mutate(xml, &mut rng);
                }
                check(&zip(&damaged), &format!("{name}#xml{round}"));
                check(&mutate(&bytes, &mut rng), &format!("{name}#zip{round}"));
            }
        } else {
            for round in 0..ROUNDS {
                let damaged = mutate(&bytes, &mut rng);
                check(&damaged, &format!("{round}-{name}"));
                check(&damaged, &format!("{round}-{name}.md"));
            }
        }
    }
}

#[test]
fn ten_thousand_nested_numbering_levels_in_text_stay_a_shallow_sound_tree() {
    let styles =
        ["第1编", "第1分编", "第1章", "第1节", "第1条", "一、", "（一）", "1.", "（1）", "1、", "1．", "(1)", "一．"];
    let nested = |n: usize| -> String { (0..n).map(|i| format!("{}标题{i}\n", styles[i % styles.len()])).collect() };
    let text = nested(10_000);
    assert_eq!(import(text.as_bytes(), "deep.txt"), Err(ImportError::TooManySections(5000)));
    let sections = super::split_text(&text);
    assert_eq!(sections.iter().map(|s| s.text.as_str()).collect::<String>(), text);
    assert_sound(&sections, "deep.txt");
    assert!(sections.iter().all(|s| s.level <= 20), "levels stay bounded by the ranks");
    let within = nested(4_900);
    let draft = import(within.as_bytes(), "deep.txt").expect("imports");
    assert_eq!(draft.source_text(), within);
    assert_sound(&draft.sections, "deep.txt");
}

#[test]
fn markdown_nested_ten_thousand_deep_by_quotes_and_list_indents_imports_soundly() {
    let quotes = format!("{}一、标题\n正文\n", "> ".repeat(10_000));
    let indents: String = (0..10_000).map(|i| format!("{}- {}. 条目\n", "  ".repeat(i % 2_000), i % 9 + 1)).collect();
    let headings: String = (0..10_000).map(|i| format!("{} 第{}章 标题\n", "#".repeat(i % 7 + 1), i % 9 + 1)).collect();
    for (name, text) in [("quotes.md", quotes), ("indents.md", indents), ("headings.md", headings)] {
        match import(text.as_bytes(), name) {
            Ok(draft) => {
                assert_eq!(draft.source_text(), text, "{name}");
                assert_sound(&draft.sections, name);
            }
            Err(error) => {
                assert!(matches!(error, ImportError::TooManySections(_) | ImportError::TooLarge(_)), "{name}")
            }
        }
    }
}

fn docx_with_body(body: &str, extra: &[(&str, String)]) -> Vec<u8> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let mut parts = vec![(
        "word/document.xml".to_string(),
        format!("<w:document {w}><w:body>{body}</w:body></w:document>").into_bytes(),
    )];
    parts.extend(extra.iter().map(|(n, c)| (n.to_string(), c.clone().into_bytes())));
    zip(&parts)
}

#[test]
fn hostile_word_documents_are_refused_or_read_within_bounds() {
    let p = "<w:p><w:r><w:t>第一条 正文。</w:t></w:r></w:p>";
    // XML nested ten thousand deep, in containers and in runs.
    let deep = format!("{}{p}{}", "<w:sdt><w:sdtContent>".repeat(10_000), "</w:sdtContent></w:sdt>".repeat(10_000));
    assert_eq!(import(&docx_with_body(&deep, &[]), "deep.docx"), Err(ImportError::TooDeep));
    // A huge attribute, and a huge level text in the numbering repeated by every paragraph.
    let huge = "x".repeat(8 << 20);
    let attribute = format!("<w:p><w:pPr><w:pStyle w:val=\"{huge}\"/></w:pPr><w:r><w:t>一、总则</w:t></w:r></w:p>{p}");
    assert!(import(&docx_with_body(&attribute, &[]), "attr.docx").is_ok());
    let numbering = format!(
        r#"<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="4294967295"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="{}%1"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num></w:numbering>"#,
        "第".repeat(1 << 20)
    );
    let listed = r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>条</w:t></w:r></w:p>"#.repeat(3_000);
    let draft = import(&docx_with_body(&listed, &[("word/numbering.xml", numbering)]), "num.docx").expect("reads");
    let text = draft.source_text();
    assert!(text.len() < 1 << 20, "level text is cut, numbers do not grow: {} bytes", text.len());
    // A zip bomb: a part of spaces that unpacks past the limit.
    let bomb = docx_with_body(&format!("{p}{}", " ".repeat(40 << 20)), &[]);
    assert!(bomb.len() < 1 << 20);
    assert!(matches!(import(&bomb, "bomb.docx"), Err(ImportError::TooLargeUnpacked(_))));
}

/// Inputs the fuzzers once broke the importer with, kept in `tests/fixtures/fuzz/`: each loses
/// nothing now (a 目录 that came after a heading used to be moved in front of it).
#[test]
fn inputs_the_fuzzers_found_import_without_losing_or_moving_text() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
    let mut found = 0;
    for entry in std::fs::read_dir(dir).expect("fuzz fixtures") {
        let path = entry.expect("entry").path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        check(&std::fs::read(&path).expect("readable"), &name);
        found += 1;
    }
    assert!(found >= 2, "fuzz fixtures: {found}");
}

//! Tests on the real seed documents in `seeds/raw`, the Tongguan draft above all.

use super::{DraftSection, HeadingKind, ImportedDraft, import, normalise_ws, split_text};
use std::path::PathBuf;

const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/raw");
const TONGGUAN: &str = "003_08dfc49d6e2fc626.txt";
const DRAFT_START: &str = "中共铜官区委 铜官区人民政府关于贯彻省市《五大发展行动计划》的实施意见(修订版)(征求意见稿)";
const DRAFT_END: &str = "关于贯彻省市《五大发展行动计划》的实施意见征求意见部门反馈情况";

fn seed_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(SEEDS)
        .expect("seeds/raw is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    paths
}

fn read_seed(name: &str) -> String {
    std::fs::read_to_string(format!("{SEEDS}/{name}")).expect("seed file is UTF-8")
}

fn import_seed(name: &str) -> ImportedDraft {
    import(read_seed(name).as_bytes(), name).expect("seed imports")
}

fn joined(sections: &[DraftSection]) -> String {
    sections.iter().map(|s| s.text.as_str()).collect()
}

/// The Tongguan draft proper, without the web page around it and the feedback table after it.
fn tongguan_draft() -> String {
    let text = read_seed(TONGGUAN);
    let start = text.find(DRAFT_START).expect("draft start");
    let end = text.find(DRAFT_END).expect("draft end");
    text[start..end].to_string()
}

fn children_of(sections: &[DraftSection], parent: usize) -> Vec<&DraftSection> {
    sections.iter().filter(|s| s.parent == Some(parent)).collect()
}

fn assert_well_formed(sections: &[DraftSection]) {
    for (i, section) in sections.iter().enumerate() {
        if let Some(p) = section.parent {
            assert!(p < i, "parent of {i} comes later");
            assert!(sections[p].level < section.level, "parent of {i} is not shallower");
            assert!(section.anchor.starts_with(&format!("{}-", sections[p].anchor)));
        } else {
            assert!(!section.anchor.contains('-'), "top-level anchor {}", section.anchor);
        }
    }
    let mut anchors: Vec<&str> = sections.iter().map(|s| s.anchor.as_str()).collect();
    anchors.sort_unstable();
    anchors.dedup();
    assert_eq!(anchors.len(), sections.len(), "anchors are unique");
}

#[test]
fn the_tongguan_draft_has_the_expected_outline() {
    let sections = import_seed(TONGGUAN).sections;
    let outline: Vec<(u8, &str)> = sections.iter().map(|s| (s.level, s.number.as_str())).collect();
    let mut expected = vec![(1, ""), (1, "一、"), (2, "1、"), (2, "2、")];
    expected.extend([(3, "1."), (3, "2."), (3, "3."), (2, "(三)")]);
    expected.extend(["1.", "2.", "3.", "4.", "5.", "6.", "7."].map(|n| (3, n)));
    let groups: [(&str, std::ops::RangeInclusive<u32>); 6] =
        [("二、", 1..=4), ("三、", 5..=7), ("四、", 8..=10), ("五、", 11..=13), ("六、", 14..=20), ("七、", 21..=24)];
    let numbers: Vec<String> = (1..=24).map(|n| format!("{n}.")).collect();
    for (top, range) in groups {
        expected.push((1, top));
        for n in range {
            expected.push((2, numbers[n as usize - 1].as_str()));
        }
    }
    assert_eq!(outline, expected);
    assert_well_formed(&sections);
}

#[test]
fn the_tongguan_draft_yields_all_24_numbered_items_in_order() {
    let sections = import_seed(TONGGUAN).sections;
    let tops: Vec<usize> =
        (0..sections.len()).filter(|&i| sections[i].level == 1 && sections[i].kind == HeadingKind::CnNumber).collect();
    let tops_numbers: Vec<&str> = tops.iter().map(|&i| sections[i].number.as_str()).collect();
    assert_eq!(tops_numbers, ["一、", "二、", "三、", "四、", "五、", "六、", "七、"]);
    let items: Vec<&DraftSection> = tops[1..].iter().flat_map(|&top| children_of(&sections, top)).collect();
    let numbers: Vec<&str> = items.iter().map(|s| s.number.trim_end_matches('.')).collect();
    let expected: Vec<String> = (1..=24).map(|n| n.to_string()).collect();
    assert_eq!(numbers, expected);
    assert_eq!(items[0].heading, "深化供给侧结构性改革");
    assert_eq!(items[10].heading, "加快大开放平台建设");
    assert_eq!(items[23].heading, "加强组织领导");
    assert!(items.iter().all(|s| s.kind == HeadingKind::Arabic && s.level == 2));
    assert!(items.iter().all(|s| !s.heading.is_empty() && s.heading.chars().count() <= 41));
}

#[test]
fn the_tongguan_general_requirements_nest_the_goals_under_their_heading() {
    let sections = import_seed(TONGGUAN).sections;
    let find = |heading: &str| {
        sections.iter().position(|s| s.heading == heading).unwrap_or_else(|| panic!("no section {heading}"))
    };
    let general = find("总体要求");
    let goals = find("奋斗目标");
    let strategies = find("重大战略");
    assert_eq!(sections[goals].parent, Some(general));
    assert_eq!(sections[strategies].parent, Some(general));
    let goal_headings: Vec<&str> = children_of(&sections, goals).iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(
        goal_headings,
        ["到2020年,高水平全面建成小康社会", "2035年,基本建成现代化城区", "到本世纪中叶,全面建成现代化铜都明珠"]
    );
    assert_eq!(children_of(&sections, strategies).len(), 7);
    assert_eq!(sections[find("指导思想")].anchor, "1-1");
    assert_eq!(sections[strategies].anchor, "1-3");
}

#[test]
fn inline_numbers_and_unnumbered_paragraphs_stay_in_their_section() {
    let sections = import_seed(TONGGUAN).sections;
    let deepen = sections.iter().find(|s| s.heading == "深化供给侧结构性改革").expect("item 1");
    assert!(deepen.text.contains("(1围绕调结构") && deepen.text.contains("5围绕增后劲"));
    let industry = sections.iter().find(|s| s.heading.starts_with("推进“三重一创”")).expect("item 4");
    assert!(industry.text.contains("强力推进国家服务业综合改革试点"));
    assert!(industry.text.contains("以农业供给侧结构性改革为动力"));
    let goal_2020 = sections.iter().find(|s| s.heading.starts_with("到2020年")).expect("2020 goal");
    assert_eq!(goal_2020.text.matches("——").count(), 5);
}

#[test]
fn the_tongguan_draft_proper_splits_into_title_preamble_and_closing_paragraph() {
    let draft = tongguan_draft();
    let sections = split_text(&draft);
    assert_eq!(joined(&sections), draft);
    assert_eq!(sections[0].kind, HeadingKind::Preamble);
    assert!(sections[0].text.starts_with(DRAFT_START));
    assert!(sections[0].text.contains("党的十九大开启了"));
    let last = sections.last().expect("sections");
    assert_eq!(last.number, "24.");
    assert!(last.text.trim_end().ends_with("取得实效。"));
    let imported = import(draft.as_bytes(), "draft.txt").expect("imports");
    assert_eq!(imported.title.as_deref(), Some(DRAFT_START));
}

#[test]
fn every_seed_document_loses_nothing() {
    let paths = seed_paths();
    assert!(paths.len() >= 5, "seed documents found: {}", paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("seed is UTF-8");
        let name = path.to_string_lossy();
        let draft = import(text.as_bytes(), &name).expect("seed imports");
        assert_eq!(draft.source_text(), text, "{name}");
        assert_eq!(normalise_ws(&draft.source_text()), normalise_ws(&text));
        assert_well_formed(&draft.sections);
    }
}

#[test]
fn a_news_page_with_a_numbered_list_of_work_plans_yields_one_section_per_plan() {
    let sections = import_seed("000_a37cd2dd412c4829.txt").sections;
    assert_eq!(sections[0].kind, HeadingKind::Preamble);
    assert!(sections[0].text.contains("十大重点督办项目工作方案及主要目标"));
    let plans = &sections[1..];
    assert_eq!(plans.len(), 10);
    for (i, plan) in plans.iter().enumerate() {
        assert_eq!(plan.number, format!("{}.", i + 1));
        assert_eq!((plan.level, plan.parent), (1, None));
        assert!(plan.heading.starts_with("《东莞市") && plan.heading.ends_with("工作方案》"));
        assert!(plan.text.contains("主要目标:"));
    }
}

#[test]
fn news_pages_with_dash_paragraphs_and_no_numbering_stay_one_preamble() {
    for name in ["001_efe4233590757977.txt", "002_b9251b87b0cd542e.txt", "004_3bfee480ff51888f.txt"] {
        let draft = import_seed(name);
        assert_eq!(draft.sections.len(), 1, "{name}");
        assert_eq!(draft.sections[0].kind, HeadingKind::Preamble);
        assert_eq!(draft.sections[0].anchor, "0");
    }
}

#[test]
fn the_tongguan_text_in_gb18030_decodes_back_identically() {
    let text = read_seed(TONGGUAN);
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let draft = import(&bytes, TONGGUAN).expect("GB18030 imports");
    assert_eq!(draft.encoding, "GB18030");
    assert_eq!(draft.source_text(), text);
    assert_eq!(draft.sections, import_seed(TONGGUAN).sections);
}

#[test]
fn the_tongguan_text_with_a_utf8_bom_imports_like_without() {
    let text = read_seed(TONGGUAN);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    let draft = import(&bytes, TONGGUAN).expect("UTF-8 with BOM imports");
    assert_eq!(draft.encoding, "UTF-8");
    assert_eq!(draft.sections, import_seed(TONGGUAN).sections);
}

#[test]
fn the_tongguan_page_keeps_its_consultation_notice_apart_and_takes_the_drafts_own_title() {
    let draft = import_seed(TONGGUAN);
    let notice = draft.notice.as_deref().expect("the 公告 in front of the draft");
    assert!(notice.contains("实施意见征求意见的公告") && notice.trim_end().ends_with("2018年1月6日"));
    assert_eq!(draft.title.as_deref(), Some(DRAFT_START));
    assert!(draft.sections[0].text.starts_with(DRAFT_START));
    assert!(draft.sections.iter().all(|s| !s.text.contains("征集时间")));
}

//! Property tests: on any input the splitters lose nothing, never panic, and build a sound tree.

use super::{DraftSection, decode_text, import, normalise_ws, split_markdown, split_text};
use proptest::prelude::*;

/// Line openings that are, or nearly are, headings in every width and bracket style.
fn opening() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "一、",
        "二、",
        "十二．",
        "二十四.",
        "一二、",
        "（三）",
        "(三)",
        "(一）",
        "（十一)",
        "1.",
        "1、",
        "11.",
        "24．",
        "１．",
        "0.",
        "2.2035年",
        "3.53%",
        "2.5亿",
        "1. ",
        "（1）",
        "(2)",
        "(1围绕",
        "第一章 ",
        "第三节",
        "第十五条",
        "第15条",
        "第一季度",
        "附件1",
        "附件 2：",
        "附件:",
        "附件",
        "目录",
        "目  录",
        "总 则",
        "附　则",
        "第一编 ",
        "第二分编",
        "第九条修改为：",
        "一、将第三条修改为：“",
        "关于公开征求意见的公告",
        "各区县人民政府：",
        "2022年12月5日",
        "（此件公开发布）",
        "——",
        "◎",
        "# ",
        "## 第二章 ",
        "####### ",
        "**一、",
        "```",
        "\u{3000}\u{3000}",
        "\u{a0}",
        " \t",
        "\u{feff}",
    ])
    .prop_map(str::to_string)
}

/// Line bodies: Chinese-looking text with full- and half-width punctuation, or anything at all.
fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        "[一二三四五六七八九十百零〇两、．.，,。；;：:！？（）()0-9０-９ 　年月日附件第章节条%\t]{0,24}",
        "\\PC{0,24}",
        any::<String>(),
    ]
}

fn ending() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["\n", "\n", "\n", "\r\n", "\r", "", "\n\n", "\u{3000}\n"])
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec((opening(), body(), ending()), 0..40)
        .prop_map(|lines| lines.into_iter().map(|(open, body, end)| format!("{open}{body}{end}")).collect())
}

fn joined(sections: &[DraftSection]) -> String {
    sections.iter().map(|s| s.text.as_str()).collect()
}

fn check_tree(sections: &[DraftSection], strict_levels: bool) -> Result<(), TestCaseError> {
    let mut anchors = std::collections::HashSet::new();
    for (i, section) in sections.iter().enumerate() {
        prop_assert!(section.level >= 1);
        prop_assert!(anchors.insert(section.anchor.clone()), "duplicate anchor");
        prop_assert!(section.heading.chars().count() <= 41);
        match section.parent {
            Some(p) => {
                prop_assert!(p < i, "parent {} of {} is not earlier", p, i);
                prop_assert!(sections[p].level < section.level);
                if strict_levels {
                    prop_assert_eq!(sections[p].level + 1, section.level);
                }
            }
            None if strict_levels => prop_assert_eq!(section.level, 1),
            None => {}
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn splitting_text_loses_nothing_and_builds_a_sound_tree(text in document()) {
        let sections = split_text(&text);
        prop_assert_eq!(joined(&sections), text.clone());
        prop_assert_eq!(normalise_ws(&joined(&sections)), normalise_ws(&text));
        prop_assert_eq!(sections.is_empty(), text.is_empty());
        check_tree(&sections, true)?;
    }

    #[test]
    fn splitting_markdown_loses_nothing_and_builds_a_sound_tree(text in document()) {
        let sections = split_markdown(&text);
        prop_assert_eq!(joined(&sections), text.clone());
        check_tree(&sections, false)?;
    }

    #[test]
    fn importing_arbitrary_bytes_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..400),
        name in prop::sample::select(vec!["a.txt", "a.md", "a.docx", "a", "a.TXT"]),
    ) {
        if let Ok(draft) = import(&bytes, name) {
            prop_assert!(!draft.sections.is_empty());
            check_tree(&draft.sections, false)?;
        }
    }

    #[test]
    fn arbitrary_text_survives_import_in_utf8(text in document()) {
        if let Ok(draft) = import(text.as_bytes(), "draft.txt") {
            prop_assert_eq!(draft.encoding, "UTF-8");
            // A leading byte-order mark is an encoding signature, not text.
            prop_assert_eq!(draft.source_text(), text.strip_prefix('\u{feff}').unwrap_or(&text));
        }
    }

    #[test]
    fn arbitrary_text_imported_as_markdown_or_gbk_loses_nothing(text in document()) {
        if let Ok(draft) = import(text.as_bytes(), "draft.md") {
            prop_assert_eq!(draft.source_text(), text.strip_prefix('\u{feff}').unwrap_or(&text));
            check_tree(&draft.sections, false)?;
        }
        let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&text);
        if let (false, Ok(draft)) = (unmappable, import(&gbk, "draft.txt")) {
            let (decoded, _) = decode_text(&gbk).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(draft.source_text(), decoded);
            check_tree(&draft.sections, false)?;
        }
    }

    #[test]
    fn chinese_text_encoded_in_gb18030_decodes_back(text in "[\u{4e00}-\u{9fa5}a-z0-9，。、（）“” \n]{1,80}") {
        prop_assume!(!text.trim().is_empty());
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        // A short GB18030 string can also be valid UTF-8; UTF-8 rightly wins then.
        prop_assume!(text.is_ascii() || std::str::from_utf8(&bytes).is_err());
        let (decoded, _) = decode_text(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(decoded, text);
    }
}

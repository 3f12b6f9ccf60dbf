//! The whole-document rules on small drafts written like real ones.

use super::super::{HeadingKind, ImportedDraft, import};

fn draft(text: &str) -> ImportedDraft {
    let draft = import(text.as_bytes(), "draft.txt").expect("imports");
    assert_eq!(draft.source_text(), text, "nothing lost");
    draft
}

fn outline(draft: &ImportedDraft) -> Vec<(u8, &str)> {
    draft.sections.iter().filter(|s| s.kind != HeadingKind::Preamble).map(|s| (s.level, s.number.as_str())).collect()
}

#[test]
fn a_notice_ends_at_its_date_and_the_draft_starts_at_the_next_title() {
    let text = "关于公开征求《某市养犬管理条例（草案）》意见的公告\n\n一、意见请于2024年5月1日前反馈。\n二、电子邮箱：a@b.cn\n\n附件：某市养犬管理条例（草案）\n\n某市司法局\n2024年4月1日\n\n某市养犬管理条例（草案）\n\n第一条 为了规范养犬。\n第二条 适用范围。\n";
    let draft = draft(text);
    assert!(draft.notice.as_deref().is_some_and(|n| n.ends_with("2024年4月1日\n\n")));
    assert_eq!(draft.title.as_deref(), Some("某市养犬管理条例（草案）"));
    assert_eq!(outline(&draft), [(1, "第一条"), (1, "第二条")]);
}

#[test]
fn a_draft_that_only_mentions_comments_and_dates_has_no_notice() {
    let text = "某市养犬管理办法\n第一条 为了规范养犬，征求意见后制定本办法。\n2024年4月1日\n第二条 本办法自发布之日起施行。\n";
    let draft = draft(text);
    assert_eq!(draft.notice, None);
    assert_eq!(draft.title.as_deref(), Some("某市养犬管理办法"));
}

#[test]
fn a_labelled_toc_with_sections_in_each_chapter_ends_where_the_first_chapter_comes_again() {
    let text = "某条例\n目　录\n第一章 总则\n第二章 管理\n第一节 一般规定\n第二节 特别规定\n第三章 附则\n第一章 总则\n第一条 为了规范。\n第二章 管理\n第一节 一般规定\n第二条 管理。\n";
    let draft = draft(text);
    assert_eq!(
        draft.toc.as_deref(),
        Some("目　录\n第一章 总则\n第二章 管理\n第一节 一般规定\n第二节 特别规定\n第三章 附则\n")
    );
    assert_eq!(outline(&draft), [(1, "第一章"), (2, "第一条"), (1, "第二章"), (2, "第一节"), (3, "第二条")]);
}

#[test]
fn chapters_with_text_right_under_them_are_no_toc() {
    let text = "第一章 总则\n第一节 一般规定\n第一条 为了规范。\n第二章 附则\n第二条 施行。\n";
    assert_eq!(draft(text).toc, None);
}

#[test]
fn articles_quoted_by_an_amendment_are_text_of_its_items() {
    let text = "某市人大常委会关于修改《某市条例》的决定\n一、将第三条修改为：\n“第三条 下列单位应当：\n（一）登记；\n（二）备案。”\n二、第九条后增加一条作为第十条，即：\n第十条 违反本条例的，依法处理。\n三、删去第十二条。\n本决定自公布之日起施行。\n";
    let draft = draft(text);
    assert_eq!(outline(&draft), [(1, "一、"), (1, "二、"), (1, "三、")]);
    let first = draft.sections.iter().find(|s| s.number == "一、").expect("item one");
    assert!(first.text.contains("（二）备案。”"));
}

#[test]
fn a_list_of_annexes_is_text_and_the_annexes_hold_their_own_numbering() {
    let text =
        "一、总体要求\n请参见（附件1）。\n附件：1.名单\n2.表格\n\n附件1\n名单\n一、单位\n附件2：表格\n一、填写说明\n";
    let draft = draft(text);
    assert_eq!(outline(&draft), [(1, "一、"), (1, "附件1"), (2, "一、"), (1, "附件2"), (2, "一、")]);
}

#[test]
fn an_annex_listed_before_it_opens_is_text_where_it_is_listed() {
    let text = "一、正文\n附件1：名单\n附件2：表格\n二、其他\n附件1\n名单\n附件2\n表格\n";
    assert_eq!(outline(&draft(text)), [(1, "一、"), (1, "二、"), (1, "附件1"), (1, "附件2")]);
}

#[test]
fn chapter_titles_without_numbers_are_chapters_in_a_draft_of_articles() {
    let text = "某办法\n总　则\n第一条 为了规范。\n第二条 适用。\n信息归集\n第三条 归集。\n附 则\n第四条 施行。\n";
    let draft = draft(text);
    let chapters: Vec<&str> =
        draft.sections.iter().filter(|s| s.kind == HeadingKind::Chapter).map(|s| s.heading.as_str()).collect();
    assert_eq!(chapters, ["总则", "信息归集", "附则"]);
    assert_eq!(outline(&draft).iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 2, 2, 1, 2, 1, 2]);
    // Without articles, a short line is just text.
    assert_eq!(draft_no_articles().sections.len(), 2);
}

fn draft_no_articles() -> ImportedDraft {
    draft("某方案\n总则\n一、目标\n")
}

#[test]
fn numbered_chapters_above_articles_rank_as_chapters() {
    let text = "某办法\n一、总则\n第一条 为了规范。\n第二条 适用。\n二、附则\n第三条 施行。\n";
    assert_eq!(outline(&draft(text)), [(1, "一、"), (2, "第一条"), (2, "第二条"), (1, "二、"), (2, "第三条")]);
}

#[test]
fn a_markdown_title_heading_is_the_title_and_levels_start_below_it() {
    let text = "# 某某保护法\n\n## 第一章 总则\n\n第一条 为了规范。\n\n### 第一节 一般规定\n\n第二条 适用。\n";
    let draft = import(text.as_bytes(), "law.md").expect("imports");
    assert_eq!(draft.title.as_deref(), Some("某某保护法"));
    assert_eq!(outline(&draft), [(1, "第一章"), (2, "第一条"), (2, "第一节"), (3, "第二条")]);
}

//! Tests of heading recognition on lines as they appear in real drafts.

use super::*;

fn found(line: &str) -> (HeadingKind, String, String) {
    let h = detect(line).unwrap_or_else(|| panic!("no heading in {line:?}"));
    (h.kind, h.number, h.heading)
}

fn expect(line: &str, kind: HeadingKind, number: &str, heading: &str) {
    assert_eq!(found(line), (kind, number.to_string(), heading.to_string()), "{line:?}");
}

#[test]
fn every_numbering_style_of_chinese_documents_is_recognised() {
    use HeadingKind::*;
    expect("第一章 总则", Chapter, "第一章", "总则");
    expect("第三节　监督检查", Part, "第三节", "监督检查");
    expect("第十五条 决策事项应当公开。", Article, "第十五条", "决策事项应当公开");
    expect("第15条规定如下", Article, "第15条", "规定如下");
    expect("二、实施创新发展行动", CnNumber, "二、", "实施创新发展行动");
    expect("十二．附则", CnNumber, "十二．", "附则");
    expect("（三）重大战略。根据", CnParen, "（三）", "重大战略");
    expect("(三)重大战略。根据", CnParen, "(三)", "重大战略");
    expect("(一）混用括号", CnParen, "(一）", "混用括号");
    expect("1、指导思想。以习近平", Arabic, "1、", "指导思想");
    expect("11.加快大开放平台建设。深化", Arabic, "11.", "加快大开放平台建设");
    expect("1. 深化供给侧结构性改革。扎实", Arabic, "1.", "深化供给侧结构性改革");
    expect("３．全角数字", Arabic, "３．", "全角数字");
    expect("（1）围绕调结构", ArabicParen, "（1）", "围绕调结构");
    expect("(12)半角括号", ArabicParen, "(12)", "半角括号");
    expect("附件1", Annex, "附件1", "");
    expect("附件 2：意见反馈表", Annex, "附件 2", "意见反馈表");
    expect("附件三 名单", Annex, "附件三", "名单");
}

#[test]
fn leading_whitespace_of_any_width_is_skipped() {
    expect("\u{3000}\u{3000}一、总则", HeadingKind::CnNumber, "一、", "总则");
    expect("\u{a0} \t1.条目", HeadingKind::Arabic, "1.", "条目");
    expect(
        "    1.《东莞市水污染治理攻坚战工作方案》\n",
        HeadingKind::Arabic,
        "1.",
        "《东莞市水污染治理攻坚战工作方案》",
    );
}

#[test]
fn a_year_after_the_dot_is_an_item_about_that_year() {
    expect("2.2035年,基本建成现代化城区。", HeadingKind::Arabic, "2.", "2035年,基本建成现代化城区");
    expect("1.到2020年,高水平全面建成小康社会。", HeadingKind::Arabic, "1.", "到2020年,高水平全面建成小康社会");
    expect("3.2021-2025年工作安排", HeadingKind::Arabic, "3.", "2021-2025年工作安排");
}

#[test]
fn decimals_percentages_and_dates_are_not_headings() {
    for line in [
        "2.5亿元投资",
        "3.53%的比重",
        "1.05万家",
        "2018.1.6",
        "2024,东莞加油干!",
        "2021年是中国共产党成立100周年",
        "3月8日,东莞市委书记",
        "1",
        "10%以上",
        "1)",
        "(1围绕调结构,推进去产能",
        "(2019)",
        "一是加快高新技术企业的培育",
        "一二、不是数字",
        "三去一降一补",
        "0.5",
        "0、零不是编号",
        "附件:",
        "附件1所列单位",
        "第15页,建议",
        "第一季度将按类别完成",
        "——创新驱动力显著跃升",
        "",
    ] {
        assert_eq!(detect(line), None, "{line:?}");
    }
}

#[test]
fn long_run_in_headings_are_cut_cleanly_at_a_clause() {
    let h = found(
        "15.促进教育事业公平优质发展巩固义务教育均衡发展成果,实施优质教育扩面工程,重点培育新兴城区优质教育资源,构建学城一体。",
    );
    assert_eq!(h.2, "促进教育事业公平优质发展巩固义务教育均衡发展成果,实施优质教育扩面工程…");
    assert!(h.2.chars().count() <= MAX_HEADING_CHARS + 1);
    let unbroken = found(&format!("1、{}", "字".repeat(100))).2;
    assert_eq!(unbroken, format!("{}…", "字".repeat(MAX_HEADING_CHARS)));
}

#[test]
fn books_sub_books_and_spaced_numbers_are_recognised() {
    use HeadingKind::*;
    expect("第一编 总则", Book, "第一编", "总则");
    expect("第二分编　所有权", SubBook, "第二分编", "所有权");
    expect("第 一 章　总　则", Chapter, "第 一 章", "总则");
    expect("第一章总则", Chapter, "第一章", "总则");
    expect("第一千零一十条 不得", Article, "第一千零一十条", "不得");
}

#[test]
fn an_articles_title_in_brackets_of_any_kind_is_its_heading() {
    use HeadingKind::Article;
    expect("第一条【目的】为了规范管理，制定本办法。", Article, "第一条", "目的");
    expect("第一条〖目的依据〗为了规范管理。", Article, "第一条", "目的依据");
    expect("第一条（立法目的）为了规范管理。", Article, "第一条", "立法目的");
    expect("第二条(适用范围)本办法适用于", Article, "第二条", "适用范围");
    expect("第三条 [定义] 本办法所称", Article, "第三条", "定义");
    // A bracket that opens the article's sentence is not a title.
    expect("第四条（一）项所称的，依照本办法。", Article, "第四条", "（一）项所称的，依照本办法");
}

#[test]
fn annex_alone_on_its_line_opens_an_annex_and_a_label_with_a_colon_does_not() {
    expect("附件", HeadingKind::Annex, "附件", "");
    expect("  附件 \n", HeadingKind::Annex, "附件", "");
    assert_eq!(detect("附件：1.参会单位名单"), None);
    assert_eq!(detect("附件:"), None);
    assert_eq!(detect("附件所列"), None);
}

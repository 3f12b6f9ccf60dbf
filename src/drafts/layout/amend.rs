//! Amendment decisions (修改决定, 修正案): their own items (一、 二、 …) are the sections; an
//! instruction such as 「第九条修改为：」 or 「第十三条后增加一条作为第十四条，即：」 is text of the
//! item it is in, and so is the article text it quotes, up to the next item.

use super::super::HeadingKind;
use super::super::heading::Variant;
use super::{Line, content, demote, squeezed};

/// Words that make a line an instruction to change another text.
const INSTRUCTIONS: [&str; 12] = [
    "修改为",
    "修改如下",
    "增加一条",
    "增加一款",
    "增加一项",
    "增加一章",
    "增加一节",
    "增加条",
    "删去",
    "删除第",
    "调整为",
    "改为",
];

/// In an amendment decision, demotes instructions that read like articles and the article text
/// they quote, from line `from` on.
pub(super) fn quoted_articles_are_content(lines: &mut [Line<'_>], from: usize) {
    let words: Vec<String> = lines.iter().map(|l| squeezed(content(l.text()))).collect();
    if !is_amendment(&words[from..]) {
        return;
    }
    // The decision's items: the numbering of the first heading that gives an instruction,
    // unless that heading is itself an article (第九条修改为：), which is no item.
    let item = (from..lines.len()).find_map(|i| {
        let heading = lines[i].heading()?;
        is_instruction(&words[i]).then_some((heading.kind, heading.variant))
    });
    let item = item.filter(|&(kind, _)| kind != HeadingKind::Article);
    let mut quoting = false;
    for i in from..lines.len() {
        let own_item = match (lines[i].heading(), item) {
            (Some(heading), Some((kind, variant))) => heading.kind == kind && same_family(heading.variant, variant),
            _ => false,
        };
        if own_item {
            quoting = opens_quotation(&words[i]);
            continue;
        }
        let instruction = is_instruction(&words[i]);
        if quoting || (instruction && lines[i].heading().is_some_and(|h| h.kind == HeadingKind::Article)) {
            demote(&mut lines[i]);
        }
        if instruction {
            quoting = opens_quotation(&words[i]);
        }
    }
}

/// Whether the lines read as an amendment decision: its title says so, or an instruction
/// quotes new text.
fn is_amendment(words: &[String]) -> bool {
    let head = words.iter().filter(|w| !w.is_empty()).take(6);
    let titled = head.into_iter().any(|w| (w.contains("修改") && w.contains("的决定")) || w.contains("修正案"));
    titled || words.iter().any(|w| is_instruction(w) && opens_quotation(w) && w.contains('第'))
}

fn is_instruction(words: &str) -> bool {
    INSTRUCTIONS.iter().any(|i| words.contains(i)) && words.contains('第')
}

/// An instruction whose new text follows: it ends with a colon, or quotes on the same line.
fn opens_quotation(words: &str) -> bool {
    words.ends_with(['：', ':']) || words.contains("：“") || words.contains(":“") || words.contains("即：")
}

/// Numbers written the same way count as one list (一、 and 一． alike).
fn same_family(a: Variant, b: Variant) -> bool {
    a == b || matches!((a, b), (Variant::Comma | Variant::Dot, Variant::Comma | Variant::Dot))
}

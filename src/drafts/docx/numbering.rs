//! Word's automatic numbering (`w:numPr` with `word/numbering.xml`): the "一、", "（一）", "1."
//! and "第一条" that Word draws before a paragraph but that are not in its text.

use std::collections::{HashMap, HashSet};

use roxmltree::{Document, Node};

use super::{attr, child};

/// Word has nine list levels.
const LEVELS: usize = 9;

/// How a level's number is written (`w:numFmt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumFmt {
    Decimal,
    DecimalZero,
    DecimalFullWidth,
    /// 一、二 … 十、十一 … 九十九
    ChineseCounting,
    /// 壹、贰、叁
    ChineseLegal,
    /// 甲、乙、丙
    Ideograph,
    /// ①②③
    Circled,
    UpperLetter,
    LowerLetter,
    UpperRoman,
    LowerRoman,
    /// Bullets and `none`: no number is written.
    Nothing,
}

impl NumFmt {
    fn parse(val: &str) -> NumFmt {
        match val {
            "decimalZero" => NumFmt::DecimalZero,
            "decimalFullWidth" | "decimalFullWidth2" => NumFmt::DecimalFullWidth,
            "chineseCounting"
            | "chineseCountingThousand"
            | "japaneseCounting"
            | "taiwaneseCounting"
            | "taiwaneseCountingThousand"
            | "ideographDigital" => NumFmt::ChineseCounting,
            "chineseLegalSimplified" | "ideographLegalTraditional" => NumFmt::ChineseLegal,
            "ideographTraditional" => NumFmt::Ideograph,
            "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" => NumFmt::Circled,
            "upperLetter" => NumFmt::UpperLetter,
            "lowerLetter" => NumFmt::LowerLetter,
            "upperRoman" => NumFmt::UpperRoman,
            "lowerRoman" => NumFmt::LowerRoman,
            "bullet" | "none" => NumFmt::Nothing,
            _ => NumFmt::Decimal,
        }
    }

    fn write(self, n: u32) -> String {
        // Letters and Roman numerals grow with the number; no real list gets this far.
        if n > 9_999 {
            return n.to_string();
        }
        match self {
            NumFmt::Decimal | NumFmt::Nothing => n.to_string(),
            NumFmt::DecimalZero => format!("{n:02}"),
            NumFmt::DecimalFullWidth => n
                .to_string()
                .chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c))
                .collect(),
            NumFmt::ChineseCounting => {
                chinese(n, &["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"], "十", "百")
            }
            NumFmt::ChineseLegal => {
                chinese(n, &["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"], "拾", "佰")
            }
            NumFmt::Ideograph => {
                const STEMS: [&str; 10] = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];
                STEMS[(n.max(1) as usize - 1) % 10].to_owned()
            }
            NumFmt::Circled => match n {
                1..=20 => char::from_u32('①' as u32 + n - 1).map_or_else(|| n.to_string(), String::from),
                _ => n.to_string(),
            },
            NumFmt::UpperLetter => letters(n),
            NumFmt::LowerLetter => letters(n).to_lowercase(),
            NumFmt::UpperRoman => roman(n),
            NumFmt::LowerRoman => roman(n).to_lowercase(),
        }
    }
}

/// 1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五 (as Word writes them).
fn chinese(n: u32, digits: &[&str; 10], ten: &str, hundred: &str) -> String {
    match n {
        0..=9 => digits[n as usize].to_owned(),
        10..=19 => format!("{ten}{}", if n == 10 { "" } else { digits[(n - 10) as usize] }),
        20..=99 => {
            let ones = match n % 10 {
                0 => "",
                d => digits[d as usize],
            };
            format!("{}{ten}{ones}", digits[(n / 10) as usize])
        }
        100..=999 => {
            let rest = n % 100;
            let tail = match rest {
                0 => String::new(),
                1..=9 => format!("{}{}", digits[0], digits[rest as usize]),
                10..=19 => format!("{}{}", digits[1], chinese(rest, digits, ten, hundred)),
                _ => chinese(rest, digits, ten, hundred),
            };
            format!("{}{hundred}{tail}", digits[(n / 100) as usize])
        }
        _ => n.to_string(),
    }
}

/// 1 → A, 26 → Z, 27 → AA (Word repeats the letter).
fn letters(n: u32) -> String {
    let n = n.max(1) - 1;
    let letter = char::from(b'A' + (n % 26) as u8);
    letter.to_string().repeat(n as usize / 26 + 1)
}

fn roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, digits) in TABLE {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

/// One level of a list definition (`w:lvl`).
#[derive(Debug, Clone)]
struct Level {
    start: u32,
    format: NumFmt,
    /// e.g. "%1、", "（%2）", "第%1条"; `%n` is level n's number.
    text: String,
    /// What Word puts between the number and the text: a tab (the default), a space, nothing.
    suffix: &'static str,
    /// `w:isLgl`: every number written as a decimal ("1.1" under "一、").
    legal: bool,
}

impl Default for Level {
    fn default() -> Self {
        Level { start: 1, format: NumFmt::Nothing, text: String::new(), suffix: "", legal: false }
    }
}

/// A list instance (`w:num`): its definition and the levels it restarts.
#[derive(Debug, Clone)]
struct Instance {
    abstract_id: String,
    /// `w:lvlOverride/w:startOverride`: the list starts again here at these values.
    restarts: Vec<(usize, u32)>,
}

/// The lists of a document and where each stands while its paragraphs are read in order.
#[derive(Debug, Default)]
pub(crate) struct Numbering {
    definitions: HashMap<String, [Level; LEVELS]>,
    instances: HashMap<String, Instance>,
    /// The current number at each level, per list definition (Word continues a list across
    /// instances of one definition unless an instance restarts it).
    counters: HashMap<String, [Option<u32>; LEVELS]>,
    /// Instances whose restarts have been applied.
    started: HashSet<String>,
}

impl Numbering {
    /// The lists in `word/numbering.xml`; a part that does not parse gives no numbering.
    pub(crate) fn parse(xml: &str) -> Numbering {
        let Ok(doc) = Document::parse(xml) else {
            return Numbering::default();
        };
        let mut numbering = Numbering::default();
        for node in doc.root_element().children().filter(Node::is_element) {
            match node.tag_name().name() {
                "abstractNum" => {
                    let Some(id) = attr(node, "abstractNumId") else { continue };
                    let mut levels: [Level; LEVELS] = Default::default();
                    for lvl in node.children().filter(|n| n.tag_name().name() == "lvl") {
                        if let Some(i) = attr(lvl, "ilvl").and_then(|v| v.parse::<usize>().ok()).filter(|&i| i < LEVELS)
                        {
                            levels[i] = level(lvl);
                        }
                    }
                    numbering.definitions.insert(id.to_owned(), levels);
                }
                "num" => {
                    let Some(id) = attr(node, "numId") else { continue };
                    let Some(abstract_id) = child(node, "abstractNumId").and_then(|a| attr(a, "val")) else { continue };
                    let restarts = node
                        .children()
                        .filter(|n| n.tag_name().name() == "lvlOverride")
                        .filter_map(|o| {
                            let level = attr(o, "ilvl")?.parse::<usize>().ok().filter(|&i| i < LEVELS)?;
                            let start = child(o, "startOverride").and_then(|s| attr(s, "val"))?.parse().ok()?;
                            Some((level, start))
                        })
                        .collect();
                    numbering
                        .instances
                        .insert(id.to_owned(), Instance { abstract_id: abstract_id.to_owned(), restarts });
                }
                _ => {}
            }
        }
        numbering
    }

    /// The number Word draws before the next paragraph of list `num_id` at `level`, with
    /// what follows it, e.g. "一、" or "1.\t"; `None` for no list (numId 0), an unknown one,
    /// or a bullet.
    pub(crate) fn next(&mut self, num_id: &str, level: usize) -> Option<String> {
        let instance = self.instances.get(num_id)?.clone();
        let levels = self.definitions.get(&instance.abstract_id)?;
        let level = level.min(LEVELS - 1);
        let counters = self.counters.entry(instance.abstract_id.clone()).or_insert([None; LEVELS]);
        if !self.started.contains(num_id) {
            self.started.insert(num_id.to_owned());
            for &(l, start) in &instance.restarts {
                // The next paragraph at that level gets `start`.
                counters[l] = start.checked_sub(1);
                counters[l + 1..].iter_mut().for_each(|c| *c = None);
            }
        }
        counters[level] = Some(counters[level].map_or(levels[level].start, |n| n.saturating_add(1)));
        counters[level + 1..].iter_mut().for_each(|c| *c = None);
        let this = &levels[level];
        // A bullet is a decoration, not a number a heading could be known by.
        if this.format == NumFmt::Nothing || this.text.is_empty() {
            return None;
        }
        let mut text = this.text.clone();
        for l in (0..LEVELS).rev() {
            let placeholder = format!("%{}", l + 1);
            if text.contains(&placeholder) {
                let n = counters[l].unwrap_or(levels[l].start);
                let format = if this.legal { NumFmt::Decimal } else { levels[l].format };
                text = text.replace(&placeholder, &format.write(n));
            }
        }
        Some(text + this.suffix)
    }
}

/// The most characters of a level's text that are kept.
const MAX_LEVEL_TEXT_CHARS: usize = 32;

fn level(lvl: Node<'_, '_>) -> Level {
    let val = |name: &str| child(lvl, name).and_then(|n| attr(n, "val"));
    Level {
        start: val("start").and_then(|v| v.parse().ok()).unwrap_or(1),
        format: val("numFmt").map_or(NumFmt::Decimal, NumFmt::parse),
        // Real level texts are a few characters ("第%1条"); a huge one would repeat in every paragraph.
        text: val("lvlText").unwrap_or_default().chars().take(MAX_LEVEL_TEXT_CHARS).collect(),
        suffix: match val("suff") {
            Some("space") => " ",
            Some("nothing") => "",
            _ => "\t",
        },
        legal: child(lvl, "isLgl").is_some_and(|n| attr(n, "val").is_none_or(|v| v != "0" && v != "false")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_way_word_writes_them() {
        let cn: Vec<String> =
            [1, 10, 11, 20, 21, 99, 100, 105, 110, 120].map(|n| NumFmt::ChineseCounting.write(n)).into();
        assert_eq!(cn, ["一", "十", "十一", "二十", "二十一", "九十九", "一百", "一百零五", "一百一十", "一百二十"]);
        assert_eq!(NumFmt::ChineseLegal.write(12), "拾贰");
        assert_eq!(NumFmt::Ideograph.write(3), "丙");
        assert_eq!(NumFmt::Circled.write(2), "②");
        assert_eq!(NumFmt::DecimalFullWidth.write(12), "１２");
        assert_eq!(NumFmt::DecimalZero.write(7), "07");
        assert_eq!((NumFmt::UpperLetter.write(28), NumFmt::LowerRoman.write(14)), ("BB".into(), "xiv".into()));
    }
}

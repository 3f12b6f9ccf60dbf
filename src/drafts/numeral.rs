//! Reading the numerals of heading numbers: Chinese (十五, 一百零五, 二〇) and Arabic (half- or full-width).

/// Whether `c` may appear in a Chinese numeral used for numbering.
pub(crate) fn is_cn_numeral(c: char) -> bool {
    cn_digit(c).is_some() || cn_unit(c).is_some()
}

/// Whether `c` is an Arabic digit, half-width (`0`) or full-width (`０`).
pub(crate) fn is_arabic_digit(c: char) -> bool {
    arabic_digit(c).is_some()
}

fn arabic_digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn cn_unit(c: char) -> Option<u32> {
    match c {
        '十' => Some(10),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    }
}

/// Whether a number a person typed names the heading number `number`: 「第十八条」 is named
/// by 「第十八条」, 「十八」, 「18」 or 「第18条」 (spaces ignored); a unit typed (条, 章…) must be
/// the number's own.
pub fn names_number(number: &str, typed: &str) -> bool {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let (number, typed) = (squeeze(number), squeeze(typed));
    if typed.is_empty() {
        return false;
    }
    if number == typed {
        return true;
    }
    let split = |s: &str| -> (Option<u32>, Option<char>) {
        let s = s.strip_prefix('第').unwrap_or(s);
        let unit = s.chars().last().filter(|c| matches!(c, '编' | '章' | '节' | '条' | '款' | '项'));
        let numeral = unit.map_or(s, |u| &s[..s.len() - u.len_utf8()]);
        (arabic_value(numeral).or_else(|| cn_value(numeral)), unit)
    };
    let (value, unit) = split(&number);
    let (typed_value, typed_unit) = split(&typed);
    value.is_some() && value == typed_value && (typed_unit.is_none() || typed_unit == unit)
}

/// The value of an Arabic numeral (any mix of half- and full-width digits), if it fits.
pub(crate) fn arabic_value(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    s.chars().try_fold(0u32, |acc, c| acc.checked_mul(10)?.checked_add(arabic_digit(c)?))
}

/// The value of a Chinese numeral written the way ordinals are written: 三, 十二, 二十, 一百零五,
/// or digit by digit (二〇二〇). Sequences that are words rather than numbers (一二, 百, 十十) give `None`.
pub(crate) fn cn_value(s: &str) -> Option<u32> {
    let digits_only = s.chars().all(|c| cn_digit(c).is_some());
    if digits_only && s.chars().count() > 2 {
        // 二〇二〇 style; 一二三 is a word, so only accept with a zero inside and none in front.
        let zero = |c: char| matches!(c, '〇' | '零');
        if !s.chars().any(zero) || s.starts_with(zero) {
            return None;
        }
        return s.chars().try_fold(0u32, |acc, c| acc.checked_mul(10)?.checked_add(cn_digit(c)?));
    }
    let mut total = 0u32;
    let mut pending: Option<u32> = None;
    let mut last_unit = u32::MAX;
    let mut after_zero = false;
    for c in s.chars() {
        if let Some(d) = cn_digit(c) {
            if d == 0 {
                if pending.is_some() || total == 0 || after_zero {
                    return None;
                }
                after_zero = true;
                continue;
            }
            if pending.is_some() {
                return None;
            }
            pending = Some(d);
        } else if let Some(unit) = cn_unit(c) {
            // 一千零一十: after a zero a smaller unit may follow.
            if unit >= last_unit {
                return None;
            }
            let times = match pending.take() {
                Some(d) => d,
                None if unit == 10 && total == 0 => 1,
                None => return None,
            };
            total = total.checked_add(times.checked_mul(unit)?)?;
            last_unit = unit;
        } else {
            return None;
        }
    }
    let total = total.checked_add(pending.unwrap_or(0))?;
    (total > 0).then_some(total)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_typed_number_names_the_heading_in_any_usual_form() {
        for typed in ["第十八条", "十八", "18", "第18条", " 第 十八 条 ", "１８"] {
            assert!(names_number("第十八条", typed), "{typed}");
        }
        assert!(names_number("第一百零五条", "105"));
        assert!(names_number("三、", "三、"));
        for typed in ["", "十九", "第十八章", "十八条款", "八"] {
            assert!(!names_number("第十八条", typed), "{typed}");
        }
    }

    use super::*;

    #[test]
    fn chinese_ordinals_read_as_their_values() {
        let cases = [
            ("一", 1),
            ("九", 9),
            ("十", 10),
            ("十五", 15),
            ("二十", 20),
            ("二十四", 24),
            ("一百", 100),
            ("一百零五", 105),
            ("一百一十", 110),
            ("两千", 2000),
            ("二〇二〇", 2020),
            ("一千零一十", 1010),
            ("一千零二十四", 1024),
        ];
        for (text, value) in cases {
            assert_eq!(cn_value(text), Some(value), "{text}");
        }
    }

    #[test]
    fn words_made_of_numeral_characters_are_not_numbers() {
        for text in ["", "一二", "三四五", "百", "十十", "零", "一零", "十百", "五x"] {
            assert_eq!(cn_value(text), None, "{text}");
        }
    }

    #[test]
    fn arabic_numerals_accept_full_width_digits() {
        assert_eq!(arabic_value("24"), Some(24));
        assert_eq!(arabic_value("１２"), Some(12));
        assert_eq!(arabic_value(""), None);
        assert_eq!(arabic_value("99999999999"), None);
    }
}

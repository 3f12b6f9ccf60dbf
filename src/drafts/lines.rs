//! Splitting text into lines that keep their line breaks, and guessing a document's title.

use super::heading::detect;

/// The lines of `text`, each with its line break (`\n`, `\r\n` or a lone `\r`), so that
/// concatenating them gives `text` back exactly.
pub(crate) fn lines_with_breaks(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match rest.find(['\n', '\r']) {
            Some(i) if rest[i..].starts_with("\r\n") => i + 2,
            Some(i) => i + 1,
            None => rest.len(),
        };
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

/// The most characters a line may have to count as a title.
const MAX_TITLE_CHARS: usize = 80;

/// Whether one trimmed line reads like a title: at least four characters and not too long, no
/// heading number, not ending like a sentence, and not website chrome (a breadcrumb
/// "您现在的位置 > …", a menu "首页 | …", an address).
pub(crate) fn title_like(line: &str) -> bool {
    let chars = line.chars().count();
    let chrome = ["您现在的位置", "当前位置", " > ", " | ", "http", "www."].iter().any(|mark| line.contains(mark));
    let sentence_end = line.chars().last().is_some_and(|c| "。；;，,：:、".contains(c));
    let control = line.chars().any(char::is_control);
    (4..=MAX_TITLE_CHARS).contains(&chars) && !chrome && !sentence_end && !control && detect(line).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_every_kind_of_line_break() {
        let text = "一\r\n二\n三\r四";
        let lines: Vec<&str> = lines_with_breaks(text).collect();
        assert_eq!(lines, vec!["一\r\n", "二\n", "三\r", "四"]);
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn a_short_line_without_a_number_reads_like_a_title() {
        assert!(title_like("关于加强管理的实施意见（征求意见稿）"));
        assert!(title_like("关于调整公交站点位置的公告"));
    }

    #[test]
    fn numbered_lines_sentences_and_breadcrumbs_are_not_titles() {
        for line in ["一、总体要求", "为了规范管理，制定本办法。", "您现在的位置:首页 > 互动交流 > 意见征集", "头部"]
        {
            assert!(!title_like(line), "{line}");
        }
        assert!(!title_like(&"很长".repeat(60)));
    }
}

//! Byte-level fixes to the XML docx-rs 0.4.22 writes: the placeholder split, `w:tblHeader`, and schema order.
//!
//! docx-rs writes run properties as sz, b, …, rFonts, while ECMA-376 orders them rFonts, b, …,
//! sz; Word is reported to drop out-of-order children (the font of a bold title, for one),
//! so the few run properties this export sets are put back in schema order.

use super::ExportError;

/// Splits `document.xml` around the table row whose text is `marker`.
pub fn split_at_marker<'a>(doc: &'a [u8], marker: &str) -> Result<(&'a [u8], &'a [u8]), ExportError> {
    let at = find(doc, marker.as_bytes(), 0).ok_or(ExportError::DocxTemplate)?;
    let start =
        rfind(&doc[..at], b"<w:tr>").or_else(|| rfind(&doc[..at], b"<w:tr ")).ok_or(ExportError::DocxTemplate)?;
    let end = find(doc, b"</w:tr>", at).ok_or(ExportError::DocxTemplate)? + b"</w:tr>".len();
    Ok((&doc[..start], &doc[end..]))
}

/// Marks the first row that cannot split (the header) to repeat on every page.
pub fn mark_header_row(xml: &mut Vec<u8>) {
    const CANT_SPLIT: &[u8] = b"<w:cantSplit />";
    if let Some(at) = find(xml, CANT_SPLIT, 0) {
        let at = at + CANT_SPLIT.len();
        xml.splice(at..at, b"<w:tblHeader />".iter().copied());
    }
}

/// Removes the empty paragraph-mark properties docx-rs puts first in every `w:pPr`, where
/// the schema wants them last (before `w:jc` they would be out of order).
pub fn drop_empty_mark_properties(xml: &[u8]) -> Vec<u8> {
    replace_all(xml, b"<w:pPr><w:rPr />", b"<w:pPr>")
}

/// Run-property children in ECMA-376 order (EG_RPrBase), as far as this export uses them.
const RPR_ORDER: [&str; 9] = ["rStyle", "rFonts", "b", "bCs", "i", "iCs", "color", "sz", "szCs"];

fn rank(child: &[u8]) -> usize {
    let name_end = child.iter().position(|&b| b == b' ' || b == b'/' || b == b'>').unwrap_or(child.len());
    let name = std::str::from_utf8(&child[3..name_end]).unwrap_or("");
    RPR_ORDER.iter().position(|&n| n == name).unwrap_or(RPR_ORDER.len())
}

/// Sorts the children of every `<w:rPr>` made only of empty elements into schema order.
pub fn order_run_properties(xml: &[u8]) -> Vec<u8> {
    const OPEN: &[u8] = b"<w:rPr>";
    const CLOSE: &[u8] = b"</w:rPr>";
    let mut out = Vec::with_capacity(xml.len());
    let mut pos = 0;
    while let Some(open) = find(xml, OPEN, pos) {
        let inner_start = open + OPEN.len();
        let Some(close) = find(xml, CLOSE, inner_start) else {
            break;
        };
        out.extend_from_slice(&xml[pos..inner_start]);
        let inner = &xml[inner_start..close];
        match empty_children(inner) {
            Some(mut children) => {
                children.sort_by_key(|c| rank(c));
                children.iter().for_each(|c| out.extend_from_slice(c));
            }
            None => out.extend_from_slice(inner),
        }
        pos = close;
    }
    out.extend_from_slice(&xml[pos..]);
    out
}

/// `<w:a .../><w:b .../>` → its elements; `None` if any element has content.
fn empty_children(inner: &[u8]) -> Option<Vec<&[u8]>> {
    let mut children = Vec::new();
    let mut rest = inner;
    while !rest.is_empty() {
        if !rest.starts_with(b"<w:") {
            return None;
        }
        let end = find(rest, b">", 0)? + 1;
        if rest[end - 2] != b'/' {
            return None;
        }
        children.push(&rest[..end]);
        rest = &rest[end..];
    }
    Some(children)
}

fn replace_all(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut pos = 0;
    while let Some(at) = find(hay, from, pos) {
        out.extend_from_slice(&hay[pos..at]);
        out.extend_from_slice(to);
        pos = at + from.len();
    }
    out.extend_from_slice(&hay[pos..]);
    out
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &str = "@rows@";

    #[test]
    fn the_placeholder_row_is_cut_out_and_the_header_row_repeats() {
        let doc = "<w:tbl><w:tr><w:trPr><w:cantSplit /></w:trPr>H</w:tr><w:tr><w:tc>@rows@</w:tc></w:tr></w:tbl>";
        let (head, tail) = split_at_marker(doc.as_bytes(), MARKER).unwrap();
        let mut head = head.to_vec();
        mark_header_row(&mut head);
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "<w:tbl><w:tr><w:trPr><w:cantSplit /><w:tblHeader /></w:trPr>H</w:tr>"
        );
        assert_eq!(tail, b"</w:tbl>");
    }

    #[test]
    fn a_document_without_the_placeholder_is_an_error() {
        assert!(matches!(split_at_marker(b"<w:tbl></w:tbl>", MARKER), Err(ExportError::DocxTemplate)));
    }

    #[test]
    fn run_properties_come_out_in_schema_order() {
        let xml = br#"<w:r><w:rPr><w:sz w:val="44" /><w:szCs w:val="44" /><w:b /><w:bCs /><w:rFonts w:eastAsia="X" /></w:rPr><w:t>t</w:t></w:r><w:rPr /><w:rPr><w:ins><w:x /></w:ins><w:b /></w:rPr>"#;
        assert_eq!(
            String::from_utf8(order_run_properties(xml)).unwrap(),
            r#"<w:r><w:rPr><w:rFonts w:eastAsia="X" /><w:b /><w:bCs /><w:sz w:val="44" /><w:szCs w:val="44" /></w:rPr><w:t>t</w:t></w:r><w:rPr /><w:rPr><w:ins><w:x /></w:ins><w:b /></w:rPr>"#
        );
    }

    #[test]
    fn empty_mark_properties_are_dropped_so_jc_is_in_order() {
        let xml = br#"<w:p><w:pPr><w:rPr /><w:jc w:val="center" /></w:pPr></w:p>"#;
        assert_eq!(drop_empty_mark_properties(xml), br#"<w:p><w:pPr><w:jc w:val="center" /></w:pPr></w:p>"#);
    }
}

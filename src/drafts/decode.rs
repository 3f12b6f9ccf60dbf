//! Turning uploaded bytes into text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030.

use super::ImportError;
use encoding_rs::{Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};

/// Above this share of replacement or control characters, the bytes are not text.
const MAX_BAD_SHARE: f64 = 0.05;

/// Decodes `bytes` and names the encoding found ("UTF-8", "UTF-16LE", "UTF-16BE", "GB18030").
///
/// A byte-order mark decides; otherwise valid UTF-8 is UTF-8, and anything else is read as
/// GB18030 (a superset of GBK and GB2312). NUL bytes outside UTF-16, or a high share of control
/// characters or undecodable sequences in every candidate, mean the file is binary.
/// Empty or whitespace-only input is [`ImportError::Empty`].
pub fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    let (text, encoding) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => {
            let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
            (text.into_owned(), encoding)
        }
        None if bytes.contains(&0) => return Err(ImportError::Binary),
        None => decode_without_bom(bytes)?,
    };
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    if bad_share(&text) > MAX_BAD_SHARE {
        return Err(ImportError::Binary);
    }
    Ok((text, name(encoding)))
}

fn decode_without_bom(bytes: &[u8]) -> Result<(String, &'static Encoding), ImportError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), UTF_8));
    }
    if let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok((text.into_owned(), GB18030));
    }
    // Neither decodes cleanly: take the one that loses less, UTF-8 on a tie.
    let (utf8, _) = UTF_8.decode_without_bom_handling(bytes);
    let (gb, _) = GB18030.decode_without_bom_handling(bytes);
    if bad_share(&gb) < bad_share(&utf8) { Ok((gb.into_owned(), GB18030)) } else { Ok((utf8.into_owned(), UTF_8)) }
}

/// The share of characters that cannot be in a text document: replacement characters and
/// control characters other than tab, line breaks and form feed.
fn bad_share(text: &str) -> f64 {
    let (mut total, mut bad) = (0usize, 0usize);
    for c in text.chars() {
        total += 1;
        let control = c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}');
        if control || c == char::REPLACEMENT_CHARACTER {
            bad += 1;
        }
    }
    if total == 0 { 0.0 } else { bad as f64 / total as f64 }
}

fn name(encoding: &'static Encoding) -> &'static str {
    if encoding == UTF_16LE {
        "UTF-16LE"
    } else if encoding == UTF_16BE {
        "UTF-16BE"
    } else if encoding == GB18030 {
        "GB18030"
    } else {
        "UTF-8"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "一、总体要求\n1、指导思想。以新发展理念引领发展。\n";

    #[test]
    fn utf8_with_and_without_bom_decodes_to_the_same_text() {
        let plain = decode_text(SAMPLE.as_bytes()).expect("plain UTF-8");
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(SAMPLE.as_bytes());
        let bom = decode_text(&with_bom).expect("UTF-8 with BOM");
        assert_eq!(plain, (SAMPLE.to_string(), "UTF-8"));
        assert_eq!(bom, (SAMPLE.to_string(), "UTF-8"));
    }

    #[test]
    fn gbk_text_is_read_as_gb18030() {
        let (bytes, _, _) = encoding_rs::GBK.encode(SAMPLE);
        assert_eq!(decode_text(&bytes).expect("GBK"), (SAMPLE.to_string(), "GB18030"));
    }

    #[test]
    fn utf16_with_a_bom_is_read_in_either_byte_order() {
        let units: Vec<u16> = SAMPLE.encode_utf16().collect();
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in units {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        assert_eq!(decode_text(&le).expect("LE"), (SAMPLE.to_string(), "UTF-16LE"));
        assert_eq!(decode_text(&be).expect("BE"), (SAMPLE.to_string(), "UTF-16BE"));
    }

    #[test]
    fn empty_and_whitespace_only_files_are_empty() {
        assert_eq!(decode_text(b""), Err(ImportError::Empty));
        assert_eq!(decode_text(" \n\t\r\n".as_bytes()), Err(ImportError::Empty));
        assert_eq!(decode_text("\u{3000}\u{a0}\n".as_bytes()), Err(ImportError::Empty));
        assert_eq!(decode_text(b"\xEF\xBB\xBF"), Err(ImportError::Empty));
    }

    #[test]
    fn bytes_with_nul_or_mostly_control_characters_are_binary() {
        assert_eq!(decode_text(b"PNG\x00\x01\x02"), Err(ImportError::Binary));
        let controls: Vec<u8> = (1u8..=8).cycle().take(200).collect();
        assert_eq!(decode_text(&controls), Err(ImportError::Binary));
        let noise: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251 + 1) as u8).collect();
        assert_eq!(decode_text(&noise), Err(ImportError::Binary));
    }

    #[test]
    fn a_stray_invalid_byte_does_not_make_utf8_text_binary() {
        let mut bytes = SAMPLE.repeat(20).into_bytes();
        bytes.push(0xFF);
        let (text, encoding) = decode_text(&bytes).expect("mostly UTF-8");
        assert_eq!(encoding, "UTF-8");
        assert!(text.starts_with(SAMPLE));
    }
}

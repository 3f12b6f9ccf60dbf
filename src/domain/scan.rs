//! The kinds of file staff may attach to an opinion (a scanned letter), recognised by
//! their first bytes: a name ending in `.pdf` proves nothing.

/// A scanned letter's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    Pdf,
    Jpeg,
    Png,
}

impl ScanKind {
    pub const ALL: [ScanKind; 3] = [ScanKind::Pdf, ScanKind::Jpeg, ScanKind::Png];

    /// The format the bytes are in, if it is one of the accepted ones.
    pub fn sniff(bytes: &[u8]) -> Option<ScanKind> {
        // A PDF may have a few bytes of junk before its header; readers accept it
        // within the first kilobyte.
        let head = &bytes[..bytes.len().min(1024)];
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ScanKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ScanKind::Png)
        } else if head.windows(5).any(|w| w == b"%PDF-") {
            Some(ScanKind::Pdf)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ScanKind::Pdf => "application/pdf",
            ScanKind::Jpeg => "image/jpeg",
            ScanKind::Png => "image/png",
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<ScanKind> {
        ScanKind::ALL.into_iter().find(|k| k.content_type() == content_type)
    }

    pub fn extension(self) -> &'static str {
        match self {
            ScanKind::Pdf => "pdf",
            ScanKind::Jpeg => "jpg",
            ScanKind::Png => "png",
        }
    }
}

/// Shown when an attachment is neither a PDF nor a JPEG or PNG image.
pub const NOT_A_SCAN: &str = "附件只能是 PDF 文件或 JPEG、PNG 图片（按文件内容判断，不看扩展名）。";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_their_content_not_their_name() {
        assert_eq!(ScanKind::sniff(b"%PDF-1.4\n%\xe2\xe3"), Some(ScanKind::Pdf));
        assert_eq!(ScanKind::sniff(b"\xef\xbb\xbf%PDF-1.7"), Some(ScanKind::Pdf));
        assert_eq!(ScanKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(ScanKind::Jpeg));
        assert_eq!(ScanKind::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(ScanKind::Png));
        assert_eq!(ScanKind::sniff(b"MZ\x90\0\x03\0\0\0"), None, "a Windows program");
        assert_eq!(ScanKind::sniff(b"<html><script>"), None);
        assert_eq!(ScanKind::sniff(b""), None);
    }

    #[test]
    fn a_pdf_header_far_into_the_file_does_not_count() {
        let mut bytes = vec![b'x'; 2000];
        bytes.extend_from_slice(b"%PDF-1.4");
        assert_eq!(ScanKind::sniff(&bytes), None);
    }
}

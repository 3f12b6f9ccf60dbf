//! The kinds of file a version of a draft may be published with (材料), recognised by their
//! content: a name ending in `.pdf` proves nothing, and a Word or Excel file is a ZIP archive
//! that must hold the part its format requires.

use std::io::Cursor;

/// A material's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaterialKind {
    Pdf,
    Docx,
    Xlsx,
    Png,
    Jpeg,
}

impl MaterialKind {
    pub const ALL: [MaterialKind; 5] =
        [MaterialKind::Pdf, MaterialKind::Docx, MaterialKind::Xlsx, MaterialKind::Png, MaterialKind::Jpeg];

    /// The format the bytes are in, if it is one of the accepted ones.
    pub fn sniff(bytes: &[u8]) -> Option<MaterialKind> {
        let head = &bytes[..bytes.len().min(1024)];
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MaterialKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MaterialKind::Png)
        } else if head.windows(5).any(|w| w == b"%PDF-") {
            Some(MaterialKind::Pdf)
        } else if bytes.starts_with(b"PK\x03\x04") {
            let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
            let has = |name: &str| archive.index_for_name(name).is_some();
            if !has("[Content_Types].xml") {
                None
            } else if has("word/document.xml") {
                Some(MaterialKind::Docx)
            } else if has("xl/workbook.xml") {
                Some(MaterialKind::Xlsx)
            } else {
                None
            }
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            MaterialKind::Pdf => "application/pdf",
            MaterialKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            MaterialKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            MaterialKind::Png => "image/png",
            MaterialKind::Jpeg => "image/jpeg",
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<MaterialKind> {
        MaterialKind::ALL.into_iter().find(|k| k.content_type() == content_type)
    }

    pub fn extension(self) -> &'static str {
        match self {
            MaterialKind::Pdf => "pdf",
            MaterialKind::Docx => "docx",
            MaterialKind::Xlsx => "xlsx",
            MaterialKind::Png => "png",
            MaterialKind::Jpeg => "jpg",
        }
    }

    /// "PDF", "Word 文档", …
    pub fn label(self) -> &'static str {
        match self {
            MaterialKind::Pdf => "PDF",
            MaterialKind::Docx => "Word 文档",
            MaterialKind::Xlsx => "Excel 表格",
            MaterialKind::Png => "PNG 图片",
            MaterialKind::Jpeg => "JPEG 图片",
        }
    }
}

/// Shown when a material is none of the accepted formats.
pub const NOT_A_MATERIAL: &str =
    "材料只能是 PDF、Word（.docx）、Excel（.xlsx）文件或 PNG、JPEG 图片（按文件内容判断，不看扩展名）。";

/// "820 KB", "3.4 MB" (binary units, as file managers show them; never "0 KB").
pub fn human_size(bytes: i64) -> String {
    const MB: i64 = 1024 * 1024;
    if bytes < MB {
        format!("{} KB", ((bytes + 1023) / 1024).max(1))
    } else {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for name in names {
            out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(b"<x/>").unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn materials_are_recognised_by_their_content() {
        assert_eq!(MaterialKind::sniff(b"%PDF-1.7\n"), Some(MaterialKind::Pdf));
        assert_eq!(MaterialKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE1]), Some(MaterialKind::Jpeg));
        assert_eq!(MaterialKind::sniff(b"\x89PNG\r\n\x1a\n\0"), Some(MaterialKind::Png));
        let docx = zip_with(&["[Content_Types].xml", "word/document.xml"]);
        assert_eq!(MaterialKind::sniff(&docx), Some(MaterialKind::Docx));
        let xlsx = zip_with(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(MaterialKind::sniff(&xlsx), Some(MaterialKind::Xlsx));
    }

    #[test]
    fn other_files_are_refused_whatever_their_name() {
        assert_eq!(MaterialKind::sniff(b"<!DOCTYPE html><script>alert(1)</script>"), None);
        assert_eq!(MaterialKind::sniff(b"MZ\x90\0"), None);
        assert_eq!(MaterialKind::sniff(&zip_with(&["evil.js"])), None, "a plain ZIP archive");
        assert_eq!(MaterialKind::sniff(b"PK\x03\x04broken"), None);
        assert_eq!(MaterialKind::sniff(b""), None);
    }

    #[test]
    fn sizes_read_in_kilobytes_or_megabytes() {
        assert_eq!(human_size(10), "1 KB");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(1024 * 1024), "1.0 MB");
        assert_eq!(human_size(3 * 1024 * 1024 + 512 * 1024), "3.5 MB");
    }
}

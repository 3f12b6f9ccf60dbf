//! The file formats an adoption table can be exported in.

use std::fmt;
use std::str::FromStr;

use super::ExportError;

/// An export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Xlsx,
    Docx,
    Json,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Csv, Format::Xlsx, Format::Docx, Format::Json];

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
            Format::Json => "json",
        }
    }

    /// The MIME type for a `Content-Type` header.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Json => "application/json",
        }
    }
}

impl FromStr for Format {
    type Err = ExportError;

    /// Accepts the extension, in any case, with or without a leading dot.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key = s.trim().trim_start_matches('.').to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.extension() == key)
            .ok_or_else(|| ExportError::UnknownFormat(s.trim().to_owned()))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_from_their_extension_in_any_case() {
        for f in Format::ALL {
            assert_eq!(f.extension().parse::<Format>().unwrap(), f);
        }
        assert_eq!(" .XLSX ".parse::<Format>().unwrap(), Format::Xlsx);
    }

    #[test]
    fn an_unknown_format_is_refused_with_a_chinese_message() {
        let err = "pdf".parse::<Format>().unwrap_err();
        assert_eq!(err.to_string(), "不支持的导出格式：pdf（可选 csv、xlsx、docx、json）");
    }

    #[test]
    fn office_formats_have_their_openxml_mime_types() {
        assert!(Format::Xlsx.mime_type().ends_with("spreadsheetml.sheet"));
        assert!(Format::Docx.mime_type().ends_with("wordprocessingml.document"));
        assert!(Format::Csv.mime_type().starts_with("text/csv"));
    }
}

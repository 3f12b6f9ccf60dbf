//! Uploading a consultation's draft: a .txt, .md or .docx file split into numbered sections and
//! stored as the consultation's current version (the staff form and the staff API alike).

use actix_web::web;
use chrono::Utc;

use crate::db;
use crate::domain::consultation::VersionLabel;
use crate::domain::ids::DraftId;
use crate::drafts;
use crate::error::AppError;
use crate::models::draft::DraftSource;
use crate::models::{Consultation, Draft};
use crate::state::AppState;

/// A draft file as sent.
pub struct UploadDraft {
    /// The name as the client sent it (a browser may send a path).
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub version: VersionLabel,
    /// One section per paragraph instead of by headings (for a draft without numbering).
    pub by_paragraphs: bool,
}

/// What the upload made.
pub struct UploadedDraft {
    pub draft: DraftId,
    /// The file's own name.
    pub file_name: String,
    pub sections: usize,
    /// Whether a notice was found in front of the draft, and a 目录; neither became a section.
    pub notice: bool,
    pub toc: bool,
}

/// Why an upload stored nothing.
pub enum DraftRefused {
    /// The file could not be read as a draft: the message says why, in Chinese.
    Unreadable(String),
    Error(AppError),
}

impl From<AppError> for DraftRefused {
    fn from(err: AppError) -> DraftRefused {
        DraftRefused::Error(err)
    }
}

/// The file's own name, without any folder a browser may have sent with it.
pub fn base_name(file_name: &str) -> String {
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    name.chars().take(200).collect()
}

/// Imports `upload` (on a blocking thread: a large .docx takes a while) and stores it as the
/// current version of `consultation`'s draft.
pub async fn upload(
    state: &AppState,
    consultation: &Consultation,
    upload: UploadDraft,
) -> Result<UploadedDraft, DraftRefused> {
    let file_name = base_name(&upload.file_name);
    let (bytes, name, by_paragraph) = (upload.bytes, file_name.clone(), upload.by_paragraphs);
    let import = move || drafts::import(&bytes, &name).map(|d| if by_paragraph { drafts::by_paragraphs(d) } else { d });
    let imported = match web::block(import).await.map_err(AppError::internal)? {
        Ok(imported) => imported,
        Err(err) => return Err(DraftRefused::Unreadable(format!("无法导入“{file_name}”：{err}"))),
    };
    let (id, version) = (consultation.id, upload.version);
    let (sections, notice, toc) = (imported.sections.len(), imported.notice.is_some(), imported.toc.is_some());
    let title = imported.title.clone().unwrap_or_else(|| consultation.title.clone());
    let now = Utc::now().naive_utc();
    let stored_name = file_name.clone();
    let draft = db::run(&state.pool, move |conn| {
        let source = DraftSource {
            version_label: version.label(),
            title: &title,
            file_name: &stored_name,
            announce_notice: false,
        };
        Draft::create(conn, id, &source, &imported, now)
    })
    .await?;
    state.pages.forget_all();
    Ok(UploadedDraft { draft, file_name, sections, notice, toc })
}

#[cfg(test)]
mod tests {
    use super::base_name;

    #[test]
    fn only_the_file_name_is_kept_from_an_uploaded_path() {
        assert_eq!(base_name("C:\\Users\\张三\\草案.docx"), "草案.docx");
        assert_eq!(base_name("/tmp/draft.txt"), "draft.txt");
        assert_eq!(base_name("draft.md"), "draft.md");
    }
}

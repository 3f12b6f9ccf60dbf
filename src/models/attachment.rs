//! Scanned letters attached to opinions entered by staff: the file lives in the upload
//! directory under a random name (never under the web root), the row records it.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::Conn;
use crate::db::schema::attachments;
use crate::domain::ids::{AttachmentId, ConsultationId};
use crate::domain::scan::ScanKind;

/// The sub-folder of the upload directory that holds scanned letters.
const FOLDER: &str = "attachments";

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = attachments)]
pub struct Attachment {
    pub id: AttachmentId,
    pub consultation_id: ConsultationId,
    /// The name it was uploaded with, shown to staff and offered when downloading.
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i32,
    /// The random name it is stored under.
    pub stored_name: String,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

impl Attachment {
    /// Where staff open attachment `id` (only those who manage its consultation may).
    pub fn url(id: AttachmentId) -> String {
        format!("/staff/attachments/{id}")
    }

    pub fn find(conn: &mut Conn, id: AttachmentId) -> QueryResult<Attachment> {
        attachments::table.find(id).select(Attachment::as_select()).first(conn)
    }

    /// Attachment `id`, if it belongs to `consultation`.
    pub fn find_in(conn: &mut Conn, consultation: ConsultationId, id: AttachmentId) -> QueryResult<Attachment> {
        attachments::table
            .filter(attachments::id.eq(id))
            .filter(attachments::consultation_id.eq(consultation))
            .select(Attachment::as_select())
            .first(conn)
    }

    pub fn path(&self, upload_dir: &Path) -> PathBuf {
        upload_dir.join(FOLDER).join(&self.stored_name)
    }

    /// The format recorded when it was stored (always one of the accepted ones).
    pub fn kind(&self) -> Option<ScanKind> {
        ScanKind::from_content_type(&self.content_type)
    }

    /// "扫描件.pdf（PDF，120 KB）"
    pub fn describe(&self) -> String {
        let kb = (i64::from(self.size_bytes) + 1023) / 1024;
        let kind = self.kind().map_or("文件", |k| match k {
            ScanKind::Pdf => "PDF",
            ScanKind::Jpeg => "JPEG 图片",
            ScanKind::Png => "PNG 图片",
        });
        format!("{}（{kind}，{kb} KB）", self.file_name)
    }
}

/// A file written to the upload directory and not yet recorded: record it with
/// [`StoredFile::insert`] in the transaction that uses it, or [`StoredFile::discard`] it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub file_name: String,
    pub kind: ScanKind,
    pub size_bytes: i32,
    pub stored_name: String,
    pub sha256: String,
    path: PathBuf,
}

impl StoredFile {
    /// Writes `bytes` (already recognised as `kind`) under a new random name, readable
    /// by the service's own user only.
    pub fn write(upload_dir: &Path, file_name: &str, kind: ScanKind, bytes: &[u8]) -> std::io::Result<StoredFile> {
        let folder = upload_dir.join(FOLDER);
        std::fs::create_dir_all(&folder)?;
        let stored_name = format!("{}.{}", hex::encode(rand::random::<[u8; 16]>()), kind.extension());
        let path = folder.join(&stored_name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        Ok(StoredFile {
            file_name: file_name.to_owned(),
            kind,
            size_bytes: i32::try_from(bytes.len()).unwrap_or(i32::MAX),
            stored_name,
            sha256: hex::encode(Sha256::digest(bytes)),
            path,
        })
    }

    /// Records the file for `consultation`, in the caller's transaction.
    pub fn insert(
        &self,
        conn: &mut Conn,
        consultation: ConsultationId,
        now: NaiveDateTime,
    ) -> QueryResult<AttachmentId> {
        crate::insert_returning!(
            conn,
            attachments::table,
            (
                attachments::consultation_id.eq(consultation),
                attachments::file_name.eq(&self.file_name),
                attachments::content_type.eq(self.kind.content_type()),
                attachments::size_bytes.eq(self.size_bytes),
                attachments::stored_name.eq(&self.stored_name),
                attachments::sha256.eq(&self.sha256),
                attachments::created_at.eq(now),
            ),
            attachments::id
        )
    }

    /// Removes the file when the write that was to record it failed.
    pub fn discard(self) {
        if let Err(err) = std::fs::remove_file(&self.path) {
            tracing::warn!(error = %err, file = %self.stored_name, "could not remove an unrecorded upload");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_file_gets_a_random_name_and_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let a = StoredFile::write(dir.path(), "来函.pdf", ScanKind::Pdf, b"%PDF-1.4 a").unwrap();
        let b = StoredFile::write(dir.path(), "来函.pdf", ScanKind::Pdf, b"%PDF-1.4 a").unwrap();
        assert_ne!(a.stored_name, b.stored_name);
        assert!(a.stored_name.ends_with(".pdf") && !a.stored_name.contains("来函"));
        assert_eq!(a.sha256, hex::encode(Sha256::digest(b"%PDF-1.4 a")));
        assert_eq!(std::fs::read(dir.path().join("attachments").join(&a.stored_name)).unwrap(), b"%PDF-1.4 a");
        let path = a.path.clone();
        a.discard();
        assert!(!path.exists());
    }
}

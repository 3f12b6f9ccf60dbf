//! Files published with a version of a draft (材料): the file lives in the upload directory under
//! a random name (never under the web root), the row records what it is and how it was named.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::Conn;
use crate::db::schema::{drafts, version_materials};
use crate::domain::ids::{ConsultationId, DraftId, MaterialId};
use crate::domain::material::MaterialKind;

/// The sub-folder of the upload directory that holds materials.
const FOLDER: &str = "materials";

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = version_materials)]
pub struct Material {
    pub id: MaterialId,
    pub draft_id: DraftId,
    /// The name it was uploaded with, offered when downloading.
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i32,
    /// The random name it is stored under.
    pub stored_name: String,
    pub sha256: String,
    pub created_at: NaiveDateTime,
}

impl Material {
    /// Where anyone downloads material `id` of consultation `consultation`.
    pub fn url(consultation: ConsultationId, id: MaterialId) -> String {
        format!("/consultations/{consultation}/materials/{id}")
    }

    /// The materials of a version, oldest first.
    pub fn for_draft(conn: &mut Conn, draft: DraftId) -> QueryResult<Vec<Material>> {
        version_materials::table
            .filter(version_materials::draft_id.eq(draft))
            .order(version_materials::id.asc())
            .select(Material::as_select())
            .load(conn)
    }

    /// Material `id`, if it belongs to a saved (not pending) version of `consultation`.
    pub fn find_in(conn: &mut Conn, consultation: ConsultationId, id: MaterialId) -> QueryResult<Material> {
        version_materials::table
            .inner_join(drafts::table)
            .filter(version_materials::id.eq(id))
            .filter(drafts::consultation_id.eq(consultation))
            .filter(drafts::pending.eq(false))
            .select(Material::as_select())
            .first(conn)
    }

    /// Removes the row (the caller removes the file once this is committed).
    pub fn delete(conn: &mut Conn, id: MaterialId) -> QueryResult<usize> {
        diesel::delete(version_materials::table.find(id)).execute(conn)
    }

    pub fn path(&self, upload_dir: &Path) -> PathBuf {
        upload_dir.join(FOLDER).join(&self.stored_name)
    }

    pub fn kind(&self) -> Option<MaterialKind> {
        MaterialKind::from_content_type(&self.content_type)
    }

    /// Writes `bytes` (already recognised as `kind`) under a new random name, readable by the
    /// service's own user only, and records it for `draft`; the file is removed if recording fails.
    pub fn store(
        conn: &mut Conn,
        upload_dir: &Path,
        draft: DraftId,
        file_name: &str,
        kind: MaterialKind,
        bytes: &[u8],
        now: NaiveDateTime,
    ) -> Result<MaterialId, crate::error::AppError> {
        let folder = upload_dir.join(FOLDER);
        std::fs::create_dir_all(&folder).map_err(crate::error::AppError::internal)?;
        let stored_name = format!("{}.{}", hex::encode(rand::random::<[u8; 16]>()), kind.extension());
        let path = folder.join(&stored_name);
        let write = || -> std::io::Result<()> {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&path)?;
            file.write_all(bytes)?;
            file.sync_all()
        };
        write().map_err(crate::error::AppError::internal)?;
        let inserted = crate::insert_returning!(
            conn,
            version_materials::table,
            (
                version_materials::draft_id.eq(draft),
                version_materials::file_name.eq(file_name),
                version_materials::content_type.eq(kind.content_type()),
                version_materials::size_bytes.eq(i32::try_from(bytes.len()).unwrap_or(i32::MAX)),
                version_materials::stored_name.eq(&stored_name),
                version_materials::sha256.eq(hex::encode(Sha256::digest(bytes))),
                version_materials::created_at.eq(now),
            ),
            version_materials::id
        );
        match inserted {
            Ok(id) => Ok(id),
            Err(err) => {
                let _ = std::fs::remove_file(&path);
                Err(err.into())
            }
        }
    }
}

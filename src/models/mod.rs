//! Rows and queries: a module per table (its row struct, insert form and queries) and
//! the read models that join several for one page or export (`review`, `adoption_table`,
//! `feedback` counts, `offline` listings, `search`). No workflows: a write that spans
//! tables and rules is a use case in `services/`.

pub mod adoption_table;
pub mod agency;
pub mod api_token;
pub mod attachment;
pub mod audit;
pub mod consultation;
pub mod consultation_index;
pub mod decision;
pub mod decision_count;
pub mod department;
pub mod draft;
pub mod feedback;
pub mod invitation;
pub mod listing;
pub mod material;
pub mod offline;
pub mod open_data;
pub mod opinion;
pub mod opinion_count;
pub mod opinion_day;
pub mod opinion_signature;
pub mod opinion_versions;
pub mod outbox;
pub mod question_answer;
pub mod review;
pub mod round;
pub mod search;
pub mod staff_session;
pub mod taken_up;
pub mod user;
pub mod version;

pub use consultation::{Consultation, NewConsultation};
pub use draft::{Draft, Section};
pub use opinion::Opinion;
pub use user::{NewUser, User};

use crate::db::Conn;

/// Applies pending migrations and the data tasks they leave (indexing the text of
/// opinions stored before the search index existed); returns the versions applied.
pub fn migrate(conn: &mut Conn) -> anyhow::Result<Vec<String>> {
    crate::db::run_migrations(conn, |conn| {
        let indexed = search::backfill_if_pending(conn, |done, total| {
            if done % 20_000 < 1000 {
                tracing::info!(done, total, "indexing the text of stored opinions for search");
            }
        })?;
        if indexed > 0 {
            tracing::info!(indexed, "indexed the text of stored opinions for search");
        }
        let consultations = consultation_index::backfill_if_pending(conn)?;
        if consultations > 0 {
            tracing::info!(consultations, "indexed the text of stored consultations for the public list");
        }
        Ok(())
    })
}

/// `INSERT … RETURNING`, which diesel cannot build on the multi-backend connection.
#[macro_export]
macro_rules! insert_returning {
    ($conn:expr, $table:expr, $values:expr, $returning:expr) => {
        $crate::on_inner!($conn, c => diesel::insert_into($table).values($values).returning($returning).get_result(c))
    };
}

/// A multi-row `INSERT`, which diesel cannot build on the multi-backend connection.
#[macro_export]
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $values:expr) => {
        $crate::on_inner!($conn, c => diesel::insert_into($table).values($values).execute(c))
    };
}

//! The database a `DATABASE_URL` names: SQLite (a file) or PostgreSQL, and how it is
//! shown in logs without its password.

use std::fmt;
use std::path::PathBuf;

/// Which database a URL or a connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed `DATABASE_URL`.
#[derive(Clone)]
pub struct DbUrl {
    backend: Backend,
    target: String,
}

impl DbUrl {
    /// `postgres://…` / `postgresql://…` name PostgreSQL; `sqlite://path`, `sqlite:path`
    /// or a plain file path name an SQLite file.
    pub fn parse(raw: &str) -> anyhow::Result<DbUrl> {
        let raw = raw.trim();
        if raw.is_empty() {
            anyhow::bail!("DATABASE_URL is empty");
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DbUrl { backend: Backend::Postgres, target: raw.to_owned() });
        }
        if let Some((scheme, _)) = raw.split_once("://")
            && scheme != "sqlite"
        {
            anyhow::bail!("DATABASE_URL scheme `{scheme}` is not supported: use postgres:// or an SQLite file path");
        }
        let path = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")).unwrap_or(raw);
        Ok(DbUrl { backend: Backend::Sqlite, target: path.to_owned() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        (self.backend == Backend::Sqlite).then(|| PathBuf::from(&self.target))
    }

    /// The URL as given (it may hold a password: do not log it, log `self` instead).
    pub fn as_str(&self) -> &str {
        &self.target
    }
}

/// Shows the URL with any password replaced, for logs and messages.
impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.backend {
            Backend::Sqlite => write!(f, "SQLite file {}", self.target),
            Backend::Postgres => {
                let shown = match (self.target.find("://"), self.target.rfind('@')) {
                    (Some(scheme_end), Some(at)) if at > scheme_end => {
                        let userinfo = &self.target[scheme_end + 3..at];
                        let user = userinfo.split(':').next().unwrap_or("");
                        let masked = if userinfo.contains(':') { format!("{user}:***") } else { user.to_owned() };
                        format!("{}{}{}", &self.target[..scheme_end + 3], masked, &self.target[at..])
                    }
                    _ => self.target.clone(),
                };
                write!(f, "PostgreSQL {shown}")
            }
        }
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_names_postgres_and_hides_its_password() {
        let url = DbUrl::parse("postgres://zq:secret@db.example:5432/zq").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
        assert_eq!(url.to_string(), "PostgreSQL postgres://zq:***@db.example:5432/zq");
    }

    #[test]
    fn sqlite_urls_and_plain_paths_name_an_sqlite_file() {
        for raw in ["sqlite://data/z.db", "sqlite:data/z.db", "data/z.db"] {
            let url = DbUrl::parse(raw).unwrap();
            assert_eq!(url.sqlite_path(), Some(PathBuf::from("data/z.db")), "{raw}");
        }
    }

    #[test]
    fn an_unknown_scheme_is_refused_with_a_reason() {
        let err = DbUrl::parse("mysql://localhost/z").unwrap_err().to_string();
        assert!(err.contains("mysql"), "{err}");
    }
}

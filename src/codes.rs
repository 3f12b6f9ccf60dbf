//! Value enums stored as text: each variant's code is written once, where the enum is
//! declared, and diesel reads and writes the enum itself, so a model field or a filter
//! takes the enum and a misspelt code cannot compile.

/// Implements, for a fieldless enum that derives `diesel::AsExpression` and
/// `diesel::FromSqlRow` with `#[diesel(sql_type = diesel::sql_types::Text)]`:
/// `ALL`, `code()`, `from_code()`, and diesel's `ToSql`/`FromSql` for `Text` on every
/// backend. A code the enum does not know, read from the database, is an error.
#[macro_export]
macro_rules! stored_as_text {
    ($name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value stored in the database.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The variant stored as `code`.
            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.code().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let code = String::from_sql(bytes)?;
                $name::from_code(&code)
                    .ok_or_else(|| format!("unknown {} code {code:?} in the database", stringify!($name)).into())
            }
        }
    };
}

//! Typed ids, so a section id cannot be passed where a consultation id is meant.

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Integer)]
        #[serde(transparent)]
        pub struct $name(pub i32);

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Integer, DB> for $name
        where
            DB: diesel::backend::Backend,
            i32: diesel::serialize::ToSql<diesel::sql_types::Integer, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Integer, DB> for $name
        where
            DB: diesel::backend::Backend,
            i32: diesel::deserialize::FromSql<diesel::sql_types::Integer, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                i32::from_sql(bytes).map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

id_type!(
    /// An agency (单位) that runs consultations.
    AgencyId
);
id_type!(
    /// A consultation (意见征集).
    ConsultationId
);
id_type!(
    /// One version of a consultation's draft.
    DraftId
);
id_type!(
    /// A file published with a version of a draft (材料).
    MaterialId
);
id_type!(
    /// A section of a draft.
    SectionId
);
id_type!(
    /// An opinion (意见), from any source.
    OpinionId
);
id_type!(
    /// A queued e-mail.
    OutboxId
);
id_type!(
    /// A staff account (administrator or drafter).
    UserId
);
id_type!(
    /// A department in the directory.
    DepartmentId
);
id_type!(
    /// A department's invitation to comment on one consultation.
    InvitationId
);
id_type!(
    /// An API token of the staff API, scoped to one agency.
    ApiTokenId
);
id_type!(
    /// A scanned letter or other file attached to opinions entered by staff.
    AttachmentId
);

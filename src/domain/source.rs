//! Where an opinion came from (公众 / 部门 / 线下) and how it reached the drafters.

/// Who an opinion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Source {
    Public,
    Department,
    Offline,
}

crate::stored_as_text!(Source { Public => "public", Department => "department", Offline => "offline" });

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Public => "公众",
            Source::Department => "部门",
            Source::Offline => "线下收集",
        }
    }
}

/// How an opinion reached the drafters; the label is what tables print in 备注.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Channel {
    Online,
    DepartmentLink,
    Letter,
    Fax,
    Email,
    Meeting,
    Phone,
    Other,
}

crate::stored_as_text!(Channel {
    Online => "online",
    DepartmentLink => "department_link",
    Letter => "letter",
    Fax => "fax",
    Email => "email",
    Meeting => "meeting",
    Phone => "phone",
    Other => "other",
});

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Channel::Online => "平台反馈",
            Channel::DepartmentLink => "书面反馈",
            Channel::Letter => "信函",
            Channel::Fax => "传真",
            Channel::Email => "电子邮件",
            Channel::Meeting => "座谈会",
            Channel::Phone => "电话",
            Channel::Other => "其他",
        }
    }
}

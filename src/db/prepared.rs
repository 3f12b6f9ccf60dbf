//! SQL written out by hand that PostgreSQL parses and plans once per connection. A
//! `diesel::sql_query` statement is sent unnamed, so PostgreSQL parses, analyses and plans
//! it on every run; for the statements a batch of opinions runs every few milliseconds that
//! was a tenth of the database's time. A [`prepared`] statement is kept in the connection's
//! statement cache, keyed by its text and the types of its binds, like the statements diesel
//! builds itself. Its text must therefore be fixed (`&'static str`): values go in binds,
//! and a statement for any number of rows binds arrays (`unnest`).

use std::marker::PhantomData;

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, Untyped};

/// A statement of fixed text, kept prepared (see the module's note). Its placeholders are
/// written `$1`, `$2`, … (a `$` and digits, so the text holds no other such `$`); bind their
/// values in order with [`Prepared::bind`], then run it as any diesel query (`execute`,
/// `load` into `QueryableByName` rows).
pub struct Prepared<'f> {
    sql: &'static str,
    binds: Vec<Box<dyn QueryFragment<Pg> + Send + 'f>>,
}

/// A statement of fixed text, kept prepared on the connection (PostgreSQL).
pub fn prepared<'f>(sql: &'static str) -> Prepared<'f> {
    Prepared { sql, binds: Vec::new() }
}

impl<'f> Prepared<'f> {
    /// Binds the value of the statement's next placeholder (`$1`, `$2`, … in order).
    pub fn bind<ST, V>(mut self, value: V) -> Self
    where
        Pg: HasSqlType<ST>,
        V: ToSql<ST, Pg> + Send + 'f,
        ST: Send + 'f,
    {
        self.binds.push(Box::new(Bind { value, sql_type: PhantomData::<ST> }));
        self
    }
}

/// Written out, the text with each placeholder replaced by its bind (diesel numbers them
/// again as it goes, so a placeholder used twice binds its value twice). Unlike
/// `sql_query`, which calls every statement unsafe to cache because its text may be built
/// at run time, nothing here is: the cache keys the statement by its text and bind types.
impl QueryFragment<Pg> for Prepared<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        let mut rest = self.sql;
        while let Some(at) = rest.find('$') {
            let digits = rest[at + 1..].bytes().take_while(u8::is_ascii_digit).count();
            let number: usize = rest[at + 1..at + 1 + digits].parse().unwrap_or(0);
            let bind = number.checked_sub(1).and_then(|n| self.binds.get(n)).ok_or_else(|| {
                diesel::result::Error::QueryBuilderError(format!("${number} has no value bound: {}", self.sql).into())
            })?;
            out.push_sql(&rest[..at]);
            bind.walk_ast(out.reborrow())?;
            rest = &rest[at + 1 + digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

impl QueryId for Prepared<'_> {
    type QueryId = ();
    // No type tells two texts apart: the cache keys the statement by its text instead.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared<'_> {
    type SqlType = Untyped;
}

impl RunQueryDsl<diesel::PgConnection> for Prepared<'_> {}

/// One bound value of SQL type `ST`.
struct Bind<ST, V> {
    value: V,
    sql_type: PhantomData<ST>,
}

impl<ST, V> QueryFragment<Pg> for Bind<ST, V>
where
    Pg: HasSqlType<ST>,
    V: ToSql<ST, Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        out.push_bind_param::<ST, V>(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::{Array, Integer};

    use super::*;

    #[derive(QueryableByName)]
    struct Prepares {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    /// How many statements the session has prepared.
    fn prepared_statements(c: &mut diesel::PgConnection) -> i64 {
        diesel::sql_query("SELECT COUNT(*) AS n FROM pg_prepared_statements").get_result::<Prepares>(c).unwrap().n
    }

    #[test]
    fn a_statement_run_twice_is_prepared_once_and_answers_each_run_from_its_own_binds() {
        // Run by `.ci/run` with the PostgreSQL it starts; a plain `cargo test` has none.
        let Ok(url) = std::env::var("ZHENGQIU_TEST_DATABASE_URL") else {
            eprintln!("skipped: ZHENGQIU_TEST_DATABASE_URL names no PostgreSQL server");
            return;
        };
        let mut c = diesel::PgConnection::establish(&url).unwrap();
        #[derive(QueryableByName)]
        struct Sum {
            #[diesel(sql_type = Integer)]
            total: i32,
        }
        let sum = |c: &mut diesel::PgConnection, values: Vec<i32>| {
            // $1 twice: the statement binds its value twice.
            prepared(
                "SELECT (COALESCE(SUM(v), 0) + cardinality($1::integer[]) * $2)::integer AS total \
                 FROM unnest($1::integer[]) AS v",
            )
            .bind::<Array<Integer>, _>(values)
            .bind::<Integer, _>(100)
            .get_result::<Sum>(c)
            .unwrap()
            .total
        };
        let before = prepared_statements(&mut c);
        assert_eq!(sum(&mut c, vec![1, 2, 3]), 306);
        assert_eq!(prepared_statements(&mut c), before + 1);
        assert_eq!(sum(&mut c, vec![10; 7]), 770);
        assert_eq!(sum(&mut c, vec![]), 0);
        assert_eq!(prepared_statements(&mut c), before + 1, "the second and third runs reuse the first's statement");
        let unbound = prepared("SELECT $1::integer AS total").execute(&mut c).unwrap_err();
        assert!(unbound.to_string().contains("$1 has no value bound"), "{unbound}");
    }
}

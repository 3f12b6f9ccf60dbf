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

/// Runs `statements` as one statement, one round trip: each becomes a part of one `WITH`.
/// PostgreSQL runs every data-modifying part to its end, the last written first, and checks
/// foreign keys once all have run, so one part may insert rows that refer to rows another
/// part inserts; no two parts may change the same row. The parts are written in reverse, so
/// that they run in the order given: a batch's counters, the rows other batches wait for,
/// are then locked only at the end. The text depends only on which statements come, so it
/// stays prepared too.
pub fn run_together(conn: &mut super::Conn, statements: Vec<Prepared<'_>>) -> diesel::QueryResult<()> {
    match (statements.is_empty(), conn) {
        (true, _) => Ok(()),
        (false, super::Conn::Postgres(c)) => Together(statements).execute(c).map(|_| ()),
        (false, super::Conn::Sqlite(_)) => {
            Err(diesel::result::Error::QueryBuilderError("PostgreSQL's statements were given to SQLite".into()))
        }
    }
}

/// Statements sent as the parts of one `WITH`: see [`run_together`].
struct Together<'f>(Vec<Prepared<'f>>);

impl QueryFragment<Pg> for Together<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        if let [one] = self.0.as_slice() {
            return one.walk_ast(out);
        }
        out.push_sql("WITH ");
        for (n, statement) in self.0.iter().enumerate().rev() {
            let comma = if n + 1 < self.0.len() { ", " } else { "" };
            out.push_sql(&format!("{comma}part{n} AS ("));
            statement.walk_ast(out.reborrow())?;
            out.push_sql(")");
        }
        out.push_sql(" SELECT 1");
        Ok(())
    }
}

impl QueryId for Together<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl RunQueryDsl<diesel::PgConnection> for Together<'_> {}

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
    use diesel::sql_types::{Array, Integer, Text};

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

    /// A connection to the test server. `.ci/run` runs these tests with the PostgreSQL it
    /// starts; a plain `cargo test` has none, and they are skipped.
    fn server() -> Option<diesel::PgConnection> {
        let Ok(url) = std::env::var("ZHENGQIU_TEST_DATABASE_URL") else {
            eprintln!("skipped: ZHENGQIU_TEST_DATABASE_URL names no PostgreSQL server");
            return None;
        };
        Some(diesel::PgConnection::establish(&url).unwrap())
    }

    #[test]
    fn statements_run_together_run_in_the_order_given_and_may_refer_to_each_others_rows() {
        use diesel::connection::SimpleConnection;
        let Some(c) = server() else { return };
        let mut conn = crate::db::Conn::Postgres(c);
        conn.batch_execute(
            "CREATE TEMP TABLE parents (id SERIAL PRIMARY KEY, tag TEXT NOT NULL); \
             CREATE TEMP TABLE children (parent_id INTEGER NOT NULL REFERENCES parents (id), tag TEXT NOT NULL)",
        )
        .unwrap();
        let parent = |tag: &'static str| {
            prepared("INSERT INTO parents (id, tag) VALUES (nextval('parents_id_seq'), $1)").bind::<Text, _>(tag)
        };
        // The child refers to a parent inserted by a part written after it.
        let child = prepared("INSERT INTO children (parent_id, tag) SELECT id, $1 FROM parents WHERE tag = 'first'")
            .bind::<Text, _>("of an earlier part");
        let later_parent =
            prepared("INSERT INTO children (parent_id, tag) VALUES (currval('parents_id_seq') + 1, 'of a later part')");
        run_together(&mut conn, vec![parent("first"), parent("second"), later_parent, parent("third")]).unwrap();
        run_together(&mut conn, vec![child]).unwrap();
        #[derive(QueryableByName)]
        struct Tag {
            #[diesel(sql_type = Text)]
            tag: String,
        }
        let crate::db::Conn::Postgres(c) = &mut conn else { unreachable!() };
        let tags: Vec<String> = diesel::sql_query("SELECT tag FROM parents ORDER BY id")
            .load::<Tag>(c)
            .unwrap()
            .into_iter()
            .map(|t| t.tag)
            .collect();
        assert_eq!(tags, ["first", "second", "third"]);
        let children: Vec<String> = diesel::sql_query(
            "SELECT parents.tag || ' ' || children.tag AS tag FROM children JOIN parents ON parents.id = parent_id \
             ORDER BY 1",
        )
        .load::<Tag>(c)
        .unwrap()
        .into_iter()
        .map(|t| t.tag)
        .collect();
        assert_eq!(children, ["first of an earlier part", "third of a later part"]);
    }

    #[test]
    fn a_statement_run_twice_is_prepared_once_and_answers_each_run_from_its_own_binds() {
        let Some(mut c) = server() else { return };
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

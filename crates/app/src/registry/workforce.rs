//! The work force's periods (`workforce_spans`, migration m0010): for each person, the days on
//! which they hold a post in an existing social-domain organisation, merged so that one person's
//! periods never overlap. The whole district's `workforce.count` on a date is then the number of
//! periods covering that date — no grouping of 10⁶ posts by person at request time.
//!
//! The periods are derived from the records and rewritten in the same transaction as every change
//! they depend on (posts, an org's dates or sector, a sector's social-domain flag, a merge of two
//! people), so they are never stale. Every such write path calls [`lock`] when its transaction
//! begins and [`refresh`] with the people whose periods it may have changed after its writes;
//! `qingtuan check` compares the table with a rebuild from the records.

use chrono::NaiveDate;
use qingtuan_domain::ids::PersonId;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Set, Statement};

use crate::error::AppResult;

/// The people whose periods a change may have altered.
#[derive(Debug, Clone)]
pub enum Affected {
    /// These people (posts added, ended or moved between them).
    People(Vec<i64>),
    /// Everyone holding or having held a post in these orgs (their dates or sector changed).
    PostsIn(Vec<i64>),
    /// Everyone with a post in an org of this sector (its social-domain flag changed).
    Sector(i64),
    /// Everyone (after a migration or a bulk load).
    Everyone,
}

/// The most ids written into one statement.
const CHUNK: usize = 1000;

/// Beyond this many people, one statement rewriting everyone is cheaper than a statement per
/// [`CHUNK`] (at 1,500,000 posts: a full rewrite takes 3–6 s, a chunk 10–70 ms).
const BULK: usize = 50 * CHUNK;

/// An end date later than any real one, standing for "still open" while periods are merged.
const FOREVER: &str = "9999-12-31";

fn ids(list: &[i64]) -> String {
    list.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

/// The person filter of each statement for `affected`, split so no statement carries more than
/// [`CHUNK`] ids. Ids are integers, written as literals.
fn person_filters(affected: &Affected) -> Vec<String> {
    match affected {
        Affected::People(people) => people.chunks(CHUNK).map(|c| format!("person_id IN ({})", ids(c))).collect(),
        Affected::PostsIn(orgs) => orgs
            .chunks(CHUNK)
            .map(|c| format!("person_id IN (SELECT person_id FROM positions WHERE org_id IN ({}))", ids(c)))
            .collect(),
        Affected::Sector(sector) => vec![format!(
            "person_id IN (SELECT p.person_id FROM positions p JOIN orgs o ON o.id = p.org_id WHERE o.sector_id = {sector})"
        )],
        Affected::Everyone => vec!["person_id = person_id".to_owned()],
    }
}

/// The merged periods of the people matching `filter`, computed from the records: each post's
/// days, cut to the days its org existed, in social-domain orgs only; then, per person, posts
/// sorted by start are merged while the next one starts on or before the furthest end so far
/// (gaps and islands). An open end is `FOREVER` while merging and `NULL` in the table.
fn spans_from_records(backend: DbBackend, filter: &str) -> String {
    let (greatest, least, forever) = match backend {
        DbBackend::Postgres => ("GREATEST", "LEAST", format!("DATE '{FOREVER}'")),
        _ => ("MAX", "MIN", format!("'{FOREVER}'")),
    };
    format!(
        "SELECT person_id, MIN(s) AS start_on, NULLIF(MAX(e), {forever}) AS end_on FROM (\
           SELECT person_id, s, e, SUM(starts) OVER (PARTITION BY person_id ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island FROM (\
             SELECT person_id, s, e, CASE WHEN s <= MAX(e) OVER (PARTITION BY person_id ORDER BY s, e \
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS starts FROM (\
               SELECT ps.person_id, {greatest}(ps.start_on, o.founded_on) AS s, \
                 {least}(COALESCE(ps.end_on, {forever}), COALESCE(o.dissolved_on, {forever})) AS e \
               FROM positions ps JOIN orgs o ON o.id = ps.org_id JOIN sectors sc ON sc.id = o.sector_id \
               WHERE sc.social_domain = TRUE AND ps.{filter}\
             ) posts WHERE s < e\
           ) marked\
         ) islands GROUP BY person_id, island"
    )
}

/// Serialises the transactions that change what the periods depend on: call it first thing in
/// such a transaction. On PostgreSQL an advisory lock held to the end of the transaction makes a
/// second writer wait before its own writes, so each rewrite sees every change committed before
/// it and no two writers hold row locks the other needs. SQLite has one writer at a time anyway.
pub async fn lock<C: ConnectionTrait>(conn: &C) -> AppResult<()> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared("SELECT pg_advisory_xact_lock(7051510)").await?;
    }
    Ok(())
}

/// Rewrites the periods of the `affected` people from the records. Call it inside the use-case's
/// transaction (which began with [`lock`]), after its own writes.
pub async fn refresh<C: ConnectionTrait>(conn: &C, affected: Affected) -> AppResult<()> {
    let backend = conn.get_database_backend();
    let affected = match affected {
        Affected::People(people) if people.len() > BULK => Affected::Everyone,
        other => other,
    };
    for filter in person_filters(&affected) {
        conn.execute_unprepared(&format!("DELETE FROM workforce_spans WHERE {filter}")).await?;
        conn.execute_unprepared(&format!(
            "INSERT INTO workforce_spans (person_id, start_on, end_on) {}",
            spans_from_records(backend, &filter)
        ))
        .await?;
    }
    Ok(())
}

/// The setting that records that the periods were filled from the records, written in the same
/// transaction as the fill.
const FILLED: &str = "workforce_spans.filled";

/// Rewrites every period from the records in one transaction, and marks the table filled: on the
/// first start after migration m0010 (see [`fill_once`]) and by `qingtuan check --repair`.
pub async fn rebuild(db: &DatabaseConnection) -> AppResult<()> {
    use qingtuan_entity::app_setting;
    let txn = crate::db::begin_write(db).await?;
    lock(&txn).await?;
    refresh(&txn, Affected::Everyone).await?;
    app_setting::Entity::delete_by_id(FILLED.to_owned()).exec(&txn).await?;
    app_setting::ActiveModel { key: Set(FILLED.to_owned()), value: Set("1".to_owned()) }.insert(&txn).await?;
    txn.commit().await?;
    crate::db::checkpoint(db).await?;
    Ok(())
}

/// Fills the periods unless a fill has completed: a start interrupted between the migration and
/// the fill fills them on the next start.
pub async fn fill_once(db: &DatabaseConnection) -> AppResult<()> {
    use qingtuan_entity::app_setting;
    if app_setting::Entity::find_by_id(FILLED.to_owned()).one(db).await?.is_none() {
        rebuild(db).await?;
    }
    Ok(())
}

/// The whole district's work force on each date: the periods covering it.
pub(crate) async fn count_on<C: ConnectionTrait>(conn: &C, dates: [NaiveDate; 2]) -> AppResult<[i64; 2]> {
    let backend = conn.get_database_backend();
    // Dates are typed and formatted by chrono.
    let covers = |d: NaiveDate| {
        format!("SUM(CASE WHEN start_on <= '{d}' AND (end_on IS NULL OR end_on > '{d}') THEN 1 ELSE 0 END)")
    };
    let sql = format!(
        "SELECT CAST(COALESCE({}, 0) AS BIGINT), CAST(COALESCE({}, 0) AS BIGINT) FROM workforce_spans",
        covers(dates[0]),
        covers(dates[1])
    );
    let row = conn.query_one_raw(Statement::from_string(backend, sql)).await?;
    Ok(match row {
        Some(r) => [r.try_get_by_index(0)?, r.try_get_by_index(1)?],
        None => [0, 0],
    })
}

/// A period stored but not derivable from the records, or the reverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub person_id: PersonId,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    /// `true`: in the table but not in the records; `false`: in the records but not in the table.
    pub stored: bool,
}

/// Compares the table with a rebuild from the records (the first 100 differences; empty when
/// they agree). Used by `qingtuan check`.
pub async fn differences<C: ConnectionTrait>(conn: &C) -> AppResult<Vec<Difference>> {
    let backend = conn.get_database_backend();
    let fresh = spans_from_records(backend, "person_id = person_id");
    let stored = "SELECT person_id, start_on, end_on FROM workforce_spans";
    let sql = format!(
        "SELECT person_id, start_on, end_on, 1 AS stored FROM ({stored} EXCEPT {fresh}) extra \
         UNION ALL SELECT person_id, start_on, end_on, 0 FROM ({fresh} EXCEPT {stored}) missing \
         ORDER BY 1, 2 LIMIT 100"
    );
    let rows = conn.query_all_raw(Statement::from_string(backend, sql)).await?;
    rows.iter()
        .map(|r| {
            Ok(Difference {
                person_id: PersonId(r.try_get_by_index(0)?),
                start_on: r.try_get_by_index(1)?,
                end_on: r.try_get_by_index(2)?,
                stored: r.try_get_by_index::<i32>(3)? == 1,
            })
        })
        .collect()
}

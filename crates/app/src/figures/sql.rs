//! The SQL the figures share: placeholders for both databases, the scope's condition, and what it
//! means in SQL for an org to exist and a post to be held on a date.
//!
//! Dates are typed `NaiveDate`s formatted by chrono and codes come from the domain's enums, so
//! writing them as literals is safe — and lets one scan serve several dates.

use chrono::NaiveDate;
use qingtuan_domain::org::OrgKind;
use qingtuan_domain::region::RegionKind;
use qingtuan_entity::{org, region};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, Value};

use super::Params;
use crate::error::AppResult;

/// A statement with `?` placeholders, numbered `$1…` for PostgreSQL.
pub(super) fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Single-row aggregate queries, each with its values, asked in one statement: cross-joined as
/// subqueries, so their columns follow one another in order — one round trip instead of one each.
/// `None` when there is nothing to ask.
pub(super) async fn one_row<C: ConnectionTrait>(
    conn: &C,
    parts: Vec<(String, Vec<Value>)>,
) -> AppResult<Option<sea_orm::QueryResult>> {
    if parts.is_empty() {
        return Ok(None);
    }
    let mut from = Vec::with_capacity(parts.len());
    let mut values = Vec::new();
    for (i, (sql, part_values)) in parts.into_iter().enumerate() {
        from.push(format!("({sql}) AS q{i}"));
        values.extend(part_values);
    }
    let sql = format!("SELECT * FROM {}", from.join(" CROSS JOIN "));
    Ok(conn.query_one_raw(statement(conn.get_database_backend(), &sql, values)).await?)
}

/// The days from the date `from` to the date `to` (each a column or a quoted literal), in SQL.
pub(super) fn days_between(backend: DbBackend, from: &str, to: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("(CAST({to} AS DATE) - CAST({from} AS DATE))"),
        _ => format!("CAST(julianday({to}) - julianday({from}) AS INTEGER)"),
    }
}

/// A flow's value for one period: its `{from}` and `{next}` (the day after the period) filled in.
pub(super) fn for_period(value: &str, from: NaiveDate, to: NaiveDate) -> String {
    let next = to.succ_opt().unwrap_or(to);
    value.replace("{from}", &format!("'{from}'")).replace("{next}", &format!("'{next}'"))
}

/// `'a', 'b'`: codes for an `IN (…)` list.
pub(super) fn quoted<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    codes.into_iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ")
}

/// The kinds of league organisations proper.
pub(super) fn league_kinds() -> String {
    quoted(OrgKind::ALL.into_iter().filter(|k| k.is_league_org()).map(OrgKind::code))
}

/// The region kinds of a level: the community level includes villages.
pub(super) fn region_kinds(level: RegionKind) -> Vec<RegionKind> {
    if level.is_community_level() { vec![RegionKind::Community, RegionKind::Village] } else { vec![level] }
}

/// `true` in SQL for an org (`o`) existing on `on`.
pub(super) fn org_exists(on: NaiveDate) -> String {
    format!("(o.founded_on <= '{on}' AND (o.dissolved_on IS NULL OR o.dissolved_on > '{on}'))")
}

/// `true` in SQL for a post (`ps`) held on `on` in an org that exists then.
pub(super) fn post_held(on: NaiveDate) -> String {
    format!("({} AND ps.start_on <= '{on}' AND (ps.end_on IS NULL OR ps.end_on > '{on}'))", org_exists(on))
}

/// The scope's condition on the orgs (`o`) a figure counts: the org subtree — left out when it is
/// the whole tree — and the street, if one is asked for; and the region the figures refer to.
/// Read once per report and once per dashboard, and handed to every part.
#[derive(Debug, Clone)]
pub(super) struct Scope {
    pub sql: String,
    pub values: Vec<Value>,
    /// The scope is the whole tree (the only root, no street): nothing is filtered.
    pub whole_tree: bool,
    /// The street asked for, or the scope org's region.
    pub region: Option<region::Model>,
    /// The database, for what only one of them understands (SQLite's `INDEXED BY`).
    pub backend: DbBackend,
}

impl Scope {
    pub async fn of<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<Self> {
        // The scope org as the data stands now (not as `p` was resolved): whether it is the root,
        // and its region.
        let scope_org = org::Entity::find_by_id(p.scope.0).one(conn).await?;
        let is_root = p.region_path.is_none() && scope_org.as_ref().is_some_and(|o| o.parent_id.is_none());
        let (whole_tree, region) = tokio::try_join!(
            async { Ok(is_root && crate::tree::one_root(conn).await?) },
            region_of(conn, p, scope_org.as_ref()),
        )?;
        Ok(Self::new(p, whole_tree, region, conn.get_database_backend()))
    }

    /// The scope of `p` from what was read of it: whether its org is the root of the only tree
    /// (and no street is asked for), and the region the figures refer to.
    pub fn new(p: &Params, whole_tree: bool, region: Option<region::Model>, backend: DbBackend) -> Self {
        let mut parts = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if !whole_tree {
            parts.push("o.id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ?)");
            values.push(p.scope.0.into());
        }
        if let Some(path) = &p.region_path {
            parts.push("o.region_id IN (SELECT id FROM regions WHERE path LIKE ?)");
            values.push(format!("{path}%").into());
        }
        let sql = if parts.is_empty() { "1 = 1".to_owned() } else { parts.join(" AND ") };
        Self { sql, values, whole_tree, region, backend }
    }

    /// The path of the region the figures refer to, for regions within it.
    pub fn region_path(&self) -> Option<&str> {
        self.region.as_ref().map(|r| r.path.as_str())
    }

    /// The scope's condition and the orgs existing on `on`.
    pub fn existing_on(&self, on: NaiveDate) -> String {
        format!("{} AND {}", self.sql, org_exists(on))
    }
}

/// The region the figures of `p` refer to: the street asked for, or the scope org's region.
async fn region_of<C: ConnectionTrait>(
    conn: &C,
    p: &Params,
    scope_org: Option<&org::Model>,
) -> AppResult<Option<region::Model>> {
    let id = match &p.region_path {
        Some(path) => path.trim_end_matches('/').rsplit('/').next().and_then(|s| s.parse::<i64>().ok()),
        None => scope_org.and_then(|o| o.region_id),
    };
    Ok(match id {
        Some(id) => region::Entity::find_by_id(id).one(conn).await?,
        None => None,
    })
}

//! The SQL the figures share: placeholders for both databases, the scope's condition, and what it
//! means in SQL for an org to exist and a post to be held on a date.
//!
//! Dates are typed `NaiveDate`s formatted by chrono and codes come from the domain's enums, so
//! writing them as literals is safe — and lets one scan serve several dates.

use chrono::NaiveDate;
use qingtuan_domain::org::OrgKind;
use qingtuan_domain::region::RegionKind;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

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
/// the whole tree — and the street, if one is asked for.
#[derive(Debug, Clone)]
pub(super) struct Scope {
    pub sql: String,
    pub values: Vec<Value>,
    /// The scope is the whole tree (the only root, no street): nothing is filtered.
    pub whole_tree: bool,
}

impl Scope {
    pub async fn of<C: ConnectionTrait>(conn: &C, p: &Params) -> AppResult<Self> {
        let whole_tree = p.region_path.is_none() && crate::tree::is_whole_tree(conn, p.scope).await?;
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
        Ok(Self { sql, values, whole_tree })
    }

    /// The scope's condition and the orgs existing on `on`.
    pub fn existing_on(&self, on: NaiveDate) -> String {
        format!("{} AND {}", self.sql, org_exists(on))
    }
}

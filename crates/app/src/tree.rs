//! The org tree as every capability reads it: an org by its code, names by id, whether a subtree
//! is the whole tree; and a partner by its credit code (the partners' registry is shared). Crate-private look-ups that check nothing: the use-cases calling them check
//! the scope.

use std::collections::HashMap;

use qingtuan_domain::ids::OrgId;
use qingtuan_entity::org;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::error::AppResult;

pub(crate) async fn find_by_code<C: ConnectionTrait>(conn: &C, code: &str) -> AppResult<Option<org::Model>> {
    Ok(org::Entity::find().filter(org::Column::Code.eq(code.trim())).one(conn).await?)
}

/// Orgs whose name or code contains `q`, or whose pinyin initials begin with it, ignoring case;
/// what was typed is matched as text (`%`, `_` and `\` are no wildcards).
pub(crate) fn matching(q: &str) -> Condition {
    use crate::forms::like_text;
    Condition::any()
        .add(like_text(org::Column::Name, q, false))
        .add(like_text(org::Column::Code, q, false))
        .add(like_text(org::Column::Initials, q, true))
}

/// What a form's text names among the active orgs `within` a condition (a scope).
pub(crate) enum Named {
    /// The org with that code (wherever it is: the caller checks the scope), or the one active
    /// org of exactly that name.
    One(Box<org::Model>),
    /// Not exact: the orgs whose name, code or initials match (the first few, in tree order),
    /// named back so that the user picks one by its code. Never taken on a guess.
    Several(Vec<org::Model>),
    None,
}

/// How many of several matches are named back.
pub(crate) const NAMED_BACK: usize = 6;

pub(crate) async fn find_named<C: ConnectionTrait>(conn: &C, within: Condition, text: &str) -> AppResult<Named> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Named::None);
    }
    if let Some(found) = find_by_code(conn, text).await? {
        return Ok(Named::One(Box::new(found)));
    }
    let active = org::Entity::find().filter(within).filter(org::Column::DissolvedOn.is_null());
    let mut exact = active.clone().filter(org::Column::Name.eq(text)).limit(NAMED_BACK as u64).all(conn).await?;
    if exact.len() == 1 {
        return Ok(Named::One(Box::new(exact.remove(0))));
    }
    let found = match exact.len() {
        0 => active.filter(matching(text)).order_by_asc(org::Column::Path).limit(NAMED_BACK as u64).all(conn).await?,
        _ => exact,
    };
    Ok(if found.is_empty() { Named::None } else { Named::Several(found) })
}

/// The code of the org with this id.
pub(crate) async fn code_of<C: ConnectionTrait>(conn: &C, id: OrgId) -> AppResult<String> {
    Ok(org::Entity::find_by_id(id.0).one(conn).await?.map(|o| o.code).unwrap_or_default())
}

/// Is `org` the `ancestor` or an org below it?
pub(crate) async fn is_below_or_at<C: ConnectionTrait>(conn: &C, org: OrgId, ancestor: OrgId) -> AppResult<bool> {
    let found = qingtuan_entity::org_closure::Entity::find()
        .filter(qingtuan_entity::org_closure::Column::AncestorId.eq(ancestor.0))
        .filter(qingtuan_entity::org_closure::Column::DescendantId.eq(org.0))
        .count(conn)
        .await?;
    Ok(found > 0)
}

/// Is `id`'s subtree the whole tree — the root, and the only one?
pub(crate) async fn is_whole_tree<C: ConnectionTrait>(conn: &C, id: OrgId) -> AppResult<bool> {
    let found = org::Entity::find_by_id(id.0).one(conn).await?;
    if found.is_none_or(|o| o.parent_id.is_some()) {
        return Ok(false);
    }
    one_root(conn).await
}

/// Is there only one root? Then a root's subtree is the whole tree.
pub(crate) async fn one_root<C: ConnectionTrait>(conn: &C) -> AppResult<bool> {
    Ok(org::Entity::find().filter(org::Column::ParentId.is_null()).count(conn).await? == 1)
}

/// The names of the orgs with these ids, for labelling rows of other lists.
pub(crate) async fn names<C: ConnectionTrait>(conn: &C, ids: Vec<i64>) -> AppResult<HashMap<i64, String>> {
    Ok(org::Entity::find()
        .filter(org::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

/// The partner with this credit code, whatever scope registered it.
pub(crate) async fn partner_by_credit_code<C: ConnectionTrait>(
    conn: &C,
    raw: &str,
) -> AppResult<Option<qingtuan_entity::partner::Model>> {
    use qingtuan_entity::partner;
    let Ok(code) = qingtuan_domain::partner::CreditCode::parse(raw) else { return Ok(None) };
    Ok(partner::Entity::find().filter(partner::Column::CreditCode.eq(code.as_str())).one(conn).await?)
}

//! The org tree as every capability reads it: an org by its code, names by id, whether a subtree
//! is the whole tree. Crate-private look-ups that check nothing: the use-cases calling them check
//! the scope.

use std::collections::HashMap;

use qingtuan_domain::ids::OrgId;
use qingtuan_entity::org;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::error::AppResult;

pub(crate) async fn find_by_code<C: ConnectionTrait>(conn: &C, code: &str) -> AppResult<Option<org::Model>> {
    Ok(org::Entity::find().filter(org::Column::Code.eq(code.trim())).one(conn).await?)
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

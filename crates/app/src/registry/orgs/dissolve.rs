//! Dissolving an org (and, if asked, its subtree) on a date: what it would touch, then the change.

use super::*;

/// What dissolving an org on a date would touch: its sub-organisations still existing and the
/// posts still held then (shown on the confirmation before anything changes).
#[derive(Debug, Clone)]
pub struct DissolveImpact {
    pub org: OrgView,
    pub on: chrono::NaiveDate,
    pub live_children: usize,
    pub live_posts: usize,
}

/// Checks that `id` may be dissolved on `on` and says what it would touch.
pub async fn dissolve_impact(app: &App, actor: &Actor, id: OrgId, on: chrono::NaiveDate) -> AppResult<DissolveImpact> {
    let (found, children, posts) = dissolvable(app, actor, id, on).await?;
    Ok(DissolveImpact { org: view(&found, 0), on, live_children: children.len(), live_posts: posts.len() })
}

type Dissolvable = (org::Model, Vec<org::Model>, Vec<qingtuan_entity::position::Model>);

async fn dissolvable(app: &App, actor: &Actor, id: OrgId, on: chrono::NaiveDate) -> AppResult<Dissolvable> {
    use qingtuan_entity::position;
    scope::require(app, actor, WRITE, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    if found.parent_id.is_none() {
        return Err(Invalid::one("dissolved_on", "这是组织树的根（团区委），不能撤销").into());
    }
    if found.dissolved_on.is_some() {
        return Err(Invalid::one("dissolved_on", "该组织已撤销").into());
    }
    if on <= found.founded_on {
        return Err(Invalid::one("dissolved_on", format!("撤销日期应晚于成立日期 {}", found.founded_on)).into());
    }
    let subtree: Vec<i64> = org_closure::Entity::find()
        .filter(org_closure::Column::AncestorId.eq(found.id))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|c| c.descendant_id)
        .collect();
    let live_children = org::Entity::find()
        .filter(org::Column::Id.is_in(subtree.clone()))
        .filter(org::Column::Id.ne(found.id))
        .filter(org::Column::DissolvedOn.is_null())
        .all(&app.db)
        .await?;
    let live_posts = position::Entity::find()
        .filter(position::Column::OrgId.is_in(subtree))
        .filter(sea_orm::Condition::any().add(position::Column::EndOn.is_null()).add(position::Column::EndOn.gt(on)))
        .all(&app.db)
        .await?;
    // A sub-organisation founded on or after the date would be dissolved before it existed.
    if let Some(later) = live_children.iter().find(|c| c.founded_on >= on) {
        let message = format!("下级组织“{}”成立于 {}，不早于撤销日期：请先处理该组织", later.name, later.founded_on);
        return Err(Invalid::one("dissolved_on", message).into());
    }
    Ok((found, live_children, live_posts))
}

/// Dissolves an org on `on` (it no longer exists from that day). An org that still has existing
/// sub-organisations or people in post on that day is refused with what remains, unless
/// `with_subtree` is set: then the whole subtree is dissolved and those posts end on the same day.
/// The root of the tree is never dissolved.
pub async fn dissolve(app: &App, actor: &Actor, id: OrgId, on: chrono::NaiveDate, with_subtree: bool) -> AppResult<()> {
    use qingtuan_entity::position;
    let (found, live_children, live_posts) = dissolvable(app, actor, id, on).await?;
    if !with_subtree && (!live_children.is_empty() || !live_posts.is_empty()) {
        let message = format!(
            "该组织还有 {} 个下级组织、{} 个在岗职务。请先处理，或选择“连同下级组织一并撤销并结束在岗职务”",
            live_children.len(),
            live_posts.len()
        );
        return Err(Invalid::one("dissolved_on", message).into());
    }
    let now = app.now();
    let dissolved: Vec<i64> = std::iter::once(found.id).chain(live_children.iter().map(|o| o.id)).collect();
    let txn = app.begin().await?;
    workforce::lock(&txn).await?;
    for o in std::iter::once(found.clone()).chain(live_children) {
        let org_id = o.id;
        let mut active: org::ActiveModel = o.into();
        active.dissolved_on = Set(Some(on));
        active.update(&txn).await?;
        let entry = Entry::new(AuditAction::OrgDissolved, ObjectKind::Org)
            .object(org_id)
            .scope(OrgId(org_id))
            .after(json!({ "dissolved_on": on }));
        audit::record(&txn, now, actor, entry).await?;
    }
    for p in live_posts {
        let (pid, org_id) = (p.id, p.org_id);
        let end = if p.start_on >= on { p.start_on.succ_opt().unwrap_or(on) } else { on };
        let mut active: position::ActiveModel = p.into();
        active.end_on = Set(Some(end));
        active.update(&txn).await?;
        let entry = Entry::new(AuditAction::PositionEnded, ObjectKind::Position)
            .object(pid)
            .scope(OrgId(org_id))
            .after(json!({ "end_on": end }));
        audit::record(&txn, now, actor, entry).await?;
    }
    workforce::refresh(&txn, Affected::PostsIn(dissolved)).await?;
    txn.commit().await?;
    Ok(())
}

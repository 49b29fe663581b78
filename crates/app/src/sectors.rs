//! The sector dictionary. Which sectors count as "social domain" (社会领域) is data a district
//! admin edits; every figure follows from the next evaluation on.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::region::NationalClass;
use qingtuan_entity::sector;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::audit::{self, Entry};
use crate::error::AppResult;
use crate::workforce::{self, Affected};
use crate::{Actor, App, AppError, scope};

#[derive(Debug, Clone, serde::Serialize)]
pub struct SectorView {
    pub code: String,
    pub name: String,
    pub social_domain: bool,
    pub national_class: String,
}

pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<SectorView>> {
    scope::require_somewhere(app, actor, Permission::new(Module::Orgs, Action::Read)).await?;
    Ok(sector::Entity::find()
        .order_by_asc(sector::Column::Id)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|s| SectorView {
            national_class: NationalClass::parse(&s.national_class).map(NationalClass::label).unwrap_or("").to_owned(),
            code: s.code,
            name: s.name,
            social_domain: s.social_domain,
        })
        .collect())
}

/// Marks a sector as social domain or not; needs `orgs.write` over the whole tree.
pub async fn set_social_domain(app: &App, actor: &Actor, code: &str, social: bool) -> AppResult<()> {
    let write = Permission::new(Module::Orgs, Action::Write);
    if !scope::covers_everything(&app.db, actor, write).await? {
        return scope::deny(app, actor, write, ObjectKind::Org, None, AppError::Forbidden).await;
    }
    let found =
        sector::Entity::find().filter(sector::Column::Code.eq(code)).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (before, sector_id) = (found.social_domain, found.id);
    let txn = app.begin().await?;
    workforce::lock(&txn).await?;
    let mut active: sector::ActiveModel = found.into();
    active.social_domain = Set(social);
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::SectorChanged, ObjectKind::Org)
        .object(code)
        .before(json!({ "sector": code, "social_domain": before }))
        .after(json!({ "sector": code, "social_domain": social }));
    audit::record(&txn, app.now(), actor, entry).await?;
    if before != social {
        workforce::refresh(&txn, Affected::Sector(sector_id)).await?;
    }
    txn.commit().await?;
    Ok(())
}

//! The sector dictionary. Which sectors count as "social domain" (社会领域) is data a district
//! admin edits; every figure follows from the next evaluation on.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::region::NationalClass;
use qingtuan_entity::sector;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::registry::workforce::{self, Affected};
use crate::{Actor, App, AppError};

#[derive(Debug, Clone, serde::Serialize)]
pub struct SectorView {
    pub code: String,
    pub name: String,
    pub social_domain: bool,
    pub national_class: String,
}

/// The sectors page: the dictionary, and whether the actor may switch a sector's social-domain flag
/// (it changes every figure of the district: only `orgs.write` over the whole tree may).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Settings {
    pub sectors: Vec<SectorView>,
    pub can_flag: bool,
}

/// The sectors page's data (`orgs.read` somewhere).
pub async fn settings(app: &App, actor: &Actor) -> AppResult<Settings> {
    let sectors = list(app, actor).await?;
    let can_flag = scope::covers_everything(&app.db, actor, crate::registry::orgs::WRITE).await?;
    Ok(Settings { sectors, can_flag })
}

pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<SectorView>> {
    scope::require_somewhere(app, actor, crate::registry::orgs::READ).await?;
    Ok(sector::Entity::find().order_by_asc(sector::Column::Id).all(&app.db).await?.into_iter().map(view).collect())
}

fn view(s: sector::Model) -> SectorView {
    SectorView {
        national_class: NationalClass::parse(&s.national_class).map(NationalClass::label).unwrap_or("").to_owned(),
        code: s.code,
        name: s.name,
        social_domain: s.social_domain,
    }
}

/// What switching a sector's social-domain flag would change today, shown before it is done.
#[derive(Debug, Clone)]
pub struct FlagImpact {
    pub sector: SectorView,
    /// League organisations existing today in this sector.
    pub league_orgs: u64,
    /// The district's social-domain league organisations today, now and after the switch.
    pub social_now: u64,
    pub social_after: u64,
}

/// The effect of setting `code`'s flag to `social`, for the confirmation; needs what the switch
/// needs.
pub async fn flag_impact(app: &App, actor: &Actor, code: &str, social: bool) -> AppResult<FlagImpact> {
    use qingtuan_domain::org::OrgKind;
    use qingtuan_entity::org;
    use sea_orm::sea_query::Query;
    use sea_orm::{Condition, PaginatorTrait};
    let write = crate::registry::orgs::WRITE;
    scope::require_everywhere(app, actor, write, (ObjectKind::Org, None)).await?;
    let found =
        sector::Entity::find().filter(sector::Column::Code.eq(code)).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let today = qingtuan_domain::time::local_date(app.now());
    let league = OrgKind::ALL.into_iter().filter(|k| k.is_league_org()).map(OrgKind::code);
    let existing = || {
        org::Entity::find()
            .filter(org::Column::Kind.is_in(league.clone()))
            .filter(org::Column::FoundedOn.lte(today))
            .filter(Condition::any().add(org::Column::DissolvedOn.is_null()).add(org::Column::DissolvedOn.gt(today)))
    };
    let social_sectors = Query::select()
        .column(sector::Column::Id)
        .from(sector::Entity)
        .and_where(sector::Column::SocialDomain.eq(true))
        .take();
    let league_orgs = existing().filter(org::Column::SectorId.eq(found.id)).count(&app.db).await?;
    let social_now = existing().filter(org::Column::SectorId.in_subquery(social_sectors)).count(&app.db).await?;
    let social_after = match (found.social_domain, social) {
        (false, true) => social_now + league_orgs,
        (true, false) => social_now.saturating_sub(league_orgs),
        _ => social_now,
    };
    Ok(FlagImpact { sector: view(found), league_orgs, social_now, social_after })
}

/// Marks a sector as social domain or not; needs `orgs.write` over the whole tree.
pub async fn set_social_domain(app: &App, actor: &Actor, code: &str, social: bool) -> AppResult<()> {
    let write = crate::registry::orgs::WRITE;
    scope::require_everywhere(app, actor, write, (ObjectKind::Org, None)).await?;
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

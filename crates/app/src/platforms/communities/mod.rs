//! Online youth communities (网上青年社群, P7): WeChat and QQ groups, forums — each owned by a league
//! org, of a level (district, street, community) and a type (industry, system, interest, mutual
//! aid), run by an admin from the people registry, created and closed on dates. Their reach is
//! kept two ways: member counts by date (what a group's owner reads off the group), and member
//! lists imported from the group's export, of which only each phone's keyed hash is kept — so a
//! person in three groups is reached once, and no phone is stored in clear.

mod lists;
mod members;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{CommunityId, OrgId};
use qingtuan_domain::person::IdNumber;
use qingtuan_domain::platform::{CommunityLevel, CommunityPlatform, CommunityType};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{community, community_count};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::{WRITE, check_org, members, org_for_write};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::db::Write;
use crate::error::AppResult;
use crate::forms::{date_within, end_date, required_date, required_text};
use crate::{Actor, App, AppError};

pub use lists::{CommunityRow, CommunityView, Filter, export, list, show};
pub use members::{COUNT_COLUMNS, Listed, NewCommunityCount, count_members, list_members};

/// A community as typed in the form or a spreadsheet row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewCommunity {
    /// The league org that owns it.
    pub org_code: String,
    pub name: String,
    pub platform: String,
    pub level: String,
    pub community_type: String,
    /// The admin's ID number (a person of the registry); empty: not recorded.
    pub admin_id_number: String,
    /// The admin's name, as registered.
    pub admin_name: String,
    pub created_on: String,
    pub members: String,
    /// The day the member count was read; empty: today.
    pub counted_on: String,
}

/// The columns of the communities spreadsheet, as users see them.
pub const COMMUNITY_COLUMNS: [(&str, &str); 10] = [
    ("org_code", "所属组织代码"),
    ("name", "社群名称"),
    ("platform", "平台"),
    ("level", "层级"),
    ("community_type", "类型"),
    ("admin_id_number", "管理员身份证号码"),
    ("admin_name", "管理员姓名"),
    ("created_on", "建立日期"),
    ("members", "成员数"),
    ("counted_on", "成员数统计日期"),
];

/// Registers a community (platforms.write over its owning org).
pub async fn create(app: &App, actor: &Actor, form: &NewCommunity) -> AppResult<CommunityId> {
    check_org(app, actor, &form.org_code).await?;
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

async fn insert(conn: &Write, app: &App, actor: &Actor, form: &NewCommunity) -> AppResult<CommunityId> {
    let today = local_date(app.now());
    let mut problems: Vec<FieldError> = Vec::new();
    let owner = org_for_write(conn, actor, &form.org_code, "所属组织").await?.map_err(|e| problems.push(e)).ok();
    let name = required_text(&form.name, "name", "社群名称", 100).map_err(|e| problems.extend(e.0)).ok();
    let platform = CommunityPlatform::parse(&form.platform).map_err(|e| problems.extend(e.0)).ok();
    let level = CommunityLevel::parse(&form.level).map_err(|e| problems.extend(e.0)).ok();
    let kind = CommunityType::parse(&form.community_type).map_err(|e| problems.extend(e.0)).ok();
    let admin = match form.admin_id_number.trim() {
        "" => Some(None),
        raw => match IdNumber::parse(raw) {
            Err(e) => {
                problems.extend(e.0.into_iter().map(|f| FieldError { field: "admin_id_number", ..f }));
                None
            }
            Ok(n) => {
                let found = crate::registry::people::registered_as(app, &n, &form.admin_name).await?;
                if found.is_none() {
                    problems.push(FieldError::new("admin_id_number", crate::registry::people::NOT_REGISTERED));
                }
                found.map(Some)
            }
        },
    };
    let created_on =
        required_date("created_on", &form.created_on, "建立日期", today).map_err(|e| problems.push(e)).ok();
    let count = match form.members.trim() {
        "" => None,
        raw => members("members", raw).map_err(|e| problems.push(e)).ok(),
    };
    let counted_on =
        date_within("counted_on", &form.counted_on, created_on, today, "成员数统计日期应在建立日期与今天之间")
            .map(|d| d.unwrap_or(today))
            .map_err(|e| problems.push(e))
            .ok();
    if let (Some((o, _)), Some(n)) = (&owner, &name) {
        let same = community::Entity::find()
            .filter(community::Column::OrgId.eq(o.id))
            .filter(community::Column::Name.eq(n.as_str()))
            .filter(community::Column::ClosedOn.is_null())
            .count(conn)
            .await?;
        if same > 0 {
            problems.push(FieldError::new("name", format!("{}已登记名为“{n}”的社群", o.name)));
        }
    }
    let (
        Some((owner, proof)),
        Some(name),
        Some(platform),
        Some(level),
        Some(kind),
        Some(admin),
        Some(created_on),
        Some(counted_on),
    ) = (owner, name, platform, level, kind, admin, created_on, counted_on)
    else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let row = community::ActiveModel {
        org_id: Set(owner.id),
        name: Set(name.clone()),
        platform: Set(platform.code().to_owned()),
        level: Set(level.code().to_owned()),
        community_type: Set(kind.code().to_owned()),
        admin_person_id: Set(admin),
        created_on: Set(created_on),
        closed_on: Set(None),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if let Some(n) = count {
        community_count::ActiveModel {
            community_id: Set(row.id),
            on_date: Set(counted_on),
            members: Set(n),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    let entry =
        Entry::new(AuditAction::CommunityCreated, ObjectKind::Community).object(row.id).within(&proof).after(json!({
            "org": owner.code, "name": name, "platform": platform.code(), "level": level.code(),
            "type": kind.code(), "created_on": created_on, "members": count,
        }));
    audit::record(conn, app.now(), actor, entry).await?;
    Ok(CommunityId(row.id))
}

impl crate::batch::Importable for NewCommunity {
    const COLUMNS: &'static [(&'static str, &'static str)] = &COMMUNITY_COLUMNS;
    const REQUIRED: &'static [&'static str] =
        &["org_code", "name", "platform", "level", "community_type", "created_on"];
    const EXAMPLE: &'static [&'static str] =
        &["CY01T", "城阳街道青年互助群", "微信群", "街道级", "互助", "", "", "2020-03-01", "320", "2022-05-31"];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        match field {
            "platform" => Some(CommunityPlatform::ALL.iter().map(|k| k.label()).collect()),
            "level" => Some(CommunityLevel::ALL.iter().map(|k| k.label()).collect()),
            "community_type" => Some(CommunityType::ALL.iter().map(|k| k.label()).collect()),
            _ => None,
        }
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            platform: cell("platform"),
            level: cell("level"),
            community_type: cell("community_type"),
            admin_id_number: cell("admin_id_number"),
            admin_name: cell("admin_name"),
            created_on: cell("created_on"),
            members: cell("members"),
            counted_on: cell("counted_on"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &COMMUNITY_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move { insert(txn, app, actor, row).await.map(|_| ()) })
        })
        .await
    }
}

/// A closing as checked, before it is confirmed.
#[derive(Debug, Clone)]
pub struct Closing {
    pub id: CommunityId,
    pub name: String,
    pub members: Option<i32>,
    pub on: NaiveDate,
}

/// Checks a closing (platforms.write over the owning org) without writing it.
pub async fn closing(app: &App, actor: &Actor, id: CommunityId, on: &str) -> AppResult<Closing> {
    let (c, _) = owned(app, actor, id, WRITE).await?;
    let on = closing_date(app, &c, on)?;
    let members = community_count::Entity::find()
        .filter(community_count::Column::CommunityId.eq(c.id))
        .filter(community_count::Column::OnDate.lte(on))
        .order_by_desc(community_count::Column::OnDate)
        .one(&app.db)
        .await?
        .map(|n| n.members);
    Ok(Closing { id, name: c.name, members, on })
}

/// Closes a community on a date: from that day neither it nor its members are counted.
pub async fn close(app: &App, actor: &Actor, id: CommunityId, on: &str) -> AppResult<()> {
    let (c, proof) = owned(app, actor, id, WRITE).await?;
    let on = closing_date(app, &c, on)?;
    let txn = app.begin().await?;
    let changed = community::Entity::update_many()
        .col_expr(community::Column::ClosedOn, Expr::value(on))
        .filter(community::Column::Id.eq(c.id))
        .filter(community::Column::ClosedOn.is_null())
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("closed_on", format!("{}已经关闭", c.name)).into());
    }
    let entry = Entry::new(AuditAction::CommunityClosed, ObjectKind::Community)
        .object(c.id)
        .within(&proof)
        .after(json!({ "name": c.name, "closed_on": on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

pub(super) async fn owned(
    app: &App,
    actor: &Actor,
    id: CommunityId,
    permission: qingtuan_domain::permission::Permission,
) -> AppResult<(community::Model, InScope<OrgId>)> {
    let c = community::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof =
        scope::require(app, actor, permission, (ObjectKind::Community, id.to_string()), OrgId(c.org_id)).await?;
    Ok((c, proof))
}

fn closing_date(app: &App, c: &community::Model, on: &str) -> Result<NaiveDate, Invalid> {
    if let Some(d) = c.closed_on {
        return Err(Invalid::one("closed_on", format!("{}已于 {d} 关闭", c.name)));
    }
    end_date("closed_on", on, c.created_on, local_date(app.now()), ("关闭", "建立"))
}

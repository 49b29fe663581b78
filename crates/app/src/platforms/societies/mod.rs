//! Youth societies (青年社团, P6): registered under the league org that guides them, with the level
//! at which that org links them as a dated history — every change with its date and reason, so the
//! figures of any past date read the level then in force — member counts by date and leaders.

mod links;
mod lists;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, SocietyId};
use qingtuan_domain::person::IdNumber;
use qingtuan_domain::platform::{LinkLevel, SocietyKind};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{society, society_count, society_leader, society_link};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;

use super::{MemberCount, WRITE, check_org, members, org_for_write};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::db::Write;
use crate::error::AppResult;
use crate::forms::{date_within, end_date, required_date, required_text};
use crate::{Actor, App, AppError};
use links::level_on;

pub use links::{LINK_COLUMNS, LinkChange, NewLinkChange, change_link};
pub use lists::{Filter, LeaderRow, LinkRow, SocietyRow, SocietyView, export, list, show};

/// A society as typed in the form or a spreadsheet row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewSociety {
    /// The league org that guides it.
    pub org_code: String,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub founded_on: String,
    /// The link level from `linked_on` on; empty: not linked.
    pub level: String,
    /// Empty: the founding date.
    pub linked_on: String,
    pub members: String,
    /// The day the member count was taken; empty: today.
    pub counted_on: String,
}

/// The columns of the societies spreadsheet, as users see them.
pub const SOCIETY_COLUMNS: [(&str, &str); 9] = [
    ("org_code", "联系指导组织代码"),
    ("name", "社团名称"),
    ("kind", "类型"),
    ("region_code", "所在区域代码"),
    ("founded_on", "成立日期"),
    ("level", "联系程度"),
    ("linked_on", "联系程度起始日期"),
    ("members", "成员人数"),
    ("counted_on", "人数统计日期"),
];

/// Registers a society (platforms.write over its guiding org).
pub async fn create(app: &App, actor: &Actor, form: &NewSociety) -> AppResult<SocietyId> {
    check_org(app, actor, &form.org_code).await?;
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

async fn insert(conn: &Write, app: &App, actor: &Actor, form: &NewSociety) -> AppResult<SocietyId> {
    let today = local_date(app.now());
    let mut problems: Vec<FieldError> = Vec::new();
    let guide = org_for_write(conn, actor, &form.org_code, "联系指导组织").await?.map_err(|e| problems.push(e)).ok();
    let name = required_text(&form.name, "name", "社团名称", 100).map_err(|e| problems.extend(e.0)).ok();
    let kind = SocietyKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let region = match form.region_code.trim() {
        "" => None,
        code => {
            let found = crate::registry::regions::find_named(conn, code).await?;
            if found.is_none() {
                problems.push(FieldError::new("region_code", format!("区域“{code}”不存在")));
            }
            found
        }
    };
    let founded_on =
        required_date("founded_on", &form.founded_on, "成立日期", today).map_err(|e| problems.push(e)).ok();
    let level = match form.level.trim() {
        "" => Some(LinkLevel::Unlinked),
        raw => LinkLevel::parse(raw).map_err(|e| problems.extend(e.0)).ok(),
    };
    let linked_on =
        date_within("linked_on", &form.linked_on, founded_on, today, "联系程度起始日期应在成立日期与今天之间")
            .map(|d| d.or(founded_on))
            .map_err(|e| problems.push(e))
            .ok()
            .flatten();
    let count = match form.members.trim() {
        "" => None,
        raw => members("members", raw).map_err(|e| problems.push(e)).ok(),
    };
    let counted_on =
        date_within("counted_on", &form.counted_on, founded_on, today, "人数统计日期应在成立日期与今天之间")
            .map(|d| d.unwrap_or(today))
            .map_err(|e| problems.push(e))
            .ok();
    if let (Some((g, _)), Some(n)) = (&guide, &name) {
        let same = society::Entity::find()
            .filter(society::Column::OrgId.eq(g.id))
            .filter(society::Column::Name.eq(n.as_str()))
            .filter(society::Column::DissolvedOn.is_null())
            .count(conn)
            .await?;
        if same > 0 {
            problems.push(FieldError::new("name", format!("{}已登记名为“{n}”的青年社团", g.name)));
        }
    }
    let (
        Some((guide, proof)),
        Some(name),
        Some(kind),
        Some(founded_on),
        Some(level),
        Some(linked_on),
        Some(counted_on),
    ) = (guide, name, kind, founded_on, level, linked_on, counted_on)
    else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let row = society::ActiveModel {
        org_id: Set(guide.id),
        name: Set(name.clone()),
        kind: Set(kind.code().to_owned()),
        region_id: Set(region.as_ref().map(|r| r.id)),
        founded_on: Set(founded_on),
        dissolved_on: Set(None),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    society_link::ActiveModel {
        society_id: Set(row.id),
        level: Set(level.code().to_owned()),
        on_date: Set(linked_on),
        reason: Set("登记".into()),
        recorded_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if let Some(n) = count {
        society_count::ActiveModel {
            society_id: Set(row.id),
            on_date: Set(counted_on),
            members: Set(n),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    let entry =
        Entry::new(AuditAction::SocietyCreated, ObjectKind::Society).object(row.id).within(&proof).after(json!({
            "org": guide.code, "name": name, "kind": kind.code(), "founded_on": founded_on,
            "level": level.code(), "linked_on": linked_on, "members": count,
        }));
    audit::record(conn, app.now(), actor, entry).await?;
    Ok(SocietyId(row.id))
}

impl crate::batch::Importable for NewSociety {
    const COLUMNS: &'static [(&'static str, &'static str)] = &SOCIETY_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "name", "kind", "founded_on"];
    const EXAMPLE: &'static [&'static str] = &[
        "CY01T",
        "城阳青年摄影协会",
        "兴趣爱好类",
        "CY01",
        "2020-05-04",
        "有效联系",
        "2021-03-01",
        "60",
        "2022-05-31",
    ];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        match field {
            "kind" => Some(SocietyKind::ALL.iter().map(|k| k.label()).collect()),
            "level" => Some(LinkLevel::ALL.iter().map(|k| k.label()).collect()),
            _ => None,
        }
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            kind: cell("kind"),
            region_code: cell("region_code"),
            founded_on: cell("founded_on"),
            level: cell("level"),
            linked_on: cell("linked_on"),
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
        crate::batch::row_by_row(app, actor, rows, &SOCIETY_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move { insert(txn, app, actor, row).await.map(|_| ()) })
        })
        .await
    }
}

/// Records a society's member count on a date (platforms.write over its guiding org).
pub async fn count_members(app: &App, actor: &Actor, id: SocietyId, form: &MemberCount) -> AppResult<()> {
    let (s, proof) = guided(app, actor, id).await?;
    let mut problems = Vec::new();
    let on =
        required_date("on_date", &form.on_date, "统计日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    if on.is_some_and(|d| d < s.founded_on) {
        problems.push(FieldError::new("on_date", format!("统计日期不能早于成立日期 {}", s.founded_on)));
    }
    let n = members("members", &form.members).map_err(|e| problems.push(e)).ok();
    let (Some(on), Some(n), true) = (on, n, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    let txn = app.begin().await?;
    let taken = format!("{} 已登记 {on} 的成员人数", s.name);
    society_count::ActiveModel { society_id: Set(s.id), on_date: Set(on), members: Set(n), ..Default::default() }
        .insert(&txn)
        .await
        .map_err(|e| AppError::on_unique(e, "on_date", &taken))?;
    let entry = Entry::new(AuditAction::SocietyCounted, ObjectKind::Society)
        .object(s.id)
        .within(&proof)
        .after(json!({ "name": s.name, "on_date": on, "members": n }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A leader as typed: a person registered in the people registry, found by ID number.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewLeader {
    pub id_number: String,
    /// As registered: the number alone finds no one.
    pub name: String,
    pub role: String,
    pub since: String,
}

/// Names a registered person as a leader of a society (platforms.write over its guiding org).
pub async fn add_leader(app: &App, actor: &Actor, id: SocietyId, form: &NewLeader) -> AppResult<()> {
    let (s, proof) = guided(app, actor, id).await?;
    let mut problems = Vec::new();
    let number = IdNumber::parse(&form.id_number)
        .map_err(|e| problems.extend(e.0.into_iter().map(|f| FieldError { field: "id_number", ..f })))
        .ok();
    let role = required_text(&form.role, "role", "职务", 50).map_err(|e| problems.extend(e.0)).ok();
    let since =
        required_date("since", &form.since, "任职日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    let person = match &number {
        Some(n) => {
            let found = crate::registry::people::registered_as(app, n, &form.name).await?;
            if found.is_none() {
                problems.push(FieldError::new("id_number", crate::registry::people::NOT_REGISTERED));
            }
            found
        }
        None => None,
    };
    let (Some(person), Some(role), Some(since), true) = (person, role, since, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    let txn = app.begin().await?;
    let taken = format!("此人已是{}的负责人", s.name);
    society_leader::ActiveModel {
        society_id: Set(s.id),
        person_id: Set(person),
        role: Set(role.clone()),
        since: Set(since),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "id_number", &taken))?;
    let entry = Entry::new(AuditAction::SocietyLeaderAdded, ObjectKind::Society)
        .object(s.id)
        .within(&proof)
        .after(json!({ "name": s.name, "person": person, "role": role, "since": since }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A dissolution as checked, before it is confirmed.
#[derive(Debug, Clone)]
pub struct Dissolution {
    pub id: SocietyId,
    pub name: String,
    pub level: String,
    pub on: NaiveDate,
}

/// Checks a dissolution (platforms.write over the guiding org) without writing it: what the page
/// asks to confirm.
pub async fn dissolution(app: &App, actor: &Actor, id: SocietyId, on: &str) -> AppResult<Dissolution> {
    let (s, _) = guided(app, actor, id).await?;
    let on = dissolution_date(app, &s, on)?;
    let level = level_on(&app.db, s.id, on).await?.map(|l| l.label().to_owned()).unwrap_or_default();
    Ok(Dissolution { id, name: s.name, level, on })
}

/// Dissolves a society on a date: from that day it is counted at no level.
pub async fn dissolve(app: &App, actor: &Actor, id: SocietyId, on: &str) -> AppResult<()> {
    let (s, proof) = guided(app, actor, id).await?;
    let on = dissolution_date(app, &s, on)?;
    let txn = app.begin().await?;
    let changed = society::Entity::update_many()
        .col_expr(society::Column::DissolvedOn, Expr::value(on))
        .filter(society::Column::Id.eq(s.id))
        .filter(society::Column::DissolvedOn.is_null())
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("dissolved_on", format!("{}已经解散", s.name)).into());
    }
    let entry = Entry::new(AuditAction::SocietyDissolved, ObjectKind::Society)
        .object(s.id)
        .within(&proof)
        .after(json!({ "name": s.name, "dissolved_on": on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

pub(super) async fn guided(app: &App, actor: &Actor, id: SocietyId) -> AppResult<(society::Model, InScope<OrgId>)> {
    let s = society::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Society, id.to_string()), OrgId(s.org_id)).await?;
    Ok((s, proof))
}

fn dissolution_date(app: &App, s: &society::Model, on: &str) -> Result<NaiveDate, Invalid> {
    if let Some(d) = s.dissolved_on {
        return Err(Invalid::one("dissolved_on", format!("{}已于 {d} 解散", s.name)));
    }
    end_date("dissolved_on", on, s.founded_on, local_date(app.now()), ("解散", "成立"))
}

//! Youth societies (青年社团, P6): registered under the league org that guides them, with the level
//! at which that org links them as a dated history — every change with its date and reason, so the
//! figures of any past date read the level then in force — member counts by date and leaders.

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, SocietyId};
use qingtuan_domain::person::IdNumber;
use qingtuan_domain::platform::{LinkLevel, SocietyKind};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{society, society_count, society_leader, society_link};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::{EXPORT, MemberCount, READ, WRITE, check_org, members, org_for_write};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::db::Write;
use crate::error::AppResult;
use crate::export::Exported;
use crate::forms::{date_within, end_date, required_date, required_text};
use crate::page::Page;
use crate::{Actor, App, AppError};

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

/// A change of link level as typed on the society's page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct LinkChange {
    pub level: String,
    pub on_date: String,
    pub reason: String,
}

/// A change of link level as a spreadsheet row: the society named by its guiding org and name.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewLinkChange {
    pub org_code: String,
    pub name: String,
    pub change: LinkChange,
}

/// The columns of the link-history spreadsheet.
pub const LINK_COLUMNS: [(&str, &str); 5] = [
    ("org_code", "联系指导组织代码"),
    ("name", "社团名称"),
    ("level", "联系程度"),
    ("on_date", "变更日期"),
    ("reason", "变更原因"),
];

/// Changes a society's link level from a date on (platforms.write over its guiding org). Every
/// change is kept: the figures of a date read the latest change dated on or before it.
pub async fn change_link(app: &App, actor: &Actor, id: SocietyId, change: &LinkChange) -> AppResult<()> {
    let (s, proof) = guided(app, actor, id).await?;
    let txn = app.begin().await?;
    link(&txn, app, actor, &s, &proof, change).await?;
    txn.commit().await?;
    Ok(())
}

async fn link(
    conn: &Write,
    app: &App,
    actor: &Actor,
    s: &society::Model,
    proof: &InScope<OrgId>,
    change: &LinkChange,
) -> AppResult<()> {
    let mut problems = Vec::new();
    let level = LinkLevel::parse(&change.level).map_err(|e| problems.extend(e.0)).ok();
    let on =
        required_date("on_date", &change.on_date, "变更日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    if let Some(d) = on {
        if d < s.founded_on {
            problems.push(FieldError::new("on_date", format!("变更日期不能早于成立日期 {}", s.founded_on)));
        }
        if let Some(end) = s.dissolved_on.filter(|end| d >= *end) {
            problems.push(FieldError::new("on_date", format!("{}已于 {end} 解散", s.name)));
        }
    }
    let reason = required_text(&change.reason, "reason", "变更原因", 200).map_err(|e| problems.extend(e.0)).ok();
    let (Some(level), Some(on), Some(reason)) = (level, on, reason) else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    // Taken first, so two changes at once are judged one after the other.
    conn.take::<society::Entity>(society::Column::Id, Condition::all().add(society::Column::Id.eq(s.id))).await?;
    let before = level_on(conn, s.id, on).await?;
    if before == Some(level) {
        return Err(Invalid::one("level", format!("{}在 {on} 的联系程度已是“{}”", s.name, level.label())).into());
    }
    society_link::ActiveModel {
        society_id: Set(s.id),
        level: Set(level.code().to_owned()),
        on_date: Set(on),
        reason: Set(reason.clone()),
        recorded_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let entry = Entry::new(AuditAction::SocietyLinked, ObjectKind::Society)
        .object(s.id)
        .within(proof)
        .before(json!({ "level": before.map(|l| l.code()) }))
        .after(json!({ "name": s.name, "level": level.code(), "on_date": on, "reason": reason }));
    audit::record(conn, app.now(), actor, entry).await
}

/// The level in force on a date: the latest change dated on or before it.
async fn level_on<C: sea_orm::ConnectionTrait>(conn: &C, society: i64, on: NaiveDate) -> AppResult<Option<LinkLevel>> {
    let latest = society_link::Entity::find()
        .filter(society_link::Column::SocietyId.eq(society))
        .filter(society_link::Column::OnDate.lte(on))
        .order_by_desc(society_link::Column::OnDate)
        .order_by_desc(society_link::Column::Id)
        .one(conn)
        .await?;
    Ok(latest.and_then(|l| LinkLevel::parse(&l.level).ok()))
}

impl crate::batch::Importable for NewLinkChange {
    const COLUMNS: &'static [(&'static str, &'static str)] = &LINK_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "name", "level", "on_date", "reason"];
    const EXAMPLE: &'static [&'static str] = &["CY01T", "城阳青年摄影协会", "直接联系", "2022-03-01", "建立团支部"];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        (field == "level").then(|| LinkLevel::ALL.iter().map(|k| k.label()).collect())
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            change: LinkChange { level: cell("level"), on_date: cell("on_date"), reason: cell("reason") },
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &LINK_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move {
                let (guide, proof) =
                    org_for_write(txn, actor, &row.org_code, "联系指导组织").await?.map_err(|e| Invalid(vec![e]))?;
                let s = society::Entity::find()
                    .filter(society::Column::OrgId.eq(guide.id))
                    .filter(society::Column::Name.eq(row.name.trim()))
                    .order_by_desc(society::Column::Id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        Invalid::one("name", format!("{}没有登记名为“{}”的青年社团", guide.name, row.name.trim()))
                    })?;
                link(txn, app, actor, &s, &proof, &row.change).await
            })
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

/// A society as the list shows it: its level and member count as of today.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SocietyRow {
    pub id: SocietyId,
    pub name: String,
    pub kind: String,
    pub org_name: String,
    pub region_name: String,
    pub level: String,
    pub level_since: Option<NaiveDate>,
    pub members: Option<i32>,
    pub founded_on: NaiveDate,
    pub dissolved_on: Option<NaiveDate>,
}

/// The list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    /// Part of the name.
    pub q: String,
    pub kind: String,
    /// The level in force today.
    pub level: String,
    /// An org's code: the societies it and the orgs below it guide.
    pub org: String,
    /// `true`: dissolved ones too.
    pub all: bool,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// The level in force today, as SQL over `societies` (every change is dated on or before today).
const CURRENT_LEVEL: &str = "(SELECT sl.level FROM society_links sl WHERE sl.society_id = societies.id \
                             ORDER BY sl.on_date DESC, sl.id DESC LIMIT 1)";

async fn query(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<society::Entity>> {
    let mut q = society::Entity::find().filter(scope::org_condition(actor, permission, society::Column::OrgId));
    if !filter.q.trim().is_empty() {
        q = q.filter(society::Column::Name.contains(filter.q.trim()));
    }
    if !filter.kind.trim().is_empty() {
        q = q.filter(society::Column::Kind.eq(SocietyKind::parse(&filter.kind)?.code()));
    }
    if !filter.level.trim().is_empty() {
        let level = LinkLevel::parse(&filter.level)?;
        // A closed list's code: a literal, never user text.
        q = q.filter(Expr::cust(format!("{CURRENT_LEVEL} = '{}'", level.code())));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(society::Column::OrgId.in_subquery(below));
    }
    if !filter.all {
        q = q.filter(society::Column::DissolvedOn.is_null());
    }
    Ok(q.order_by_asc(society::Column::Name).order_by_asc(society::Column::Id))
}

/// The societies guided by orgs in the actor's scope, by name, paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<SocietyRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut found = crate::page::fetch(&app.db, query(app, actor, READ, filter).await?, filter.page).await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

/// The list as a workbook, audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let found = query(app, actor, EXPORT, filter).await?.limit(50_000).all(&app.db).await?;
    let rows: Vec<Vec<String>> = rows(app, found)
        .await?
        .into_iter()
        .map(|r| {
            vec![
                r.name,
                r.kind,
                r.org_name,
                r.region_name,
                r.level,
                r.level_since.map(|d| d.to_string()).unwrap_or_default(),
                r.members.map(|m| m.to_string()).unwrap_or_default(),
                r.founded_on.to_string(),
                r.dissolved_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "社团名称",
        "类型",
        "联系指导组织",
        "所在区域",
        "联系程度",
        "联系程度起始",
        "成员人数",
        "成立日期",
        "解散日期",
    ];
    let asked =
        json!({ "list": "societies", "q": filter.q, "kind": filter.kind, "level": filter.level, "org": filter.org });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Society, asked), "青年社团", &header, rows).await
}

async fn rows(app: &App, found: Vec<society::Model>) -> AppResult<Vec<SocietyRow>> {
    let ids: Vec<i64> = found.iter().map(|s| s.id).collect();
    let names = crate::tree::names(&app.db, found.iter().map(|s| s.org_id).collect()).await?;
    let regions = crate::registry::regions::names(&app.db, found.iter().filter_map(|s| s.region_id)).await?;
    // The latest of each society's changes and counts (ordered so the latest comes last).
    let mut links: HashMap<i64, society_link::Model> = HashMap::new();
    for l in society_link::Entity::find()
        .filter(society_link::Column::SocietyId.is_in(ids.clone()))
        .order_by_asc(society_link::Column::OnDate)
        .order_by_asc(society_link::Column::Id)
        .all(&app.db)
        .await?
    {
        links.insert(l.society_id, l);
    }
    let mut counts: HashMap<i64, i32> = HashMap::new();
    for c in society_count::Entity::find()
        .filter(society_count::Column::SocietyId.is_in(ids))
        .order_by_asc(society_count::Column::OnDate)
        .all(&app.db)
        .await?
    {
        counts.insert(c.society_id, c.members);
    }
    Ok(found
        .into_iter()
        .map(|s| {
            let link = links.get(&s.id);
            SocietyRow {
                id: SocietyId(s.id),
                kind: SocietyKind::parse(&s.kind).map(|k| k.label().to_owned()).unwrap_or(s.kind.clone()),
                org_name: names.get(&s.org_id).cloned().unwrap_or_default(),
                region_name: s.region_id.and_then(|r| regions.get(&r).cloned()).unwrap_or_default(),
                level: link.map(|l| level_label(&l.level)).unwrap_or_default(),
                level_since: link.map(|l| l.on_date),
                members: counts.get(&s.id).copied(),
                founded_on: s.founded_on,
                dissolved_on: s.dissolved_on,
                name: s.name,
            }
        })
        .collect())
}

fn level_label(code: &str) -> String {
    LinkLevel::parse(code).map(|l| l.label().to_owned()).unwrap_or_else(|_| code.to_owned())
}

/// One change of a society's link level, as its page lists them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkRow {
    pub level: String,
    pub on_date: NaiveDate,
    pub reason: String,
}

/// One leader, the ID number masked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LeaderRow {
    pub name: String,
    pub id_number: String,
    pub role: String,
    pub since: NaiveDate,
}

/// A society's page: its row, the whole link history (latest first), its counts and leaders.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SocietyView {
    pub row: SocietyRow,
    pub links: Vec<LinkRow>,
    pub counts: Vec<(NaiveDate, i32)>,
    pub leaders: Vec<LeaderRow>,
    /// Whether the actor may change it.
    pub can_write: bool,
}

/// A society with its history (platforms.read over its guiding org).
pub async fn show(app: &App, actor: &Actor, id: SocietyId) -> AppResult<SocietyView> {
    let s = society::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Society, id.to_string()), OrgId(s.org_id)).await?;
    let links = society_link::Entity::find()
        .filter(society_link::Column::SocietyId.eq(s.id))
        .order_by_desc(society_link::Column::OnDate)
        .order_by_desc(society_link::Column::Id)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|l| LinkRow { level: level_label(&l.level), on_date: l.on_date, reason: l.reason })
        .collect();
    let counts = society_count::Entity::find()
        .filter(society_count::Column::SocietyId.eq(s.id))
        .order_by_desc(society_count::Column::OnDate)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|c| (c.on_date, c.members))
        .collect();
    let found = society_leader::Entity::find()
        .filter(society_leader::Column::SocietyId.eq(s.id))
        .order_by_asc(society_leader::Column::Since)
        .all(&app.db)
        .await?;
    let people = crate::registry::people::names_masked(app, found.iter().map(|l| l.person_id).collect()).await?;
    let leaders = found
        .into_iter()
        .filter_map(|l| {
            let (name, id_number) = people.get(&l.person_id)?.clone();
            Some(LeaderRow { name, id_number, role: l.role, since: l.since })
        })
        .collect();
    let can_write = scope::checked(&app.db, actor, WRITE, OrgId(s.org_id)).await?.is_some();
    let row = rows(app, vec![s]).await?.remove(0);
    Ok(SocietyView { row, links, counts, leaders, can_write })
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

async fn guided(app: &App, actor: &Actor, id: SocietyId) -> AppResult<(society::Model, InScope<OrgId>)> {
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

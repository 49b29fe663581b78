//! Online youth communities (网上青年社群, P7): WeChat and QQ groups, forums — each owned by a league
//! org, of a level (district, street, community) and a type (industry, system, interest, mutual
//! aid), run by an admin from the people registry, created and closed on dates. Their reach is
//! kept two ways: member counts by date (what a group's owner reads off the group), and member
//! lists imported from the group's export, of which only each phone's keyed hash is kept — so a
//! person in three groups is reached once, and no phone is stored in clear.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{CommunityId, OrgId};
use qingtuan_domain::person::{IdNumber, Phone};
use qingtuan_domain::platform::{CommunityLevel, CommunityPlatform, CommunityType};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{community, community_count, community_member, person};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
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
use crate::sheet::{Cell, Limits};
use crate::{Actor, App, AppError};

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

/// A member count as a spreadsheet row: the community named by its owning org and name.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewCommunityCount {
    pub org_code: String,
    pub name: String,
    pub count: MemberCount,
}

/// The columns of the member-counts spreadsheet.
pub const COUNT_COLUMNS: [(&str, &str); 4] =
    [("org_code", "所属组织代码"), ("name", "社群名称"), ("on_date", "统计日期"), ("members", "成员数")];

/// Records a community's member count on a date (platforms.write over its owning org).
pub async fn count_members(app: &App, actor: &Actor, id: CommunityId, form: &MemberCount) -> AppResult<()> {
    let (c, proof) = owned(app, actor, id, WRITE).await?;
    let txn = app.begin().await?;
    count(&txn, app, actor, &c, &proof, form).await?;
    txn.commit().await?;
    Ok(())
}

async fn count(
    conn: &Write,
    app: &App,
    actor: &Actor,
    c: &community::Model,
    proof: &InScope<OrgId>,
    form: &MemberCount,
) -> AppResult<()> {
    let mut problems = Vec::new();
    let on =
        required_date("on_date", &form.on_date, "统计日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    if on.is_some_and(|d| d < c.created_on) {
        problems.push(FieldError::new("on_date", format!("统计日期不能早于建立日期 {}", c.created_on)));
    }
    if let (Some(d), Some(end)) = (on, c.closed_on)
        && d >= end
    {
        problems.push(FieldError::new("on_date", format!("{}已于 {end} 关闭", c.name)));
    }
    let n = members("members", &form.members).map_err(|e| problems.push(e)).ok();
    let (Some(on), Some(n), true) = (on, n, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    let taken = format!("{}已登记 {on} 的成员数", c.name);
    // Checked first: on PostgreSQL a refused insert would end a batch's transaction.
    let held = community_count::Entity::find()
        .filter(community_count::Column::CommunityId.eq(c.id))
        .filter(community_count::Column::OnDate.eq(on))
        .count(conn)
        .await?;
    if held > 0 {
        return Err(Invalid::one("on_date", taken).into());
    }
    community_count::ActiveModel { community_id: Set(c.id), on_date: Set(on), members: Set(n), ..Default::default() }
        .insert(conn)
        .await
        .map_err(|e| AppError::on_unique(e, "on_date", &taken))?;
    let entry = Entry::new(AuditAction::CommunityCounted, ObjectKind::Community)
        .object(c.id)
        .within(proof)
        .after(json!({ "name": c.name, "on_date": on, "members": n }));
    audit::record(conn, app.now(), actor, entry).await
}

impl crate::batch::Importable for NewCommunityCount {
    const COLUMNS: &'static [(&'static str, &'static str)] = &COUNT_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "name", "on_date", "members"];
    const EXAMPLE: &'static [&'static str] = &["CY01T", "城阳街道青年互助群", "2022-05-31", "356"];

    fn choices(_: &str) -> Option<Vec<&'static str>> {
        None
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            count: MemberCount { on_date: cell("on_date"), members: cell("members") },
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &COUNT_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move {
                let (owner, proof) =
                    org_for_write(txn, actor, &row.org_code, "所属组织").await?.map_err(|e| Invalid(vec![e]))?;
                let c = community::Entity::find()
                    .filter(community::Column::OrgId.eq(owner.id))
                    .filter(community::Column::Name.eq(row.name.trim()))
                    .order_by_desc(community::Column::Id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        Invalid::one("name", format!("{}没有登记名为“{}”的社群", owner.name, row.name.trim()))
                    })?;
                count(txn, app, actor, &c, &proof, &row.count).await
            })
        })
        .await
    }
}

/// What reading a member list did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    /// Different phones found in the file.
    pub read: usize,
    /// Of those, the ones the community's list did not hold yet.
    pub added: usize,
}

/// The most rows a member list may have (a WeChat group holds 500 members, a QQ group 3,000).
const LIST_ROWS: u32 = 20_000;

/// Reads a member list exported from the group (.xlsx or .csv): every cell that is a mobile
/// number counts as a member. Only the keyed hash of each phone is kept, dated `listed_on`; the
/// file itself is not kept (platforms.write over the owning org).
pub async fn list_members(
    app: &App,
    actor: &Actor,
    id: CommunityId,
    listed_on: &str,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<Listed> {
    let (c, proof) = owned(app, actor, id, WRITE).await?;
    let on = required_date("listed_on", listed_on, "名单日期", local_date(app.now())).map_err(|e| Invalid(vec![e]))?;
    if on < c.created_on {
        return Err(Invalid::one("listed_on", format!("名单日期不能早于建立日期 {}", c.created_on)).into());
    }
    let sheet = crate::sheet::read(file_name, bytes, Limits { max_rows: LIST_ROWS, max_columns: 60 })?;
    let phones: HashSet<String> = sheet
        .rows
        .iter()
        .flatten()
        .filter_map(|cell| match cell {
            Cell::Text(t) => Phone::parse(t).ok(),
            Cell::Number(n) if n.fract() == 0.0 && *n > 0.0 && *n < 1e11 => {
                Phone::parse(&format!("{}", *n as i64)).ok()
            }
            _ => None,
        })
        .map(|p| app.keys.lookup_hash(p.as_str()))
        .collect();
    if phones.is_empty() {
        return Err(Invalid::one("file", "文件中没有找到手机号码（应为 11 位数字，以 13–19 开头）").into());
    }
    let txn = app.begin().await?;
    // Taken first, so two lists read at once are added one after the other.
    txn.take::<community::Entity>(community::Column::Id, sea_orm::Condition::all().add(community::Column::Id.eq(c.id)))
        .await?;
    let held: HashSet<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::PhoneHash)
        .filter(community_member::Column::CommunityId.eq(c.id))
        .into_tuple::<String>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let new: Vec<community_member::ActiveModel> = phones
        .iter()
        .filter(|h| !held.contains(*h))
        .map(|h| community_member::ActiveModel {
            community_id: Set(c.id),
            phone_hash: Set(h.clone()),
            listed_on: Set(on),
            ..Default::default()
        })
        .collect();
    let added = new.len();
    // An older list read after a newer one dates its people back: a person counts from the
    // earliest list that names them, whatever order the lists came in.
    let again: Vec<String> = phones.iter().filter(|h| held.contains(*h)).cloned().collect();
    for chunk in again.chunks(500) {
        community_member::Entity::update_many()
            .col_expr(community_member::Column::ListedOn, Expr::value(on))
            .filter(community_member::Column::CommunityId.eq(c.id))
            .filter(community_member::Column::PhoneHash.is_in(chunk.to_vec()))
            .filter(community_member::Column::ListedOn.gt(on))
            .exec(&txn)
            .await?;
    }
    for chunk in new.chunks(500) {
        community_member::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    let entry = Entry::new(AuditAction::CommunityListed, ObjectKind::Community)
        .object(c.id)
        .within(&proof)
        .after(json!({ "name": c.name, "listed_on": on, "read": phones.len(), "added": added }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(Listed { read: phones.len(), added })
}

/// A community as the list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommunityRow {
    pub id: CommunityId,
    pub name: String,
    pub platform: String,
    pub level: String,
    pub community_type: String,
    pub org_name: String,
    pub admin_name: String,
    /// The latest member count and its date.
    pub members: Option<(i32, NaiveDate)>,
    /// Members on the imported lists.
    pub listed: i64,
    pub created_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

/// The list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    /// Part of the name.
    pub q: String,
    pub level: String,
    pub community_type: String,
    pub platform: String,
    /// An org's code: the communities it and the orgs below it own.
    pub org: String,
    /// `true`: closed ones too.
    pub all: bool,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

async fn query(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<community::Entity>> {
    let mut q = community::Entity::find().filter(scope::org_condition(actor, permission, community::Column::OrgId));
    if !filter.q.trim().is_empty() {
        q = q.filter(community::Column::Name.contains(filter.q.trim()));
    }
    if !filter.level.trim().is_empty() {
        q = q.filter(community::Column::Level.eq(CommunityLevel::parse(&filter.level)?.code()));
    }
    if !filter.community_type.trim().is_empty() {
        q = q.filter(community::Column::CommunityType.eq(CommunityType::parse(&filter.community_type)?.code()));
    }
    if !filter.platform.trim().is_empty() {
        q = q.filter(community::Column::Platform.eq(CommunityPlatform::parse(&filter.platform)?.code()));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(community::Column::OrgId.in_subquery(below));
    }
    if !filter.all {
        q = q.filter(community::Column::ClosedOn.is_null());
    }
    Ok(q.order_by_asc(community::Column::Name).order_by_asc(community::Column::Id))
}

/// The communities owned by orgs in the actor's scope, by name, paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<CommunityRow>> {
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
                r.platform,
                r.level,
                r.community_type,
                r.org_name,
                r.admin_name,
                r.members.map(|(n, _)| n.to_string()).unwrap_or_default(),
                r.members.map(|(_, d)| d.to_string()).unwrap_or_default(),
                r.listed.to_string(),
                r.created_on.to_string(),
                r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "社群名称",
        "平台",
        "层级",
        "类型",
        "所属组织",
        "管理员",
        "成员数",
        "成员数统计日期",
        "名单人数",
        "建立日期",
        "关闭日期",
    ];
    let asked = json!({
        "list": "communities", "q": filter.q, "level": filter.level, "type": filter.community_type,
        "platform": filter.platform, "org": filter.org,
    });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Community, asked), "网上青年社群", &header, rows).await
}

#[derive(Debug, FromQueryResult)]
struct Listing {
    community_id: i64,
    listed: i64,
}

async fn rows(app: &App, found: Vec<community::Model>) -> AppResult<Vec<CommunityRow>> {
    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let names = crate::tree::names(&app.db, found.iter().map(|c| c.org_id).collect()).await?;
    let admins: HashMap<i64, String> = person::Entity::find()
        .filter(person::Column::Id.is_in(found.iter().filter_map(|c| c.admin_person_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut counts: HashMap<i64, (i32, NaiveDate)> = HashMap::new();
    for c in community_count::Entity::find()
        .filter(community_count::Column::CommunityId.is_in(ids.clone()))
        .order_by_asc(community_count::Column::OnDate)
        .all(&app.db)
        .await?
    {
        counts.insert(c.community_id, (c.members, c.on_date));
    }
    let listed: HashMap<i64, i64> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::CommunityId)
        .column_as(community_member::Column::Id.count(), "listed")
        .filter(community_member::Column::CommunityId.is_in(ids))
        .group_by(community_member::Column::CommunityId)
        .into_model::<Listing>()
        .all(&app.db)
        .await?
        .into_iter()
        .map(|l| (l.community_id, l.listed))
        .collect();
    let label = |code: &str, parse: fn(&str) -> Option<&'static str>| parse(code).unwrap_or_default().to_owned();
    Ok(found
        .into_iter()
        .map(|c| CommunityRow {
            id: CommunityId(c.id),
            platform: label(&c.platform, |s| CommunityPlatform::parse(s).ok().map(|v| v.label())),
            level: label(&c.level, |s| CommunityLevel::parse(s).ok().map(|v| v.label())),
            community_type: label(&c.community_type, |s| CommunityType::parse(s).ok().map(|v| v.label())),
            org_name: names.get(&c.org_id).cloned().unwrap_or_default(),
            admin_name: c.admin_person_id.and_then(|p| admins.get(&p).cloned()).unwrap_or_default(),
            members: counts.get(&c.id).copied(),
            listed: listed.get(&c.id).copied().unwrap_or(0),
            created_on: c.created_on,
            closed_on: c.closed_on,
            name: c.name,
        })
        .collect())
}

/// A community's page: its row and every member count, latest first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommunityView {
    pub row: CommunityRow,
    pub counts: Vec<(NaiveDate, i32)>,
    /// Whether the actor may change it.
    pub can_write: bool,
}

/// A community with its counts (platforms.read over its owning org).
pub async fn show(app: &App, actor: &Actor, id: CommunityId) -> AppResult<CommunityView> {
    let (c, _) = owned(app, actor, id, READ).await?;
    let counts = community_count::Entity::find()
        .filter(community_count::Column::CommunityId.eq(c.id))
        .order_by_desc(community_count::Column::OnDate)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|c| (c.on_date, c.members))
        .collect();
    let can_write = scope::checked(&app.db, actor, WRITE, OrgId(c.org_id)).await?.is_some();
    let row = rows(app, vec![c]).await?.remove(0);
    Ok(CommunityView { row, counts, can_write })
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

async fn owned(
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

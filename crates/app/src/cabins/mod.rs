//! Hope cabins (希望小屋, B6): a case per child in need — the family situation, the needs, the
//! cabin built for them (day, items, cost) — paid for by companies and NGOs through the ledger
//! (lines whose purpose is the cabin), with volunteers paired to the child who visit (探访, 陪伴,
//! 心理辅导, 学业辅导).
//!
//! Every child is a minor, and the children's records rules apply: without a standing approval
//! over a part of the tree holding the cabin's org (`registry::minors`), the child's name is masked
//! and the family situation, needs, address and the visits' notes are withheld; every full view is
//! audited. A paired volunteer has no account: their private link shows only their child (name
//! masked) and records their visits.

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::cabin::{Guardian, VisitKind};
use qingtuan_domain::ids::{CabinId, OrgId, PairingId};
use qingtuan_domain::money::Fen;
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::person::{IdNumber, age_on};
use qingtuan_domain::platform::Purpose;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{cabin_pair, cabin_visit, contribution, hope_cabin};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::crypto::{random_token, sha256_hex};
use crate::error::AppResult;
use crate::forms::{required_date, required_text};
use crate::page::Page;
use crate::registry::minors::{WITHHELD, approved_over, masked_name};
use crate::{Actor, App, AppError, ClientInfo};

pub const READ: Permission = Permission::new(Module::Cabins, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Cabins, Action::Write);

/// A child's case as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewCabin {
    pub org_code: String,
    pub child_name: String,
    pub birth_on: String,
    pub guardian: String,
    /// The family situation and the child's needs.
    pub details: String,
    pub address: String,
}

/// Opens a child's case (cabins.write over the org): the child is a minor on the day.
pub async fn open(app: &App, actor: &Actor, form: &NewCabin) -> AppResult<CabinId> {
    let proof = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let today = local_date(app.now());
    let mut problems = Vec::new();
    let name = required_text(&form.child_name, "child_name", "儿童姓名", 50).map_err(|e| problems.extend(e.0)).ok();
    let birth = required_date("birth_on", &form.birth_on, "出生日期", today).map_err(|e| problems.push(e)).ok();
    if birth.is_some_and(|b| age_on(b, today) >= 18) {
        problems.push(FieldError::new("birth_on", "希望小屋面向未满 18 周岁的儿童"));
    }
    let guardian = Guardian::parse(&form.guardian).map_err(|e| problems.extend(e.0)).ok();
    let details =
        required_text(&form.details, "details", "家庭情况和需求", 1000).map_err(|e| problems.extend(e.0)).ok();
    let address = required_text(&form.address, "address", "住址", 200).map_err(|e| problems.extend(e.0)).ok();
    let (Some(name), Some(birth), Some(guardian), Some(details), Some(address), true) =
        (name, birth, guardian, details, address, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let txn = app.begin().await?;
    let row = hope_cabin::ActiveModel {
        org_id: Set(proof.get().0),
        child_name_enc: Set(app.keys.encrypt(&name)?),
        child_initial: Set(name.chars().take(1).collect()),
        child_birth_on: Set(birth),
        guardian: Set(guardian.code().to_owned()),
        details_enc: Set(app.keys.encrypt(&details)?),
        address_enc: Set(app.keys.encrypt(&address)?),
        built_on: Set(None),
        items: Set(String::new()),
        cost_fen: Set(None),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // The log names no child.
    let entry = Entry::new(AuditAction::CabinOpened, ObjectKind::Cabin).object(row.id).within(&proof);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(CabinId(row.id))
}

async fn cabin_of(
    app: &App,
    actor: &Actor,
    permission: Permission,
    id: CabinId,
) -> AppResult<(hope_cabin::Model, InScope<OrgId>)> {
    let found = hope_cabin::Entity::find_by_id(id.0).one(&app.db).await?;
    let org = OrgId(found.as_ref().map_or(0, |c| c.org_id));
    let proof = scope::require(app, actor, permission, (ObjectKind::Cabin, id.to_string()), org).await?;
    Ok((found.ok_or(AppError::NotFound)?, proof))
}

/// The cabin as built, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Built {
    pub built_on: String,
    pub items: String,
    /// Yuan.
    pub cost: String,
}

/// Records the cabin built (cabins.write over the org).
pub async fn build(app: &App, actor: &Actor, id: CabinId, form: &Built) -> AppResult<()> {
    let (c, proof) = cabin_of(app, actor, WRITE, id).await?;
    let mut problems = Vec::new();
    let on =
        required_date("built_on", &form.built_on, "建成日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    let items = required_text(&form.items, "items", "配置", 200).map_err(|e| problems.extend(e.0)).ok();
    let cost = Fen::parse_yuan("cost", &form.cost).map_err(|e| problems.extend(e.0)).ok();
    let (Some(on), Some(items), Some(cost), true) = (on, items, cost, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    let txn = app.begin().await?;
    hope_cabin::Entity::update_many()
        .col_expr(hope_cabin::Column::BuiltOn, Expr::value(on))
        .col_expr(hope_cabin::Column::Items, Expr::value(items.clone()))
        .col_expr(hope_cabin::Column::CostFen, Expr::value(cost.0))
        .filter(hope_cabin::Column::Id.eq(c.id))
        .exec(&txn)
        .await?;
    let entry = Entry::new(AuditAction::CabinBuilt, ObjectKind::Cabin)
        .object(c.id)
        .within(&proof)
        .before(json!({ "built_on": c.built_on }))
        .after(json!({ "built_on": on, "items": items, "cost_fen": cost.0 }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A volunteer to pair, as typed: a registered person.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewPair {
    pub id_number: String,
    pub name: String,
    pub since: String,
}

/// Pairs a registered volunteer with the child (cabins.write over the org). Returns the private
/// link's token, shown once, for the volunteer to record visits through.
pub async fn pair(app: &App, actor: &Actor, id: CabinId, form: &NewPair) -> AppResult<String> {
    let (c, proof) = cabin_of(app, actor, WRITE, id).await?;
    let mut problems = Vec::new();
    let since =
        required_date("since", &form.since, "结对日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    let person = match IdNumber::parse(&form.id_number) {
        Err(e) => {
            problems.extend(e.0.into_iter().map(|f| FieldError { field: "id_number", ..f }));
            None
        }
        Ok(n) => {
            let found = crate::registry::people::registered_as(app, &n, &form.name).await?;
            if found.is_none() {
                problems.push(FieldError::new("id_number", crate::registry::people::NOT_REGISTERED));
            }
            found
        }
    };
    let (Some(since), Some(person), true) = (since, person, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    let token = random_token();
    let txn = app.begin().await?;
    txn.take::<hope_cabin::Entity>(
        hope_cabin::Column::Id,
        sea_orm::Condition::all().add(hope_cabin::Column::Id.eq(c.id)),
    )
    .await?;
    let paired = cabin_pair::Entity::find()
        .filter(cabin_pair::Column::CabinId.eq(c.id))
        .filter(cabin_pair::Column::PersonId.eq(person))
        .filter(cabin_pair::Column::EndedOn.is_null())
        .one(&txn)
        .await?;
    if paired.is_some() {
        txn.rollback().await?;
        return Err(Invalid::one("id_number", "此志愿者已与该儿童结对；链接遗失的请先结束结对再重新结对").into());
    }
    cabin_pair::ActiveModel {
        cabin_id: Set(c.id),
        person_id: Set(person),
        since: Set(since),
        ended_on: Set(None),
        token_hash: Set(sha256_hex(&token)),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::CabinPaired, ObjectKind::Cabin)
        .object(c.id)
        .within(&proof)
        .after(json!({ "person": person, "since": since }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(token)
}

/// Ends a pairing (cabins.write over the org): the volunteer's private link no longer opens.
/// Returns the cabin.
pub async fn unpair(app: &App, actor: &Actor, PairingId(pair): PairingId) -> AppResult<CabinId> {
    let p = cabin_pair::Entity::find_by_id(pair).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (c, proof) = cabin_of(app, actor, WRITE, CabinId(p.cabin_id)).await?;
    let today = local_date(app.now());
    let txn = app.begin().await?;
    // The link's hash is replaced by one of a token nobody holds.
    let ended = cabin_pair::Entity::update_many()
        .col_expr(cabin_pair::Column::EndedOn, Expr::value(today))
        .col_expr(cabin_pair::Column::TokenHash, Expr::value(sha256_hex(&random_token())))
        .filter(cabin_pair::Column::Id.eq(p.id))
        .filter(cabin_pair::Column::EndedOn.is_null())
        .exec(&txn)
        .await?;
    if ended.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("pair", "该结对已结束").into());
    }
    let entry = Entry::new(AuditAction::CabinPaired, ObjectKind::Cabin)
        .object(c.id)
        .within(&proof)
        .before(json!({ "person": p.person_id, "since": p.since }))
        .after(json!({ "ended_on": today }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(CabinId(c.id))
}

/// A visit as typed, at the desk or through a volunteer's private link.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewVisit {
    pub on_date: String,
    pub kind: String,
    pub notes: String,
    /// At the desk: who visited.
    pub by_name: String,
}

struct CheckedVisit {
    on: NaiveDate,
    kind: VisitKind,
    notes: String,
}

fn check_visit(app: &App, c: &hope_cabin::Model, form: &NewVisit) -> Result<CheckedVisit, Invalid> {
    let mut problems = Vec::new();
    let on =
        required_date("on_date", &form.on_date, "探访日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    if on.is_some_and(|d| d < c.child_birth_on) {
        problems.push(FieldError::new("on_date", "探访日期有误"));
    }
    let kind = VisitKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let notes = form.notes.trim().to_owned();
    if notes.chars().count() > 1000 {
        problems.push(FieldError::new("notes", "情况记录不超过 1000 个字"));
    }
    match (on, kind, problems.is_empty()) {
        (Some(on), Some(kind), true) => Ok(CheckedVisit { on, kind, notes }),
        _ => Err(Invalid(problems)),
    }
}

async fn insert_visit(
    app: &App,
    actor: &Actor,
    c: &hope_cabin::Model,
    v: CheckedVisit,
    pair: Option<i64>,
    by: &str,
) -> AppResult<()> {
    let txn = app.begin().await?;
    cabin_visit::ActiveModel {
        cabin_id: Set(c.id),
        pair_id: Set(pair),
        on_date: Set(v.on),
        kind: Set(v.kind.code().to_owned()),
        by_name: Set(by.chars().take(50).collect()),
        notes_enc: Set(app.keys.encrypt(&v.notes)?),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::CabinVisited, ObjectKind::Cabin)
        .object(c.id)
        .scope(OrgId(c.org_id))
        .after(json!({ "on_date": v.on, "kind": v.kind.code(), "pair": pair }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Records a visit at the desk (cabins.write over the org).
pub async fn visit(app: &App, actor: &Actor, id: CabinId, form: &NewVisit) -> AppResult<()> {
    let (c, _) = cabin_of(app, actor, WRITE, id).await?;
    let by = required_text(&form.by_name, "by_name", "探访人", 50)?;
    let v = check_visit(app, &c, form)?;
    insert_visit(app, actor, &c, v, None, &by).await
}

/// A child's case as lists show it: the name masked and the family situation withheld unless the
/// viewer is approved.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CabinRow {
    pub id: CabinId,
    pub org_name: String,
    pub child: String,
    pub age: i32,
    pub guardian: String,
    pub built_on: Option<NaiveDate>,
    pub raised_yuan: i64,
    pub visits: usize,
    pub last_visit: Option<NaiveDate>,
}

async fn rows(app: &App, actor: &Actor, found: Vec<hope_cabin::Model>, view: &str) -> AppResult<Vec<CabinRow>> {
    let today = local_date(app.now());
    let orgs = crate::tree::names(&app.db, found.iter().map(|c| c.org_id).collect()).await?;
    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let visits: Vec<(i64, NaiveDate)> = cabin_visit::Entity::find()
        .select_only()
        .column(cabin_visit::Column::CabinId)
        .column(cabin_visit::Column::OnDate)
        .filter(cabin_visit::Column::CabinId.is_in(ids.clone()))
        .into_tuple()
        .all(&app.db)
        .await?;
    let raised: Vec<(Option<i64>, i64)> = contribution::Entity::find()
        .select_only()
        .column(contribution::Column::PurposeId)
        .column(contribution::Column::ValueFen)
        .filter(contribution::Column::PurposeKind.eq(Purpose::Cabin.code()))
        .filter(contribution::Column::PurposeId.is_in(ids))
        .into_tuple()
        .all(&app.db)
        .await?;
    let mut out = Vec::with_capacity(found.len());
    let mut shown = Vec::new();
    for c in found {
        let approved = approved_over(app, actor, OrgId(c.org_id)).await?;
        let mine: Vec<NaiveDate> = visits.iter().filter(|(id, _)| *id == c.id).map(|(_, d)| *d).collect();
        if approved {
            shown.push((c.id, c.org_id));
        }
        out.push(CabinRow {
            id: CabinId(c.id),
            org_name: orgs.get(&c.org_id).cloned().unwrap_or_default(),
            child: if approved {
                app.keys.decrypt(&c.child_name_enc)?
            } else {
                masked_name(&format!("{}某", c.child_initial))
            },
            age: age_on(c.child_birth_on, today),
            guardian: if approved {
                Guardian::parse(&c.guardian).map(|g| g.label().to_owned()).unwrap_or_default()
            } else {
                WITHHELD.to_owned()
            },
            built_on: c.built_on,
            raised_yuan: Fen(raised.iter().filter(|(p, _)| *p == Some(c.id)).map(|(_, v)| v).sum()).round_yuan(),
            visits: mine.len(),
            last_visit: mine.into_iter().max(),
        });
    }
    if !shown.is_empty() && !actor.is_system() {
        // One row per org, so each org's auditors see who viewed its children.
        let mut by_org: std::collections::BTreeMap<i64, Vec<i64>> = std::collections::BTreeMap::new();
        for (cabin, org) in shown {
            by_org.entry(org).or_default().push(cabin);
        }
        for (org, cabins) in by_org {
            let entry = Entry::new(AuditAction::MinorAccessed, ObjectKind::Cabin)
                .scope(OrgId(org))
                .after(json!({ "view": view, "cabins": cabins }));
            audit::record(app.writer(), app.now(), actor, entry).await?;
        }
    }
    Ok(out)
}

/// The cabins list's filter.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    /// An org (code or name): its cabins and those of the orgs below it.
    pub org: String,
    /// `building` (not built yet), `built`, `unvisited` (built, no visit in the last quarter) or
    /// empty for all.
    pub state: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// The states the list filters by: (code, label).
pub const STATES: [(&str, &str); 3] = [("building", "未建成"), ("built", "已建成"), ("unvisited", "近一季度未探访")];

/// The cases of the actor's scope, filtered and paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<CabinRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut query = hope_cabin::Entity::find().filter(scope::org_condition(actor, READ, hope_cabin::Column::OrgId));
    if !filter.org.trim().is_empty() {
        query =
            query.filter(hope_cabin::Column::OrgId.in_subquery(scope::subtree(app, actor, READ, &filter.org).await?));
    }
    let today = local_date(app.now());
    query = match filter.state.as_str() {
        "building" => query.filter(hope_cabin::Column::BuiltOn.is_null()),
        "built" => query.filter(hope_cabin::Column::BuiltOn.is_not_null()),
        "unvisited" => {
            // The same quarter as the figure of cabins visited at least once a quarter.
            let since = today - chrono::TimeDelta::days(90);
            let visited = sea_orm::sea_query::Query::select()
                .column(cabin_visit::Column::CabinId)
                .from(cabin_visit::Entity)
                .and_where(cabin_visit::Column::OnDate.between(since, today))
                .take();
            query
                .filter(hope_cabin::Column::BuiltOn.is_not_null())
                .filter(hope_cabin::Column::Id.not_in_subquery(visited))
        }
        "" => query,
        _ => return Err(Invalid::one("state", "请选择状态：未建成、已建成或近一季度未探访").into()),
    };
    let mut found = crate::page::fetch(&app.db, query.order_by_desc(hope_cabin::Column::Id), filter.page).await?;
    let items = rows(app, actor, std::mem::take(&mut found.items), "希望小屋列表").await?;
    Ok(found.with(items))
}

/// A visit as the case's page lists it: its notes only for approved viewers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VisitRow {
    pub on_date: NaiveDate,
    pub kind: String,
    pub by: String,
    pub notes: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CabinView {
    pub row: CabinRow,
    /// The family situation and needs, and the address: only for approved viewers.
    pub details: Option<(String, String)>,
    pub items: String,
    pub cost: Option<String>,
    /// The pairings: (id, "name（since 起）", still on).
    pub volunteers: Vec<(i64, String, bool)>,
    pub visits: Vec<VisitRow>,
    pub can_write: bool,
}

/// A child's case (cabins.read over the org): in full for approved viewers (audited).
pub async fn show(app: &App, actor: &Actor, id: CabinId) -> AppResult<CabinView> {
    let (c, _) = cabin_of(app, actor, READ, id).await?;
    let approved = approved_over(app, actor, OrgId(c.org_id)).await?;
    let can_write = scope::checked(&app.db, actor, WRITE, OrgId(c.org_id)).await?.is_some();
    let pairs = cabin_pair::Entity::find().filter(cabin_pair::Column::CabinId.eq(c.id)).all(&app.db).await?;
    let people = crate::registry::people::names_masked(app, pairs.iter().map(|p| p.person_id).collect()).await?;
    let volunteers = pairs
        .iter()
        .filter_map(|p| {
            let (name, _) = people.get(&p.person_id)?;
            let span = match p.ended_on {
                Some(e) => format!("{name}（{} 至 {e}）", p.since),
                None => format!("{name}（{} 起）", p.since),
            };
            Some((p.id, span, p.ended_on.is_none()))
        })
        .collect();
    let visits = cabin_visit::Entity::find()
        .filter(cabin_visit::Column::CabinId.eq(c.id))
        .order_by_desc(cabin_visit::Column::OnDate)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|v| {
            Ok(VisitRow {
                on_date: v.on_date,
                kind: VisitKind::parse(&v.kind).map(|k| k.label().to_owned()).unwrap_or(v.kind),
                by: v.by_name,
                notes: if approved { app.keys.decrypt(&v.notes_enc)? } else { WITHHELD.to_owned() },
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let details =
        if approved { Some((app.keys.decrypt(&c.details_enc)?, app.keys.decrypt(&c.address_enc)?)) } else { None };
    let items = c.items.clone();
    let cost = c.cost_fen.map(|f| Fen(f).yuan_text());
    let row = rows(app, actor, vec![c], "希望小屋详情").await?.remove(0);
    Ok(CabinView { row, details, items, cost, volunteers, visits, can_write })
}

/// What a paired volunteer's private link shows: their child, name masked, and their own visits.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MyChild {
    pub child: String,
    pub org_name: String,
    pub since: NaiveDate,
    /// (date, kind) of the visits recorded through this link.
    pub visits: Vec<(NaiveDate, String)>,
}

async fn by_token(app: &App, token: &str) -> AppResult<(cabin_pair::Model, hope_cabin::Model)> {
    let pair = cabin_pair::Entity::find()
        .filter(cabin_pair::Column::TokenHash.eq(sha256_hex(token)))
        .filter(cabin_pair::Column::EndedOn.is_null())
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = hope_cabin::Entity::find_by_id(pair.cabin_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    Ok((pair, c))
}

/// The volunteer's page behind their private link.
pub async fn mine(app: &App, token: &str) -> AppResult<MyChild> {
    let (pair, c) = by_token(app, token).await?;
    let org_name = crate::tree::names(&app.db, vec![c.org_id]).await?.remove(&c.org_id).unwrap_or_default();
    let visits = cabin_visit::Entity::find()
        .filter(cabin_visit::Column::PairId.eq(pair.id))
        .order_by_desc(cabin_visit::Column::OnDate)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|v| (v.on_date, VisitKind::parse(&v.kind).map(|k| k.label().to_owned()).unwrap_or(v.kind)))
        .collect();
    Ok(MyChild { child: masked_name(&format!("{}某", c.child_initial)), org_name, since: pair.since, visits })
}

/// Records a visit through the volunteer's private link.
pub async fn visit_by_link(app: &App, client: &ClientInfo, token: &str, form: &NewVisit) -> AppResult<()> {
    let (pair, c) = by_token(app, token).await?;
    let v = check_visit(app, &c, form)?;
    if v.on < pair.since {
        return Err(Invalid::one("on_date", format!("探访日期不能早于结对日期 {}", pair.since)).into());
    }
    let people = crate::registry::people::names_masked(app, vec![pair.person_id]).await?;
    let by = people.get(&pair.person_id).map(|(n, _)| n.clone()).unwrap_or_else(|| "结对志愿者".into());
    let anonymous = Actor::anonymous(client, &by);
    insert_visit(app, &anonymous, &c, v, Some(pair.id), &by).await
}

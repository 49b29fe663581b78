//! Purchased services (购买服务, C5): a street or community buys services from a partner — most often
//! a social-work organisation — for an amount over a period, with deliverables; the social workers
//! the contract places hold posts in the buying org (employment 社工, source 购买服务) and so count
//! in the regular work force. A contract's page sets its deliverables beside what the records hold
//! for the buying org and the orgs below it over the period: activities held, their attendance,
//! volunteer turn-outs.
//!
//! The buying org's staff sign contracts and place workers (`selection.write` over the buyer).

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{ContractId, OrgId};
use qingtuan_domain::money::Fen;
use qingtuan_domain::position::{CadreSource, Employment, Title};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{contract_worker, org, partner, person, position, service_contract as contract};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Set,
};
use serde_json::json;

use super::{READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::{parse_date, required_text};
use crate::page::Page;
use crate::registry::positions;
use crate::{Actor, App, AppError};

/// A contract as typed: the provider by its unified social credit code, the amount in yuan.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewContract {
    pub org_code: String,
    pub partner_code: String,
    pub title: String,
    pub amount: String,
    pub starts_on: String,
    pub ends_on: String,
    pub deliverables: String,
}

/// Signs a contract (write over the buying org).
pub async fn sign_contract(app: &App, actor: &Actor, form: &NewContract) -> AppResult<ContractId> {
    let buyer = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let org = org::Entity::find_by_id(buyer.get().0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let mut problems: Vec<FieldError> = Vec::new();
    let provider = crate::tree::partner_by_credit_code(&app.db, &form.partner_code).await?;
    if provider.is_none() {
        problems.push(FieldError::new(
            "partner_code",
            format!("没有统一社会信用代码为“{}”的合作伙伴，请先在合作伙伴中登记", form.partner_code.trim()),
        ));
    }
    let title = required_text(&form.title, "title", "服务项目名称", 200).map_err(|e| problems.extend(e.0)).ok();
    let amount = match Fen::parse_yuan("amount", &form.amount) {
        Ok(f) if f.0 > 0 => Some(f),
        Ok(_) => {
            problems.push(FieldError::new("amount", "合同金额应大于 0"));
            None
        }
        Err(e) => {
            problems.extend(e.0);
            None
        }
    };
    let mut date = |f: &'static str, raw: &str, what: &str| match parse_date(f, raw) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            problems.push(FieldError::new(f, format!("请填写{what}")));
            None
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let starts_on = date("starts_on", &form.starts_on, "服务开始日期");
    let ends_on = date("ends_on", &form.ends_on, "服务结束日期");
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && (e < s || e > s + chrono::TimeDelta::days(366 * 3))
    {
        problems.push(FieldError::new("ends_on", "服务结束日期应在开始日期之后，合同期不超过 3 年"));
    }
    if let Some(s) = starts_on
        && (org.founded_on > s || org.dissolved_on.is_some_and(|d| d <= s))
    {
        problems.push(FieldError::new("starts_on", format!("{}在服务开始日期不存在", org.name)));
    }
    if form.deliverables.trim().chars().count() > 1000 {
        problems.push(FieldError::new("deliverables", "服务内容和指标不超过 1000 个字"));
    }
    let (Some(provider), Some(title), Some(amount), Some(starts_on), Some(ends_on)) =
        (provider, title, amount, starts_on, ends_on)
    else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let txn = app.begin().await?;
    let row = contract::ActiveModel {
        org_id: Set(org.id),
        partner_id: Set(provider.id),
        title: Set(title.clone()),
        amount_fen: Set(amount.0),
        starts_on: Set(starts_on),
        ends_on: Set(ends_on),
        deliverables: Set(form.deliverables.trim().to_owned()),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry =
        Entry::new(AuditAction::ContractSigned, ObjectKind::Contract).object(row.id).within(&buyer).after(json!({
            "org": org.code, "partner": provider.credit_code, "title": title, "amount_fen": amount.0,
            "starts_on": starts_on, "ends_on": ends_on,
        }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(ContractId(row.id))
}

/// A contract as lists show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContractRow {
    pub id: ContractId,
    pub org_name: String,
    pub partner_name: String,
    pub title: String,
    pub amount: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub workers: u64,
}

/// The contracts list's filter.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ContractFilter {
    pub year: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// The contracts of buying orgs in the actor's scope, newest first, paged.
pub async fn contracts(app: &App, actor: &Actor, filter: &ContractFilter) -> AppResult<Page<ContractRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut q = contract::Entity::find().filter(scope::org_condition(actor, READ, contract::Column::OrgId));
    if !filter.year.trim().is_empty() {
        let year: i32 = filter.year.trim().parse().map_err(|_| Invalid::one("year", "年度应为四位数字"))?;
        let (from, to) = qingtuan_domain::accountability::year_span(year).ok_or(Invalid::one("year", "年度无效"))?;
        // Those in force at some time in the year.
        q = q.filter(contract::Column::StartsOn.lte(to)).filter(contract::Column::EndsOn.gte(from));
    }
    let q = q.order_by_desc(contract::Column::StartsOn).order_by_desc(contract::Column::Id);
    let mut found = crate::page::fetch(&app.db, q, filter.page).await?;
    let items = contract_rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

async fn contract_rows(app: &App, found: Vec<contract::Model>) -> AppResult<Vec<ContractRow>> {
    let names = crate::tree::names(&app.db, found.iter().map(|c| c.org_id).collect()).await?;
    let mut out = Vec::with_capacity(found.len());
    for c in found {
        let partner_name =
            partner::Entity::find_by_id(c.partner_id).one(&app.db).await?.map(|p| p.name).unwrap_or_default();
        let workers =
            contract_worker::Entity::find().filter(contract_worker::Column::ContractId.eq(c.id)).count(&app.db).await?;
        out.push(ContractRow {
            id: ContractId(c.id),
            org_name: names.get(&c.org_id).cloned().unwrap_or_default(),
            partner_name,
            amount: Fen(c.amount_fen).yuan_text(),
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            workers,
            title: c.title,
        });
    }
    Ok(out)
}

/// A placed social worker as the contract's page shows them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkerView {
    pub name: String,
    pub org_name: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

/// What the records hold for the buying org and below over the contract's period.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Delivered {
    pub activities: i64,
    pub attended: i64,
    pub turnouts: i64,
    pub volunteer_hours: i64,
}

/// A contract's page.
#[derive(Debug, Clone)]
pub struct ContractDetail {
    pub contract: ContractRow,
    pub deliverables: String,
    pub workers: Vec<WorkerView>,
    pub delivered: Delivered,
    pub can_write: bool,
}

/// A contract with its workers and what was delivered (read over the buyer; 404 outside).
pub async fn contract(app: &App, actor: &Actor, id: ContractId) -> AppResult<ContractDetail> {
    let c = contract::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Contract, id.to_string()), OrgId(c.org_id)).await?;
    let can_write = scope::covers(&app.db, actor, WRITE, OrgId(c.org_id)).await?;
    let placed: Vec<i64> = contract_worker::Entity::find()
        .filter(contract_worker::Column::ContractId.eq(c.id))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|w| w.position_id)
        .collect();
    let posts = position::Entity::find()
        .filter(position::Column::Id.is_in(placed))
        .order_by_asc(position::Column::StartOn)
        .all(&app.db)
        .await?;
    let names = crate::tree::names(&app.db, posts.iter().map(|p| p.org_id).collect()).await?;
    let mut workers = Vec::with_capacity(posts.len());
    for p in posts {
        let name = person::Entity::find_by_id(p.person_id).one(&app.db).await?.map(|x| x.name).unwrap_or_default();
        workers.push(WorkerView {
            name,
            org_name: names.get(&p.org_id).cloned().unwrap_or_default(),
            start_on: p.start_on,
            end_on: p.end_on,
        });
    }
    // Only what has been done: a contract still running counts up to today.
    let until = c.ends_on.min(qingtuan_domain::time::local_date(app.now()));
    let delivered = delivered(&app.db, c.org_id, c.starts_on, until).await?;
    let deliverables = c.deliverables.clone();
    let contract = contract_rows(app, vec![c]).await?.pop().ok_or(AppError::NotFound)?;
    Ok(ContractDetail { contract, deliverables, workers, delivered, can_write })
}

/// Activities held (and their attendance) and volunteer turn-outs (and their hours) of the org and
/// the orgs below it, from `from` to `to`.
async fn delivered<C: ConnectionTrait>(conn: &C, org: i64, from: NaiveDate, to: NaiveDate) -> AppResult<Delivered> {
    let backend = conn.get_database_backend();
    let below = format!("SELECT descendant_id FROM org_closure WHERE ancestor_id = {org}");
    let one = |sql: String| sea_orm::Statement::from_string(backend, sql);
    let activities = conn
        .query_one_raw(one(format!(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM((SELECT COUNT(*) FROM activity_signups s \
             WHERE s.activity_id = a.id AND s.attended)), 0) AS BIGINT) \
             FROM activities a WHERE a.org_id IN ({below}) AND a.on_date >= '{from}' AND a.on_date <= '{to}'"
        )))
        .await?;
    let turnouts = conn
        .query_one_raw(one(format!(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(tu.credited_minutes), 0) AS BIGINT) \
             FROM turnouts tu JOIN shifts sh ON sh.id = tu.shift_id JOIN recruitment_calls rc ON rc.id = sh.call_id \
             WHERE rc.org_id IN ({below}) AND sh.on_date >= '{from}' AND sh.on_date <= '{to}'"
        )))
        .await?;
    let pair = |row: Option<sea_orm::QueryResult>| -> AppResult<(i64, i64)> {
        Ok(match row {
            Some(r) => (r.try_get_by_index::<i64>(0)?, r.try_get_by_index::<i64>(1)?),
            None => (0, 0),
        })
    };
    let (activities, attended) = pair(activities)?;
    let (turnouts, minutes) = pair(turnouts)?;
    Ok(Delivered { activities, attended, turnouts, volunteer_hours: (minutes as f64 / 60.0).round() as i64 })
}

/// A social worker as typed on the contract's page: who (ID number and name) and from when.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewWorker {
    pub id_number: String,
    pub name: String,
    /// Empty: the contract's start.
    pub start_on: String,
    /// The org the worker is placed in: the buyer or one below it; empty: the buyer.
    pub org_code: String,
}

/// Places a social worker: their post (社工, 购买服务, 工作人员) in the buyer or an org below it from
/// the given day — or, if they already hold such a post there, that post — recorded as the
/// contract's (write over the buyer).
pub async fn place_worker(app: &App, actor: &Actor, id: ContractId, form: &NewWorker) -> AppResult<()> {
    let c = contract::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let buyer = scope::require(app, actor, WRITE, (ObjectKind::Contract, id.to_string()), OrgId(c.org_id)).await?;
    let org = match form.org_code.trim() {
        "" => org::Entity::find_by_id(c.org_id).one(&app.db).await?.ok_or(AppError::NotFound)?,
        code => {
            let found = scope::org_named(&app.db, actor, WRITE, "org_code", code).await?;
            let found = Some(found);
            let below = match &found {
                Some(o) => {
                    scope::checked(&app.db, actor, WRITE, OrgId(o.id)).await?.is_some()
                        && crate::tree::is_below_or_at(&app.db, OrgId(o.id), OrgId(c.org_id)).await?
                }
                None => false,
            };
            found.filter(|_| below).ok_or_else(|| Invalid::one("org_code", "派驻组织应是购买方或其下级组织"))?
        }
    };
    let start_on = match parse_date("start_on", &form.start_on) {
        Ok(Some(d)) if d < c.starts_on || d > c.ends_on => {
            return Err(
                Invalid::one("start_on", format!("到岗日期应在合同期 {} 至 {} 内", c.starts_on, c.ends_on)).into()
            );
        }
        Ok(d) => d.unwrap_or(c.starts_on),
        Err(e) => return Err(Invalid(vec![e]).into()),
    };
    let source = CadreSource::PurchasedService.code();
    let id_number = qingtuan_domain::person::IdNumber::parse(&form.id_number)?;
    let person = crate::registry::people::id_by_hash(app, &app.keys.lookup_hash(id_number.as_str())).await?;
    // Linking someone already in post needs the name they are registered under, as a new post does.
    if let Some(p) = person {
        let registered = person::Entity::find_by_id(p).one(&app.db).await?.map(|x| x.name).unwrap_or_default();
        if registered != form.name.trim() {
            return Err(Invalid::one("name", "姓名与该身份证号码登记的姓名不一致").into());
        }
    }
    let new_post = positions::NewPosition {
        id_number: id_number.as_str().to_owned(),
        name: form.name.clone(),
        org_code: org.code.clone(),
        title: Title::Staff.code().into(),
        employment: Employment::SocialWorker.code().into(),
        source: source.into(),
        start_on: start_on.to_string(),
        ..Default::default()
    };
    let txn = app.begin().await?;
    // Placements on one contract run one after the other, so a worker is placed once: the post
    // found or made, and its link, are written under the contract's row.
    txn.take::<contract::Entity>(contract::Column::Id, Condition::all().add(contract::Column::Id.eq(c.id))).await?;
    let existing = match person {
        Some(p) => held_post(&txn, p, org.id).await?,
        None => None,
    };
    let post = match (existing, person) {
        (Some(post), _) => post,
        (None, person) => {
            positions::create_in(&txn, app, actor, &[new_post]).await.map_err(|e| match e {
                // A refused post is the form's problem: say it on the form's fields.
                AppError::Rows(rows) => AppError::Invalid(Invalid(
                    rows.into_iter()
                        .map(|r| {
                            FieldError::new(if r.column == "组织代码" { "org_code" } else { "id_number" }, r.message)
                        })
                        .collect(),
                )),
                other => other,
            })?;
            let person = person.ok_or(AppError::NotFound)?;
            held_post(&txn, person, org.id).await?.ok_or(AppError::NotFound)?
        }
    };
    // One post is placed by one contract at a time: not by another whose period overlaps this one.
    let placed_elsewhere = contract_worker::Entity::find()
        .filter(contract_worker::Column::PositionId.eq(post))
        .filter(contract_worker::Column::ContractId.ne(c.id))
        .all(&txn)
        .await?;
    for other in placed_elsewhere {
        if let Some(o) = contract::Entity::find_by_id(other.contract_id).one(&txn).await?
            && o.starts_on <= c.ends_on
            && o.ends_on >= c.starts_on
        {
            txn.rollback().await?;
            return Err(Invalid::one("id_number", format!("此人已由合同“{}”派驻，合同期重叠", o.title)).into());
        }
    }
    let started = position::Entity::find_by_id(post).one(&txn).await?.map_or(start_on, |p| p.start_on);
    contract_worker::ActiveModel { contract_id: Set(c.id), position_id: Set(post), ..Default::default() }
        .insert(&txn)
        .await
        .map_err(|e| AppError::on_unique(e, "id_number", "此人已是该合同派驻的社工"))?;
    let entry = Entry::new(AuditAction::ContractWorkerPlaced, ObjectKind::Contract)
        .object(c.id)
        .within(&buyer)
        .after(json!({ "position": post, "org": org.code, "start_on": started, "linked": existing.is_some() }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// The post a person holds as a purchased social worker in an org, the newest if several.
async fn held_post<C: ConnectionTrait>(conn: &C, person: i64, org: i64) -> AppResult<Option<i64>> {
    Ok(position::Entity::find()
        .filter(position::Column::PersonId.eq(person))
        .filter(position::Column::OrgId.eq(org))
        .filter(position::Column::Source.eq(CadreSource::PurchasedService.code()))
        .filter(position::Column::Employment.eq(Employment::SocialWorker.code()))
        .filter(position::Column::EndOn.is_null())
        .order_by_desc(position::Column::Id)
        .one(conn)
        .await?
        .map(|p| p.id))
}

//! The applications listed for the actor (paged in the database), with their sums by bank, sector
//! and street, and the list as a workbook.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::ObjectKind;
use qingtuan_domain::ids::LoanId;
use qingtuan_domain::loan::{BusinessSector, LoanState};
use qingtuan_domain::money::Fen;
use qingtuan_entity::{loan_application, org, partner};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::forms::parse_date;
use crate::loans::{EXPORT, READ};
use crate::page::Page;
use crate::{Actor, App};

/// The list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    pub state: String,
    pub product: String,
    pub sector: String,
    /// An org's code: applications handled by it and the orgs below it.
    pub org: String,
    /// Applied from / to.
    pub from: String,
    pub to: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// An application as the list shows it (the person's ID number is not in lists).
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoanRow {
    pub id: LoanId,
    pub applied_on: NaiveDate,
    pub name: String,
    pub business_name: String,
    pub sector: String,
    pub org_name: String,
    pub bank: String,
    pub amount: String,
    pub state: String,
    pub disbursed: String,
    pub jobs_created: i32,
}

/// One line of a summary table: how many loans were disbursed, how much.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tally {
    pub label: String,
    pub loans: i64,
    pub yuan: i64,
    pub jobs: i64,
}

/// The list with its sums over everything the filter finds.
#[derive(Debug, Clone)]
pub struct Loans {
    pub page: Page<LoanRow>,
    /// By state: how many applications.
    pub by_state: Vec<(String, i64)>,
    pub by_bank: Vec<Tally>,
    pub by_sector: Vec<Tally>,
    pub by_street: Vec<Tally>,
}

/// The applications the actor sees, filtered: staff, those handled within their scope; a bank's
/// accounts, those recommended to their bank.
async fn query(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<loan_application::Entity>> {
    let mut select = loan_application::Entity::find();
    match actor.partner_with(permission) {
        Some(bank) => {
            select = select
                .filter(loan_application::Column::PartnerId.eq(bank.0))
                .filter(loan_application::Column::State.is_in(LoanState::FOR_BANK.iter().map(|s| s.code())));
        }
        None => {
            scope::require_somewhere(app, actor, permission).await?;
            select = select.filter(scope::org_condition(actor, permission, loan_application::Column::OrgId));
        }
    }
    if !filter.state.trim().is_empty() {
        select = select.filter(loan_application::Column::State.eq(LoanState::parse(&filter.state)?.code()));
    }
    if let Ok(p) = filter.product.trim().parse::<i64>() {
        select = select.filter(loan_application::Column::ProductId.eq(p));
    }
    if !filter.sector.trim().is_empty() {
        select = select.filter(loan_application::Column::Sector.eq(BusinessSector::parse(&filter.sector)?.code()));
    }
    if !filter.org.trim().is_empty() && actor.partner.is_none() {
        let sub = scope::subtree(app, actor, permission, filter.org.trim()).await?;
        select = select.filter(loan_application::Column::OrgId.in_subquery(sub));
    }
    for (raw, field, after) in [(&filter.from, "from", true), (&filter.to, "to", false)] {
        if let Some(d) = parse_date(field, raw).map_err(|e| Invalid(vec![e]))? {
            let c = loan_application::Column::AppliedOn;
            select = select.filter(if after { c.gte(d) } else { c.lte(d) });
        }
    }
    Ok(select)
}

/// The applications, latest first, paged, with the sums of the disbursed ones by bank, sector and
/// street (the street: the handling org's, or its own ancestor directly under the root).
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Loans> {
    let select = query(app, actor, READ, filter).await?;
    type Line = (i64, String, String, i64, Option<i64>, i32);
    let lines: Vec<Line> = select
        .clone()
        .select_only()
        .column(loan_application::Column::PartnerId)
        .column(loan_application::Column::Sector)
        .column(loan_application::Column::State)
        .column(loan_application::Column::OrgId)
        .column(loan_application::Column::DisbursedAmountFen)
        .column(loan_application::Column::JobsCreated)
        .into_tuple()
        .all(&app.db)
        .await?;
    let banks = names_of_partners(app, lines.iter().map(|l| l.0).collect()).await?;
    let streets = streets_of(app, lines.iter().map(|l| l.3).collect()).await?;
    let mut by_state: BTreeMap<&str, i64> = BTreeMap::new();
    let (mut by_bank, mut by_sector, mut by_street) = (Vec::new(), Vec::new(), Vec::new());
    let add =
        |sums: &mut Vec<Tally>, label: String, fen: i64, jobs: i32| match sums.iter_mut().find(|t| t.label == label) {
            Some(t) => {
                t.loans += 1;
                t.yuan += fen;
                t.jobs += i64::from(jobs);
            }
            None => sums.push(Tally { label, loans: 1, yuan: fen, jobs: i64::from(jobs) }),
        };
    for (bank, sector, state, org, disbursed, jobs) in &lines {
        *by_state.entry(state.as_str()).or_default() += 1;
        let Some(fen) = disbursed else { continue };
        add(&mut by_bank, banks.get(bank).cloned().unwrap_or_default(), *fen, *jobs);
        add(
            &mut by_sector,
            BusinessSector::parse(sector).map(|s| s.label().to_owned()).unwrap_or(sector.clone()),
            *fen,
            *jobs,
        );
        add(&mut by_street, streets.get(org).cloned().unwrap_or_default(), *fen, *jobs);
    }
    let yuan = |mut sums: Vec<Tally>| {
        for t in &mut sums {
            t.yuan = Fen(t.yuan).round_yuan();
        }
        sums.sort_by_key(|t| std::cmp::Reverse(t.yuan));
        sums
    };
    let by_state =
        LoanState::ALL.iter().filter_map(|s| by_state.get(s.code()).map(|n| (s.label().to_owned(), *n))).collect();
    let mut found = crate::page::fetch(
        &app.db,
        select.order_by_desc(loan_application::Column::AppliedOn).order_by_desc(loan_application::Column::Id),
        filter.page,
    )
    .await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    Ok(Loans {
        page: found.with(items),
        by_state,
        by_bank: yuan(by_bank),
        by_sector: yuan(by_sector),
        by_street: yuan(by_street),
    })
}

async fn names_of_partners(app: &App, ids: Vec<i64>) -> AppResult<BTreeMap<i64, String>> {
    Ok(partner::Entity::find()
        .filter(partner::Column::Id.is_in(ids))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// For each org, the name of its street: the org itself or its ancestor directly under the root.
async fn streets_of(app: &App, mut ids: Vec<i64>) -> AppResult<BTreeMap<i64, String>> {
    ids.sort_unstable();
    ids.dedup();
    let orgs = org::Entity::find().filter(org::Column::Id.is_in(ids)).all(&app.db).await?;
    let street_codes: Vec<String> =
        orgs.iter().filter_map(|o| o.path.split('!').filter(|c| !c.is_empty()).nth(1).map(str::to_owned)).collect();
    let streets: BTreeMap<String, String> = org::Entity::find()
        .filter(org::Column::Code.is_in(street_codes))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    Ok(orgs
        .into_iter()
        .map(|o| {
            let street = o.path.split('!').filter(|c| !c.is_empty()).nth(1).and_then(|c| streets.get(c).cloned());
            (o.id, street.unwrap_or(o.name))
        })
        .collect())
}

pub(super) async fn rows(app: &App, found: Vec<loan_application::Model>) -> AppResult<Vec<LoanRow>> {
    let banks = names_of_partners(app, found.iter().map(|a| a.partner_id).collect()).await?;
    let orgs = crate::tree::names(&app.db, found.iter().map(|a| a.org_id).collect()).await?;
    Ok(found
        .into_iter()
        .map(|a| LoanRow {
            id: LoanId(a.id),
            applied_on: a.applied_on,
            sector: BusinessSector::parse(&a.sector).map(|s| s.label().to_owned()).unwrap_or(a.sector.clone()),
            org_name: orgs.get(&a.org_id).cloned().unwrap_or_default(),
            bank: banks.get(&a.partner_id).cloned().unwrap_or_default(),
            amount: Fen(a.amount_fen).yuan_text(),
            state: LoanState::parse(&a.state).map(|s| s.label().to_owned()).unwrap_or(a.state.clone()),
            disbursed: match (a.disbursed_on, a.disbursed_amount_fen) {
                (Some(d), Some(f)) => format!("{d} · {}", Fen(f).yuan_text()),
                _ => String::new(),
            },
            jobs_created: a.jobs_created,
            name: a.name,
            business_name: a.business_name,
        })
        .collect())
}

/// The list as a workbook of text cells, audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    let found = query(app, actor, EXPORT, filter).await?.order_by_desc(loan_application::Column::AppliedOn);
    let found = crate::export::rows_of(&app.db, found).await?;
    let rows: Vec<Vec<String>> = rows(app, found)
        .await?
        .into_iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.applied_on.to_string(),
                r.name,
                r.business_name,
                r.sector,
                r.org_name,
                r.bank,
                r.amount,
                r.state,
                r.disbursed,
                r.jobs_created.to_string(),
            ]
        })
        .collect();
    let header = [
        "编号",
        "申请日期",
        "申请人",
        "经营主体",
        "行业",
        "受理组织",
        "银行",
        "申请金额（元）",
        "状态",
        "放款",
        "带动就业",
    ];
    let asked = json!({
        "list": "loans", "state": filter.state, "product": filter.product, "sector": filter.sector,
        "org": filter.org, "from": filter.from, "to": filter.to,
    });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Loan, asked), "青创贷款", &header, rows).await
}

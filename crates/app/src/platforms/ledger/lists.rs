//! The ledger as the actor may read it: lines filtered and paged in the database, summed by
//! source, kind, giver and purpose with the social-to-fiscal leverage; the list as a workbook.

use qingtuan_domain::ids::LedgerLineId;
use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::Invalid;
use qingtuan_domain::audit::ObjectKind;
use qingtuan_domain::money::Fen;
use qingtuan_domain::partner::PartnerKind;
use qingtuan_domain::permission::Permission;
use qingtuan_domain::platform::{ContributionKind, DonorKind, Funding, Purpose};
use qingtuan_entity::{contribution, contribution_document, partner};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::forms::parse_date;
use crate::page::Page;
use crate::platforms::{EXPORT, READ};
use crate::{Actor, App};

/// A ledger line as the list shows it: a person who gave is not named.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LineRow {
    pub id: LedgerLineId,
    pub on_date: NaiveDate,
    pub org_name: String,
    pub funding: String,
    /// The budget, the partner, the unit, "个人" or "匿名".
    pub source: String,
    pub kind: String,
    /// For space and service: "12 月 × 3000.00 元".
    pub valuation: String,
    pub value: String,
    pub purpose: String,
    pub receipt_no: String,
    /// The attached voucher's file name.
    pub document: Option<String>,
    /// A reversing line: the line it reverses, and why.
    pub reverses: Option<(i64, String)>,
    /// A reversing line nets this one out.
    pub reversed: bool,
}

/// The list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    pub funding: String,
    pub kind: String,
    pub purpose_kind: String,
    /// A partner's credit code: its lines only.
    pub partner: String,
    /// An org's code: lines received by it and the orgs below it.
    pub org: String,
    pub from: String,
    pub to: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

/// One sum of the ledger's summary: what it adds up, in yuan, and its share of its whole.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sum {
    pub label: String,
    pub yuan: i64,
    /// Whole per cent of the sums beside it.
    pub share: i64,
}

/// The ledger as its page shows it: the lines found (paged) and what they add up to.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub lines: Page<LineRow>,
    pub summary: Summary,
}

/// What the lines found add up to.
#[derive(Debug, Clone)]
pub struct Summary {
    pub fiscal_yuan: i64,
    pub social_yuan: i64,
    /// Social value per 100 yuan of fiscal money; none without fiscal lines.
    pub leverage: Option<i64>,
    pub by_kind: Vec<Sum>,
    /// Social lines by who gave them: partners by their kind, other units, people.
    pub by_giver: Vec<Sum>,
    pub by_purpose: Vec<Sum>,
}

async fn query(
    app: &App,
    actor: &Actor,
    permission: Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<contribution::Entity>> {
    let mut q =
        contribution::Entity::find().filter(scope::org_condition(actor, permission, contribution::Column::OrgId));
    if !filter.funding.trim().is_empty() {
        q = q.filter(contribution::Column::Funding.eq(Funding::parse(&filter.funding)?.code()));
    }
    if !filter.kind.trim().is_empty() {
        q = q.filter(contribution::Column::Kind.eq(ContributionKind::parse(&filter.kind)?.code()));
    }
    if !filter.purpose_kind.trim().is_empty() {
        q = q.filter(contribution::Column::PurposeKind.eq(Purpose::parse(&filter.purpose_kind)?.code()));
    }
    if !filter.partner.trim().is_empty() {
        let id = crate::tree::partner_by_credit_code(&app.db, &filter.partner).await?.map_or(0, |p| p.id);
        q = q.filter(contribution::Column::PartnerId.eq(id));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(contribution::Column::OrgId.in_subquery(below));
    }
    for (raw, field, after) in [(&filter.from, "from", true), (&filter.to, "to", false)] {
        if let Some(d) = parse_date(field, raw).map_err(|e| Invalid(vec![e]))? {
            let c = contribution::Column::OnDate;
            q = q.filter(if after { c.gte(d) } else { c.lte(d) });
        }
    }
    Ok(q)
}

/// Latest first.
fn latest_first(q: sea_orm::Select<contribution::Entity>) -> sea_orm::Select<contribution::Entity> {
    q.order_by_desc(contribution::Column::OnDate).order_by_desc(contribution::Column::Id)
}

/// The lines received by orgs in the actor's scope, latest first, paged, with their sums.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Ledger> {
    scope::require_somewhere(app, actor, READ).await?;
    let select = query(app, actor, READ, filter).await?;
    let groups: Vec<(String, String, String, String, Option<i64>, i64)> = select
        .clone()
        .select_only()
        .column(contribution::Column::Funding)
        .column(contribution::Column::Kind)
        .column(contribution::Column::PurposeKind)
        .column(contribution::Column::DonorKind)
        .column(contribution::Column::PartnerId)
        // PostgreSQL sums BIGINTs as NUMERIC; cast back.
        .column_as(sea_orm::sea_query::Expr::cust("CAST(SUM(\"contributions\".\"value_fen\") AS BIGINT)"), "value")
        .group_by(contribution::Column::Funding)
        .group_by(contribution::Column::Kind)
        .group_by(contribution::Column::PurposeKind)
        .group_by(contribution::Column::DonorKind)
        .group_by(contribution::Column::PartnerId)
        .into_tuple::<(String, String, String, String, Option<i64>, Option<i64>)>()
        .all(&app.db)
        .await?
        .into_iter()
        .map(|(f, k, p, d, partner, v)| (f, k, p, d, partner, v.unwrap_or(0)))
        .collect();
    let partner_kinds: HashMap<i64, String> = partner::Entity::find()
        .filter(partner::Column::Id.is_in(groups.iter().filter_map(|g| g.4)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| (p.id, PartnerKind::parse(&p.kind).map(|k| k.label().to_owned()).unwrap_or(p.kind)))
        .collect();
    let yuan = |fen: i64| Fen(fen).round_yuan();
    let total = |funding: Funding| groups.iter().filter(|g| g.0 == funding.code()).map(|g| g.5).sum::<i64>();
    let (fiscal, social) = (total(Funding::Fiscal), total(Funding::Social));
    let mut by_kind: Vec<(String, i64)> = Vec::new();
    let mut by_giver: Vec<(String, i64)> = Vec::new();
    let mut by_purpose: Vec<(String, i64)> = Vec::new();
    let add = |sums: &mut Vec<(String, i64)>, label: String, fen: i64| match sums.iter_mut().find(|(l, _)| *l == label)
    {
        Some((_, v)) => *v += fen,
        None => sums.push((label, fen)),
    };
    for (funding, kind, purpose, donor, partner, fen) in &groups {
        add(&mut by_kind, label_of(ContributionKind::parse(kind).map(|k| k.label()), kind), *fen);
        add(&mut by_purpose, label_of(Purpose::parse(purpose).map(|k| k.label()), purpose), *fen);
        if funding == Funding::Social.code() {
            let giver = match partner.and_then(|p| partner_kinds.get(&p)) {
                Some(kind) => format!("合作伙伴：{kind}"),
                None => label_of(DonorKind::parse(donor).map(|k| k.label()), donor),
            };
            add(&mut by_giver, giver, *fen);
        }
    }
    let sums = |sums: Vec<(String, i64)>| {
        let whole: i64 = sums.iter().map(|(_, v)| v).sum();
        sums.into_iter()
            .map(|(label, fen)| Sum {
                label,
                yuan: yuan(fen),
                share: if whole == 0 { 0 } else { (fen as f64 * 100.0 / whole as f64).round() as i64 },
            })
            .collect::<Vec<_>>()
    };
    let mut found = crate::page::fetch(&app.db, latest_first(select), filter.page).await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    let summary = Summary {
        fiscal_yuan: yuan(fiscal),
        social_yuan: yuan(social),
        leverage: (fiscal > 0).then(|| (social as f64 * 100.0 / fiscal as f64).round() as i64),
        by_kind: sums(by_kind),
        by_giver: sums(by_giver),
        by_purpose: sums(by_purpose),
    };
    Ok(Ledger { lines: found.with(items), summary })
}

fn label_of(parsed: Result<&'static str, Invalid>, code: &str) -> String {
    parsed.map(str::to_owned).unwrap_or_else(|_| code.to_owned())
}

/// The list as a workbook, audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let found = crate::export::rows_of(&app.db, latest_first(query(app, actor, EXPORT, filter).await?)).await?;
    let rows: Vec<Vec<String>> = rows(app, found)
        .await?
        .into_iter()
        .map(|r| {
            let reversal = match (&r.reverses, r.reversed) {
                (Some((of, why)), _) => format!("冲销第 {of} 号记录：{why}"),
                (None, true) => "已冲销".to_owned(),
                (None, false) => String::new(),
            };
            vec![
                r.id.to_string(),
                r.on_date.to_string(),
                r.org_name,
                r.funding,
                r.source,
                r.kind,
                r.valuation,
                r.value,
                r.purpose,
                r.receipt_no,
                reversal,
            ]
        })
        .collect();
    let header = [
        "编号",
        "日期",
        "接收组织",
        "来源",
        "提供方或预算",
        "资源类型",
        "计价",
        "价值（元）",
        "用途",
        "票据号",
        "冲销",
    ];
    let asked = json!({
        "list": "contributions", "funding": filter.funding, "kind": filter.kind, "purpose": filter.purpose_kind,
        "partner": filter.partner, "org": filter.org, "from": filter.from, "to": filter.to,
    });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Contribution, asked), "资源台账", &header, rows).await
}

pub(crate) async fn rows(app: &App, found: Vec<contribution::Model>) -> AppResult<Vec<LineRow>> {
    let names = crate::tree::names(&app.db, found.iter().map(|c| c.org_id).collect()).await?;
    let partners: HashMap<i64, String> = partner::Entity::find()
        .filter(partner::Column::Id.is_in(found.iter().filter_map(|c| c.partner_id)))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let documents: Vec<(i64, String)> = contribution_document::Entity::find()
        .select_only()
        .column(contribution_document::Column::ContributionId)
        .column(contribution_document::Column::FileName)
        .filter(contribution_document::Column::ContributionId.is_in(found.iter().map(|c| c.id)))
        .into_tuple()
        .all(&app.db)
        .await?;
    let reversed: Vec<Option<i64>> = contribution::Entity::find()
        .select_only()
        .column(contribution::Column::ReversesId)
        .filter(contribution::Column::ReversesId.is_in(found.iter().map(|c| c.id)))
        .into_tuple()
        .all(&app.db)
        .await?;
    Ok(found
        .into_iter()
        .map(|c| {
            let source = match (c.funding.as_str(), c.partner_id, c.donor_kind.as_str()) {
                ("fiscal", ..) => c.budget.clone(),
                (_, Some(p), _) => partners.get(&p).cloned().unwrap_or_default(),
                (_, None, "person") => if c.donor_name.is_some() { "个人" } else { "匿名个人" }.to_owned(),
                (_, None, _) => c.donor_name.clone().unwrap_or_else(|| "匿名".into()),
            };
            let kind = ContributionKind::parse(&c.kind).ok();
            let unit = if kind == Some(ContributionKind::Space) { "月" } else { "小时" };
            let purpose = Purpose::parse(&c.purpose_kind).map(|p| p.label()).unwrap_or_default();
            LineRow {
                id: LedgerLineId(c.id),
                on_date: c.on_date,
                org_name: names.get(&c.org_id).cloned().unwrap_or_default(),
                funding: label_of(Funding::parse(&c.funding).map(|f| f.label()), &c.funding),
                source,
                kind: kind.map(|k| k.label().to_owned()).unwrap_or(c.kind.clone()),
                valuation: match (c.units, c.rate_fen) {
                    (Some(n), Some(rate)) => format!("{n} {unit} × {} 元", Fen(rate).yuan_text()),
                    _ => String::new(),
                },
                value: Fen(c.value_fen).yuan_text(),
                purpose: match (c.purpose_id, c.purpose.is_empty()) {
                    (Some(id), _) => format!("{purpose}（{id}）{}", c.purpose),
                    (None, true) => purpose.to_owned(),
                    (None, false) => format!("{purpose}：{}", c.purpose),
                },
                receipt_no: c.receipt_no,
                document: documents.iter().find(|(id, _)| *id == c.id).map(|(_, n)| n.clone()),
                reverses: c.reverses_id.map(|r| (r, c.reason)),
                reversed: reversed.contains(&Some(c.id)),
            }
        })
        .collect())
}

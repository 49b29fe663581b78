//! Loan products: what a partner bank offers young entrepreneurs (e.g. 青创先锋贷), run by a league
//! org — the age limit on the day of applying, the top amount.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::LoanProductId;
use qingtuan_domain::money::Fen;
use qingtuan_domain::partner::PartnerKind;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{loan_product, partner};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::{READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::required_text;
use crate::{Actor, App};

/// A product as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewProduct {
    /// The league org that runs it.
    pub org_code: String,
    /// The bank's unified social credit code.
    pub bank_code: String,
    pub name: String,
    pub max_age: String,
    /// Yuan.
    pub max_amount: String,
}

/// Registers a product (loans.write over the org that runs it); the bank is a registered partner
/// of the bank kind.
pub async fn create(app: &App, actor: &Actor, form: &NewProduct) -> AppResult<LoanProductId> {
    let (org, proof) = scope::org_by_code(app, actor, WRITE, &form.org_code).await.map(|p| (p.get(), p))?;
    let mut problems = Vec::new();
    let bank = crate::registry::partners::by_credit_code(app, &form.bank_code).await?;
    let bank = match bank {
        Some(b) if PartnerKind::parse(&b.kind) == Ok(PartnerKind::Bank) => Some(b),
        Some(b) => {
            problems.push(FieldError::new("bank_code", format!("“{}”不是银行类合作伙伴", b.name)));
            None
        }
        None => {
            let message = format!("统一社会信用代码“{}”不是已登记的合作伙伴", form.bank_code.trim());
            problems.push(FieldError::new("bank_code", message));
            None
        }
    };
    let name = required_text(&form.name, "name", "产品名称", 100).map_err(|e| problems.extend(e.0)).ok();
    let max_age = form.max_age.trim().parse::<i32>().ok().filter(|a| (18..=60).contains(a));
    if max_age.is_none() {
        problems.push(FieldError::new("max_age", "年龄上限应为 18 到 60 的整数"));
    }
    let max_amount = Fen::parse_yuan("max_amount", &form.max_amount).map_err(|e| problems.extend(e.0)).ok();
    let (Some(bank), Some(name), Some(max_age), Some(max_amount), true) =
        (bank, name, max_age, max_amount, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let txn = app.begin().await?;
    let row = loan_product::ActiveModel {
        org_id: Set(org.0),
        partner_id: Set(bank.id),
        name: Set(name.clone()),
        max_age: Set(max_age),
        max_amount_fen: Set(max_amount.0),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::LoanProductCreated, ObjectKind::LoanProduct)
        .object(row.id)
        .within(&proof)
        .after(json!({ "bank": bank.name, "name": name, "max_age": max_age, "max_amount_fen": max_amount.0 }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(LoanProductId(row.id))
}

/// A product as lists and forms show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProductRow {
    pub id: LoanProductId,
    pub name: String,
    pub bank: String,
    pub max_age: i32,
    pub max_amount: String,
}

/// Every product, for the forms (product names are public: the portal offers them).
pub async fn all(app: &App) -> AppResult<Vec<ProductRow>> {
    let products = loan_product::Entity::find().order_by_asc(loan_product::Column::Id).all(&app.db).await?;
    let banks = partner::Entity::find()
        .filter(partner::Column::Id.is_in(products.iter().map(|p| p.partner_id)))
        .all(&app.db)
        .await?;
    Ok(products
        .into_iter()
        .map(|p| ProductRow {
            id: LoanProductId(p.id),
            bank: banks.iter().find(|b| b.id == p.partner_id).map(|b| b.name.clone()).unwrap_or_default(),
            max_amount: Fen(p.max_amount_fen).yuan_text(),
            max_age: p.max_age,
            name: p.name,
        })
        .collect())
}

/// The products, for staff who read loans somewhere.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<ProductRow>> {
    if actor.partner_with(READ).is_none() {
        scope::require_somewhere(app, actor, READ).await?;
    }
    all(app).await
}

//! A partner's side of the platforms (P1): its cooperation agreements (合作协议) with league orgs —
//! title, scope, period and the signed copy — and its page, which gathers everything it has
//! contributed and joined: the orgs it works with, its agreements, its lines in the ledger (and
//! their share of the social resources), the service contracts it holds and the bookings it made.
//! The registry itself (one partner per credit code) is `registry::partners`. Staff see a
//! partner's records held by orgs of their scope; the partner's own accounts see all of its own
//! (`partner_desk` is what they do).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use qingtuan_domain::accountability::DocumentType;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{AgreementId, OrgId, PartnerId};
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::money::Fen;
use qingtuan_domain::partner::PartnerKind;
use qingtuan_domain::platform::Funding;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{agreement, agreement_document, contribution, org, partner, service_contract, venue_booking};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::{READ, WRITE, check_org, org_for_write};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::export::{Document, Upload};
use crate::forms::{parse_date, required_text};
use crate::{Actor, App, AppError};

/// An agreement as typed on the partner's page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewAgreement {
    /// The league org that signs it.
    pub org_code: String,
    pub title: String,
    pub scope: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// Records an agreement between an org and a partner (platforms.write over the org).
pub async fn sign(app: &App, actor: &Actor, partner_id: PartnerId, form: &NewAgreement) -> AppResult<AgreementId> {
    check_org(app, actor, &form.org_code).await?;
    let (p, _, _) = visible(app, actor, partner_id).await?;
    let txn = app.begin().await?;
    let mut problems = Vec::new();
    let signer = org_for_write(&txn, actor, &form.org_code, "签订组织").await?.map_err(|e| problems.push(e)).ok();
    let title = required_text(&form.title, "title", "协议名称", 200).map_err(|e| problems.extend(e.0)).ok();
    let scope_text = required_text(&form.scope, "scope", "合作内容", 500).map_err(|e| problems.extend(e.0)).ok();
    let mut date = |field: &'static str, raw: &str, what: &str| match parse_date(field, raw) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            problems.push(FieldError::new(field, format!("请填写{what}")));
            None
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let starts_on = date("starts_on", &form.starts_on, "开始日期");
    let ends_on = date("ends_on", &form.ends_on, "结束日期");
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        problems.push(FieldError::new("ends_on", "结束日期不能早于开始日期"));
    }
    let (Some((signer, proof)), Some(title), Some(scope_text), Some(starts_on), Some(ends_on), true) =
        (signer, title, scope_text, starts_on, ends_on, problems.is_empty())
    else {
        txn.rollback().await?;
        return Err(Invalid(problems).into());
    };
    let row = agreement::ActiveModel {
        partner_id: Set(p.id),
        org_id: Set(signer.id),
        title: Set(title.clone()),
        scope: Set(scope_text),
        starts_on: Set(starts_on),
        ends_on: Set(ends_on),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::AgreementSigned, ObjectKind::Agreement).object(row.id).within(&proof).after(
        json!({ "partner": p.name, "org": signer.code, "title": title, "starts_on": starts_on, "ends_on": ends_on }),
    );
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(AgreementId(row.id))
}

/// Attaches the signed copy (PDF or image, checked by content), replacing an earlier one
/// (platforms.write over the org that signed it). Returns the partner, for its page.
pub async fn attach(
    app: &App,
    actor: &Actor,
    id: AgreementId,
    file_name: &str,
    bytes: Vec<u8>,
) -> AppResult<PartnerId> {
    let a = agreement::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Agreement, id.to_string()), OrgId(a.org_id)).await?;
    let doc = Upload::check(bytes, "协议文本", &DocumentType::ALL, file_name, "合作协议")?;
    let mut facts = doc.facts();
    let txn = app.begin().await?;
    let replaced = agreement_document::Entity::delete_by_id(a.id).exec(&txn).await?.rows_affected > 0;
    agreement_document::ActiveModel {
        agreement_id: Set(a.id),
        file_name: Set(doc.name.clone()),
        content_type: Set(doc.content_type()),
        sha256: Set(doc.sha256.clone()),
        bytes: Set(doc.bytes),
        uploaded_at: Set(app.now()),
    }
    .insert(&txn)
    .await?;
    facts["replaced"] = json!(replaced);
    let entry = Entry::new(AuditAction::AgreementDocumentAttached, ObjectKind::Agreement)
        .object(a.id)
        .within(&proof)
        .after(facts);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(PartnerId(a.partner_id))
}

/// The signed copy (platforms.read over the org that signed it, or the partner's own account; 404
/// when none is attached).
pub async fn document(app: &App, actor: &Actor, id: AgreementId) -> AppResult<Document> {
    let a = agreement::Entity::find_by_id(id.0).one(&app.db).await?;
    if actor.partner_with(READ).is_none_or(|p| a.as_ref().is_none_or(|a| a.partner_id != p.0)) {
        let org = OrgId(a.as_ref().map_or(0, |a| a.org_id));
        scope::require(app, actor, READ, (ObjectKind::Agreement, id.to_string()), org).await?;
    }
    let a = a.ok_or(AppError::NotFound)?;
    let d = agreement_document::Entity::find_by_id(a.id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let kind = DocumentType::sniff(&d.bytes).ok_or(AppError::NotFound)?;
    Ok(Document { file_name: d.file_name, content_type: kind.content_type(), bytes: d.bytes })
}

/// One agreement as the partner's page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AgreementRow {
    pub id: AgreementId,
    pub org_name: String,
    pub title: String,
    pub scope: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub in_force: bool,
    pub document: Option<String>,
    pub can_write: bool,
}

/// One service contract the partner holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContractLine {
    pub title: String,
    pub org_name: String,
    pub amount: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A partner's page: everything it has contributed and joined, within the viewer's scope.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PartnerPage {
    pub id: PartnerId,
    pub name: String,
    pub credit_code: String,
    pub kind: String,
    pub contact: String,
    pub registered_by: String,
    /// The orgs of the viewer's scope it works with: registration, agreements, ledger, contracts.
    pub orgs: Vec<String>,
    pub agreements: Vec<AgreementRow>,
    /// Its ledger lines received by orgs of the scope: how many, their value.
    pub lines: u64,
    pub contributed_yuan: i64,
    /// Its share of all social resources received by orgs of the scope, in whole per cent.
    pub social_share: Option<i64>,
    pub contracts: Vec<ContractLine>,
    pub bookings: u64,
}

/// A partner's page (platforms.read): shown when the partner was registered by, or has an
/// agreement with, an org of the viewer's scope; otherwise it does not exist for them.
pub async fn page(app: &App, actor: &Actor, id: PartnerId) -> AppResult<PartnerPage> {
    let (p, agreements_in_scope, sight) = visible(app, actor, id).await?;
    let today = local_date(app.now());
    let lines = contribution::Entity::find()
        .filter(contribution::Column::PartnerId.eq(p.id))
        .filter(sight.orgs(actor, contribution::Column::OrgId));
    let line_orgs: Vec<i64> =
        lines.clone().select_only().column(contribution::Column::OrgId).distinct().into_tuple().all(&app.db).await?;
    // A reversed line and its reversal count as none.
    let reversing = lines.clone().filter(contribution::Column::ReversesId.is_not_null()).count(&app.db).await?;
    let count = lines.clone().count(&app.db).await?.saturating_sub(2 * reversing);
    let sum = |q: sea_orm::Select<contribution::Entity>| async move {
        let v: Option<Option<i64>> = q
            .select_only()
            .column_as(sea_orm::sea_query::Expr::cust("CAST(SUM(\"contributions\".\"value_fen\") AS BIGINT)"), "v")
            .into_tuple()
            .one(&app.db)
            .await?;
        Ok::<i64, AppError>(v.flatten().unwrap_or(0))
    };
    let mine = sum(lines.clone()).await?;
    let social = sum(contribution::Entity::find()
        .filter(contribution::Column::Funding.eq(Funding::Social.code()))
        .filter(sight.orgs(actor, contribution::Column::OrgId)))
    .await?;
    let contracts = service_contract::Entity::find()
        .filter(service_contract::Column::PartnerId.eq(p.id))
        .filter(sight.orgs(actor, service_contract::Column::OrgId))
        .order_by_desc(service_contract::Column::StartsOn)
        .all(&app.db)
        .await?;
    let bookings =
        venue_booking::Entity::find().filter(venue_booking::Column::PartnerId.eq(p.id)).count(&app.db).await?;
    let documents: Vec<(i64, String)> = agreement_document::Entity::find()
        .select_only()
        .column(agreement_document::Column::AgreementId)
        .column(agreement_document::Column::FileName)
        .filter(agreement_document::Column::AgreementId.is_in(agreements_in_scope.iter().map(|a| a.id)))
        .into_tuple()
        .all(&app.db)
        .await?;
    let mut org_ids: Vec<i64> = vec![p.org_id];
    org_ids.extend(agreements_in_scope.iter().map(|a| a.org_id));
    org_ids.extend(line_orgs);
    org_ids.extend(contracts.iter().map(|c| c.org_id));
    let names = crate::tree::names(&app.db, org_ids.clone()).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let visible: Vec<i64> = org::Entity::find()
        .select_only()
        .column(org::Column::Id)
        .filter(org::Column::Id.is_in(org_ids.clone()))
        .filter(sight.orgs(actor, org::Column::Id))
        .into_tuple()
        .all(&app.db)
        .await?;
    let orgs: BTreeSet<String> = org_ids.iter().filter(|o| visible.contains(o)).map(|o| name(*o)).collect();
    let mut agreements = Vec::with_capacity(agreements_in_scope.len());
    for a in agreements_in_scope {
        agreements.push(AgreementRow {
            id: AgreementId(a.id),
            org_name: name(a.org_id),
            in_force: a.starts_on <= today && today <= a.ends_on,
            document: documents.iter().find(|(id, _)| *id == a.id).map(|(_, n)| n.clone()),
            can_write: scope::checked(&app.db, actor, WRITE, OrgId(a.org_id)).await?.is_some(),
            title: a.title,
            scope: a.scope,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
        });
    }
    Ok(PartnerPage {
        id,
        kind: PartnerKind::parse(&p.kind).map(|k| k.label().to_owned()).unwrap_or(p.kind.clone()),
        contact: format!("{} {}", p.contact_name, mask_phone(&app.keys.decrypt(&p.contact_phone_enc)?)),
        registered_by: if visible.contains(&p.org_id) { name(p.org_id) } else { "（其他组织）".into() },
        orgs: orgs.into_iter().collect(),
        agreements,
        lines: count,
        contributed_yuan: Fen(mine).round_yuan(),
        social_share: (social > 0).then(|| (mine as f64 * 100.0 / social as f64).round() as i64),
        contracts: contracts
            .into_iter()
            .map(|c| ContractLine {
                org_name: name(c.org_id),
                amount: Fen(c.amount_fen).yuan_text(),
                title: c.title,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
            })
            .collect(),
        bookings,
        name: p.name,
        credit_code: p.credit_code,
    })
}

/// Whose eyes a partner's records are seen with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sight {
    /// Staff: what orgs of their scope hold.
    Scope,
    /// The partner's own account: all of its own records.
    Own,
}

impl Sight {
    /// The condition on an org column that keeps what this viewer sees.
    fn orgs(self, actor: &Actor, column: impl ColumnTrait) -> sea_orm::sea_query::SimpleExpr {
        match self {
            Sight::Own => sea_orm::sea_query::Expr::value(true),
            Sight::Scope => scope::org_condition(actor, READ, column),
        }
    }
}

/// The partner, if the actor may see it (platforms.read): its own account sees it whole; staff
/// see it when registered by an org of their scope, or with an agreement signed by one — with
/// those agreements. Otherwise it does not exist for them (404, audited like every probe outside
/// the scope) — another partner's account included.
async fn visible(app: &App, actor: &Actor, id: PartnerId) -> AppResult<(partner::Model, Vec<agreement::Model>, Sight)> {
    let p = partner::Entity::find_by_id(id.0).one(&app.db).await?;
    let sight = if actor.partner_with(READ) == Some(id) { Sight::Own } else { Sight::Scope };
    if sight == Sight::Scope && actor.partner.is_some() {
        return scope::deny(app, actor, READ, ObjectKind::Partner, Some(id.to_string()), AppError::NotFound).await;
    }
    let p = p.ok_or(AppError::NotFound)?;
    let agreements = agreement::Entity::find()
        .filter(agreement::Column::PartnerId.eq(p.id))
        .filter(sight.orgs(actor, agreement::Column::OrgId))
        .order_by_desc(agreement::Column::StartsOn)
        .all(&app.db)
        .await?;
    if agreements.is_empty() && sight == Sight::Scope {
        scope::require(app, actor, READ, (ObjectKind::Partner, id.to_string()), OrgId(p.org_id)).await?;
    }
    Ok((p, agreements, sight))
}

/// The partner an agreement is with, to show its page again (platforms.read over the org that
/// signed it).
pub async fn partner_of(app: &App, actor: &Actor, id: AgreementId) -> AppResult<PartnerId> {
    let a = agreement::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Agreement, id.to_string()), OrgId(a.org_id)).await?;
    Ok(PartnerId(a.partner_id))
}

//! One application's page: its particulars, the pipeline's steps and follow-ups, what the viewer
//! may do next; the ID number unmasked only for a stated credit check (audited).

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{LoanId, OrgId};
use qingtuan_domain::loan::{LoanState, Repayment};
use qingtuan_domain::mask::{mask_id_number, mask_phone};
use qingtuan_domain::money::Fen;
use qingtuan_domain::person::age_on;
use qingtuan_entity::{loan_application, loan_followup, loan_product};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::lists::{LoanRow, rows};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::required_text;
use crate::loans::{APPROVE, READ, Side, UNMASK, WRITE, reach};
use crate::{Actor, App};

/// A follow-up as the application's page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FollowUpRow {
    pub on_date: NaiveDate,
    pub repayment: String,
    pub jobs_created: i32,
    pub note: String,
}

/// One application with what its viewer may do next.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoanView {
    pub row: LoanRow,
    pub product: String,
    /// Masked, unless unmasked for this request.
    pub id_number: String,
    pub phone: String,
    pub age_when_applied: i32,
    pub business_credit_code: String,
    pub jobs_before: i32,
    pub purpose: String,
    pub note: String,
    pub recommended_on: Option<NaiveDate>,
    pub approved_on: Option<NaiveDate>,
    /// "300000.00 元 · 年利率 3.85% · 36 个月".
    pub terms: String,
    pub repayment: String,
    pub followups: Vec<FollowUpRow>,
    pub state: LoanState,
    /// The viewer is the league's staff (recommends) or the bank (decides, disburses).
    pub league: bool,
    pub can_act: bool,
    pub can_unmask: bool,
}

/// One application (loans.read: staff over the handling org, or the bank once recommended).
pub async fn show(app: &App, actor: &Actor, id: LoanId) -> AppResult<LoanView> {
    let (a, side) = reach(app, actor, READ, id).await?;
    let act = match side {
        Side::League(_) => WRITE,
        Side::Bank(_) => APPROVE,
    };
    let can_act = match side {
        Side::League(_) => scope::checked(&app.db, actor, act, OrgId(a.org_id)).await?.is_some(),
        Side::Bank(_) => actor.partner_with(act).is_some(),
    };
    let can_unmask = match side {
        Side::League(_) => scope::checked(&app.db, actor, UNMASK, OrgId(a.org_id)).await?.is_some(),
        Side::Bank(_) => actor.partner_with(UNMASK).is_some(),
    };
    view(app, a, side, can_act, can_unmask, false).await
}

async fn view(
    app: &App,
    a: loan_application::Model,
    side: Side,
    can_act: bool,
    can_unmask: bool,
    unmasked: bool,
) -> AppResult<LoanView> {
    let product =
        loan_product::Entity::find_by_id(a.product_id).one(&app.db).await?.map(|p| p.name).unwrap_or_default();
    let id_number = app.keys.decrypt(&a.id_number_enc)?;
    let phone = app.keys.decrypt(&a.phone_enc)?;
    let followups = loan_followup::Entity::find()
        .filter(loan_followup::Column::ApplicationId.eq(a.id))
        .order_by_asc(loan_followup::Column::OnDate)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|f| FollowUpRow {
            on_date: f.on_date,
            repayment: Repayment::parse(&f.repayment).map(|r| r.label().to_owned()).unwrap_or(f.repayment),
            jobs_created: f.jobs_created,
            note: f.note,
        })
        .collect();
    let terms = match (a.approved_amount_fen, a.rate_bp, a.term_months) {
        (Some(f), Some(r), Some(t)) => {
            format!("{} 元 · 年利率 {}.{:02}% · {t} 个月", Fen(f).yuan_text(), r / 100, r % 100)
        }
        _ => String::new(),
    };
    let state = LoanState::parse(&a.state)?;
    Ok(LoanView {
        product,
        id_number: if unmasked { id_number } else { mask_id_number(&id_number) },
        phone: if unmasked { phone } else { mask_phone(&phone) },
        age_when_applied: age_on(a.birth_date, a.applied_on),
        business_credit_code: a.business_credit_code.clone(),
        jobs_before: a.jobs_before,
        purpose: a.purpose.clone(),
        note: a.note.clone(),
        recommended_on: a.recommended_on,
        approved_on: a.approved_on,
        terms,
        repayment: Repayment::parse(&a.repayment).map(|r| r.label().to_owned()).unwrap_or_default(),
        followups,
        state,
        league: matches!(side, Side::League(_)),
        can_act,
        can_unmask,
        row: rows(app, vec![a]).await?.remove(0),
    })
}

/// The application with the applicant's full ID number and phone, for a stated reason (the bank:
/// a credit check); audited.
pub async fn unmask(app: &App, actor: &Actor, id: LoanId, reason: &str) -> AppResult<LoanView> {
    let (a, side) = reach(app, actor, UNMASK, id).await?;
    let reason = required_text(reason, "reason", "查看原因", 200)?;
    let mut entry =
        Entry::new(AuditAction::LoanUnmasked, ObjectKind::Loan).object(a.id).after(json!({ "reason": reason }));
    entry = match &side {
        Side::League(proof) => entry.within(proof),
        Side::Bank(_) => entry.scope(OrgId(a.org_id)),
    };
    audit::record(app.writer(), app.now(), actor, entry).await?;
    let can_act = match side {
        Side::League(_) => scope::checked(&app.db, actor, WRITE, OrgId(a.org_id)).await?.is_some(),
        Side::Bank(_) => actor.partner_with(APPROVE).is_some(),
    };
    view(app, a, side, can_act, true, true).await
}

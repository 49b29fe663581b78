//! The steps of an application, each dated as typed (not after today, not before the step before
//! it) and each taken once: the league org recommends or declines (loans.write over the handling
//! org); the bank approves or refuses, then disburses (loans.approve held over the bank — the
//! league cannot decide for the bank); follow-ups of a disbursed loan record repayment and jobs
//! created (the bank, or the league's staff).

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::LoanId;
use qingtuan_domain::loan::{LoanState, Repayment};
use qingtuan_domain::money::Fen;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{loan_application, loan_followup};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde_json::json;

use super::applications::within;
use super::{APPROVE, Side, WRITE, reach};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::required_date;
use crate::{Actor, App, AppError};

/// A step as typed: what was decided and on which day, with the terms or the reason.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Step {
    /// `recommend`, `decline`, `approve`, `refuse`, `disburse` or `follow_up`.
    pub action: String,
    pub on_date: String,
    /// Why it was declined or refused; a follow-up's note.
    pub note: String,
    /// Approved or disbursed, in yuan.
    pub amount: String,
    /// The yearly rate in per cent, e.g. `3.85`.
    pub rate: String,
    pub term_months: String,
    pub repayment: String,
    pub jobs_created: String,
}

/// Takes a step. Who may: the league for recommend and decline, the bank for approve, refuse and
/// disburse, either for follow-ups.
pub async fn act(app: &App, actor: &Actor, id: LoanId, step: &Step) -> AppResult<()> {
    let bank_step = matches!(step.action.as_str(), "approve" | "refuse" | "disburse");
    let league_step = matches!(step.action.as_str(), "recommend" | "decline");
    let permission = if bank_step || (step.action == "follow_up" && actor.partner.is_some()) { APPROVE } else { WRITE };
    let (a, side) = reach(app, actor, permission, id).await?;
    if (bank_step && !matches!(side, Side::Bank(_))) || (league_step && !matches!(side, Side::League(_))) {
        let answer = AppError::Forbidden;
        return scope::deny(app, actor, permission, ObjectKind::Loan, Some(id.to_string()), answer).await;
    }
    let state = LoanState::parse(&a.state)?;
    let today = local_date(app.now());
    let mut problems = Vec::new();
    let on = required_date("on_date", &step.on_date, "日期", today).map_err(|e| problems.push(e)).ok();
    // A follow-up comes after the latest one: the latest says how the loan stands.
    let latest_followup: Option<chrono::NaiveDate> = loan_followup::Entity::find()
        .select_only()
        .column_as(loan_followup::Column::OnDate.max(), "latest")
        .filter(loan_followup::Column::ApplicationId.eq(a.id))
        .into_tuple()
        .one(&app.db)
        .await?
        .flatten();
    let earliest = latest_followup.or(a.disbursed_on).or(a.approved_on).or(a.recommended_on).unwrap_or(a.applied_on);
    if let Some(d) = on.filter(|d| *d < earliest) {
        problems.push(FieldError::new("on_date", format!("日期 {d} 早于上一步的日期 {earliest}")));
    }
    let (from, to, action) = match step.action.as_str() {
        "recommend" => (LoanState::Applied, LoanState::Recommended, AuditAction::LoanRecommended),
        "decline" => (LoanState::Applied, LoanState::Declined, AuditAction::LoanDeclined),
        "approve" => (LoanState::Recommended, LoanState::Approved, AuditAction::LoanApproved),
        "refuse" => (LoanState::Recommended, LoanState::Refused, AuditAction::LoanRefused),
        "disburse" => (LoanState::Approved, LoanState::Disbursed, AuditAction::LoanDisbursed),
        "follow_up" => (LoanState::Disbursed, LoanState::Disbursed, AuditAction::LoanFollowedUp),
        _ => return Err(Invalid::one("action", "未知的操作").into()),
    };
    if state != from {
        return Err(Invalid::one("state", format!("该申请当前为“{}”，不能进行此操作", state.label())).into());
    }
    let note = step.note.trim().chars().take(200).collect::<String>();
    if matches!(to, LoanState::Declined | LoanState::Refused) && note.is_empty() {
        problems.push(FieldError::new("note", "请填写原因"));
    }
    let mut update = loan_application::Entity::update_many()
        .col_expr(loan_application::Column::State, Expr::value(to.code()))
        .filter(loan_application::Column::Id.eq(a.id))
        .filter(loan_application::Column::State.eq(from.code()));
    let mut after = json!({ "state": to.code(), "on_date": on, "note": note });
    match step.action.as_str() {
        "recommend" => update = update.col_expr(loan_application::Column::RecommendedOn, Expr::value(on)),
        "decline" | "refuse" => update = update.col_expr(loan_application::Column::Note, Expr::value(note.clone())),
        "approve" => {
            let amount = amount(&step.amount, "批准金额", a.amount_fen).map_err(|e| problems.push(e)).ok();
            let rate = rate_bp(&step.rate).map_err(|e| problems.push(e)).ok();
            let term = step.term_months.trim().parse::<i32>().ok().filter(|t| (1..=120).contains(t));
            if term.is_none() {
                problems.push(FieldError::new("term_months", "期限应为 1 到 120 个月"));
            }
            after["approved_amount_fen"] = json!(amount.map(|f| f.0));
            after["rate_bp"] = json!(rate);
            after["term_months"] = json!(term);
            update = update
                .col_expr(loan_application::Column::ApprovedOn, Expr::value(on))
                .col_expr(loan_application::Column::ApprovedAmountFen, Expr::value(amount.map(|f| f.0)))
                .col_expr(loan_application::Column::RateBp, Expr::value(rate))
                .col_expr(loan_application::Column::TermMonths, Expr::value(term));
        }
        "disburse" => {
            let approved = a.approved_amount_fen.unwrap_or(0);
            let amount = amount(&step.amount, "放款金额", approved).map_err(|e| problems.push(e)).ok();
            after["disbursed_amount_fen"] = json!(amount.map(|f| f.0));
            update = update
                .col_expr(loan_application::Column::DisbursedOn, Expr::value(on))
                .col_expr(loan_application::Column::DisbursedAmountFen, Expr::value(amount.map(|f| f.0)))
                .col_expr(loan_application::Column::Repayment, Expr::value(Repayment::Current.code()));
        }
        _ => {}
    }
    let follow_up = if step.action == "follow_up" {
        let repayment = Repayment::parse(&step.repayment).map_err(|e| problems.extend(e.0)).ok();
        let jobs = step.jobs_created.trim().parse::<i32>().ok().filter(|n| (0..=100_000).contains(n));
        if jobs.is_none() {
            problems.push(FieldError::new("jobs_created", "带动就业人数应为 0 到 100000 的整数"));
        }
        if let (Some(r), Some(j)) = (repayment, jobs) {
            after["repayment"] = json!(r.code());
            after["jobs_created"] = json!(j);
            update = update
                .col_expr(loan_application::Column::Repayment, Expr::value(r.code()))
                .col_expr(loan_application::Column::JobsCreated, Expr::value(j));
        }
        repayment.zip(jobs)
    } else {
        None
    };
    let (Some(on), true) = (on, problems.is_empty()) else { return Err(Invalid(problems).into()) };
    let txn = app.begin().await?;
    // Taken once: of two desks acting at the same time, the second finds it changed.
    if update.exec(&txn).await?.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("state", "该申请已被处理，请刷新").into());
    }
    if let Some((repayment, jobs)) = follow_up {
        loan_followup::ActiveModel {
            application_id: Set(a.id),
            on_date: Set(on),
            repayment: Set(repayment.code().to_owned()),
            jobs_created: Set(jobs),
            note: Set(note.clone()),
            created_at: Set(app.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let entry = within(&side, &a, Entry::new(action, ObjectKind::Loan).object(a.id))
        .before(json!({ "state": from.code() }))
        .after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    if to != from {
        let reason = if note.is_empty() { String::new() } else { format!("，原因：{note}") };
        let text = format!(
            "【青创先锋贷】{}您好，您为“{}”申请的贷款（编号 {}）：{}（{on}）{reason}。",
            a.name,
            a.business_name,
            a.id,
            to.label()
        );
        let phone = app.keys.decrypt(&a.phone_enc)?;
        let m = crate::messages::Outgoing {
            kind: qingtuan_domain::message::MessageKind::LoanDecision,
            org: qingtuan_domain::ids::OrgId(a.org_id),
            phone: &phone,
            text,
            dedupe: format!("loan:{}:{}", a.id, to.code()),
            due: None,
        };
        crate::messages::enqueue(&txn, app, m).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// An amount in yuan, more than 0 and at most `cap` fen.
fn amount(raw: &str, what: &str, cap: i64) -> Result<Fen, FieldError> {
    let fen = Fen::parse_yuan("amount", raw).map_err(|e| FieldError::new("amount", e.0[0].message.clone()))?;
    if fen.0 > cap {
        return Err(FieldError::new("amount", format!("{what}不能超过 {} 元", Fen(cap).yuan_text())));
    }
    Ok(fen)
}

/// A yearly rate in per cent with at most two decimals (`3.85`), as hundredths of a per cent.
fn rate_bp(raw: &str) -> Result<i32, FieldError> {
    let bad = || FieldError::new("rate", "年利率应为 0 到 24 之间的百分数，最多两位小数，如 3.85");
    let raw = raw.trim();
    if raw.chars().any(|c| c.is_ascii_digit())
        && raw.chars().all(|c| c == '0' || c == '.')
        && raw.matches('.').count() <= 1
    {
        return Ok(0);
    }
    let fen = Fen::parse_yuan("rate", raw).map_err(|_| bad())?;
    i32::try_from(fen.0).ok().filter(|bp| *bp <= 2400).ok_or_else(bad)
}

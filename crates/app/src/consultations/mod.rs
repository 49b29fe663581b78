//! Consultation cases (法律护航 and others, P4): a young person — named or anonymous — asks for
//! legal, employment, psychological or business advice; the league org takes the case and gives it
//! to a consultant, a lawyer or counsellor with an account of their partner (`consultant` role);
//! follow-ups, then the outcome.
//!
//! Confidentiality: who asked, the summary and the follow-ups' notes are encrypted and shown only
//! to the case's consultant and to those holding `consultations.unmask` over its org (the case
//! handlers) — each showing audited. Everyone with `consultations.read` over the org sees that the
//! case exists, its category, channel, dates and outcome: the counts are not secret.

mod lists;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::consultation::{CaseCategory, CaseChannel, CaseOutcome};
use qingtuan_domain::ids::{CaseId, OrgId, UserId};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::person::Phone;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{consultation_case, consultation_followup, partner, role, role_permission, user, user_role};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::{required_date, required_text};
use crate::{Actor, App, AppError};

pub use lists::{CaseRow, CaseView, Cases, Content, Count, Filter, NoteRow, export, list, show};

pub const READ: Permission = Permission::new(Module::Consultations, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Consultations, Action::Write);
pub const EXPORT: Permission = Permission::new(Module::Consultations, Action::Export);
/// Handling cases: seeing who asked, the summary and the notes.
pub const UNMASK: Permission = Permission::new(Module::Consultations, Action::Unmask);

/// A case as typed when it is taken — or, imported from earlier records, with how it ended.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewCase {
    pub org_code: String,
    pub category: String,
    pub channel: String,
    /// Empty: anonymous.
    pub asker_name: String,
    pub asker_phone: String,
    pub summary: String,
    pub opened_on: String,
    /// The consultant's account id, or empty for now.
    pub consultant: String,
    /// Imported cases: a `CaseOutcome` (code or label) with the day the case was closed; empty
    /// for a case still open.
    pub outcome: String,
    pub closed_on: String,
}

/// The columns of a case spreadsheet, as users see them.
pub const COLUMNS: [(&str, &str); 9] = [
    ("org_code", "受理组织代码"),
    ("category", "类别"),
    ("channel", "渠道"),
    ("asker_name", "咨询人姓名"),
    ("asker_phone", "咨询人手机号码"),
    ("summary", "咨询内容"),
    ("opened_on", "受理日期"),
    ("outcome", "办理结果"),
    ("closed_on", "结案日期"),
];

/// The consultants the actor may give a case to (none without `consultations.write` somewhere).
pub async fn consultant_choices(app: &App, actor: &Actor) -> AppResult<Vec<(UserId, String)>> {
    if !actor.can_somewhere(WRITE) {
        return Ok(Vec::new());
    }
    Ok(consultants(app).await?.into_iter().map(|(id, name)| (UserId(id), name)).collect())
}

/// The accounts that may be given cases: partners' accounts holding a role made for partners that
/// handles cases — (account id, "name（partner）").
async fn consultants(app: &App) -> AppResult<Vec<(i64, String)>> {
    let roles: Vec<i64> = role_permission::Entity::find()
        .select_only()
        .column(role_permission::Column::RoleId)
        .filter(role_permission::Column::Permission.eq(UNMASK.code()))
        .filter(
            role_permission::Column::RoleId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(role::Column::Id)
                    .from(role::Entity)
                    .and_where(role::Column::ForPartners.eq(true))
                    .take(),
            ),
        )
        .into_tuple()
        .all(&app.db)
        .await?;
    let holders: Vec<i64> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .filter(user_role::Column::RoleId.is_in(roles))
        .into_tuple()
        .all(&app.db)
        .await?;
    let accounts = user::Entity::find()
        .filter(user::Column::Id.is_in(holders))
        .filter(user::Column::PartnerId.is_not_null())
        .filter(user::Column::DisabledAt.is_null())
        .order_by_asc(user::Column::Id)
        .all(&app.db)
        .await?;
    let partners = partner::Entity::find()
        .filter(partner::Column::Id.is_in(accounts.iter().filter_map(|u| u.partner_id)))
        .all(&app.db)
        .await?;
    Ok(accounts
        .into_iter()
        .map(|u| {
            let p = partners.iter().find(|p| Some(p.id) == u.partner_id).map(|p| p.name.as_str()).unwrap_or_default();
            (u.id, format!("{}（{p}）", u.display_name))
        })
        .collect())
}

/// The consultant an id names, with their partner — or the form's problem.
async fn consultant(app: &App, raw: &str) -> AppResult<Result<Option<(i64, i64)>, FieldError>> {
    if raw.trim().is_empty() {
        return Ok(Ok(None));
    }
    let valid = consultants(app).await?;
    let Some(id) = raw.trim().parse::<i64>().ok().filter(|id| valid.iter().any(|(v, _)| v == id)) else {
        return Ok(Err(FieldError::new("consultant", "请选择合作单位的咨询师")));
    };
    let account = user::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    Ok(Ok(account.partner_id.map(|p| (id, p))))
}

/// Takes a case (consultations.write over the org).
pub async fn open(app: &App, actor: &Actor, form: &NewCase) -> AppResult<CaseId> {
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

/// Imports cases from earlier records, all or none (consultations.write over each row's org): each
/// checked as a case taken at the desk, with how it ended when it did. The consultant is given
/// afterwards, on the case's page.
pub async fn open_batch(
    app: &App,
    actor: &Actor,
    forms: &[NewCase],
    dry_run: bool,
    progress: crate::batch::Progress<'_>,
) -> AppResult<usize> {
    scope::require_somewhere(app, actor, WRITE).await?;
    crate::batch::row_by_row(app, actor, forms, &COLUMNS, dry_run, progress, |txn, app, actor, form| {
        Box::pin(async move { insert(txn, app, actor, form).await.map(|_| ()) })
    })
    .await
}

/// Checks a case and writes it on `txn`, audited without its content.
async fn insert(txn: &crate::db::Write, app: &App, actor: &Actor, form: &NewCase) -> AppResult<CaseId> {
    let proof = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let mut problems = Vec::new();
    let category = CaseCategory::parse(&form.category).map_err(|e| problems.extend(e.0)).ok();
    let channel = CaseChannel::parse(&form.channel).map_err(|e| problems.extend(e.0)).ok();
    let name = form.asker_name.trim();
    if name.chars().count() > 50 {
        problems.push(FieldError::new("asker_name", "姓名不超过 50 个字"));
    }
    let phone = match form.asker_phone.trim() {
        "" => None,
        raw => Phone::parse(raw).map_err(|e| problems.extend(e.0)).ok(),
    };
    let summary = required_text(&form.summary, "summary", "咨询内容", 2000).map_err(|e| problems.extend(e.0)).ok();
    let today = local_date(app.now());
    let opened_on = required_date("opened_on", &form.opened_on, "受理日期", today).map_err(|e| problems.push(e)).ok();
    let consultant = consultant(app, &form.consultant).await?.map_err(|e| problems.push(e)).ok().flatten();
    let ended = match (form.outcome.trim(), form.closed_on.trim()) {
        ("", "") => None,
        (outcome, closed) => {
            let outcome = CaseOutcome::parse(outcome).map_err(|e| problems.extend(e.0)).ok();
            let closed = required_date("closed_on", closed, "结案日期", today).map_err(|e| problems.push(e)).ok();
            if let (Some(c), Some(o)) = (closed, opened_on)
                && c < o
            {
                problems.push(FieldError::new("closed_on", format!("结案日期 {c} 早于受理日期 {o}")));
            }
            outcome.zip(closed)
        }
    };
    let (Some(category), Some(channel), Some(summary), Some(opened_on), true) =
        (category, channel, summary, opened_on, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let seal = |v: &str| app.keys.encrypt(v);
    let row = consultation_case::ActiveModel {
        org_id: Set(proof.get().0),
        category: Set(category.code().to_owned()),
        channel: Set(channel.code().to_owned()),
        asker_name_enc: Set(if name.is_empty() { None } else { Some(seal(name)?) }),
        asker_phone_enc: Set(phone.map(|p| seal(p.as_str())).transpose()?),
        partner_id: Set(consultant.map(|(_, p)| p)),
        consultant_id: Set(consultant.map(|(c, _)| c)),
        summary_enc: Set(seal(&summary)?),
        outcome: Set(ended.map(|(o, _)| o.code().to_owned()).unwrap_or_default()),
        opened_on: Set(opened_on),
        closed_on: Set(ended.map(|(_, c)| c)),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    // The audit row says what kind of case it is, never what was asked.
    let entry = Entry::new(AuditAction::CaseOpened, ObjectKind::Case).object(row.id).within(&proof).after(json!({
        "category": category.code(), "channel": channel.code(), "anonymous": name.is_empty(),
        "opened_on": opened_on, "consultant": consultant.map(|(c, _)| c),
        "outcome": ended.map(|(o, _)| o.code()), "closed_on": ended.map(|(_, c)| c),
    }));
    audit::record(txn, app.now(), actor, entry).await?;
    Ok(CaseId(row.id))
}

impl crate::batch::Importable for NewCase {
    const COLUMNS: &'static [(&'static str, &'static str)] = &COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "category", "channel", "summary", "opened_on"];
    const EXAMPLE: &'static [&'static str] =
        &["CY", "法律咨询", "电话", "", "", "劳动合同纠纷咨询", "2022-03-15", "已解决", "2022-04-02"];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        match field {
            "category" => Some(CaseCategory::ALL.iter().map(|c| c.label()).collect()),
            "channel" => Some(CaseChannel::ALL.iter().map(|c| c.label()).collect()),
            "outcome" => Some(CaseOutcome::ALL.iter().map(|c| c.label()).collect()),
            _ => None,
        }
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            category: cell("category"),
            channel: cell("channel"),
            asker_name: cell("asker_name"),
            asker_phone: cell("asker_phone"),
            summary: cell("summary"),
            opened_on: cell("opened_on"),
            consultant: String::new(),
            outcome: cell("outcome"),
            closed_on: cell("closed_on"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        open_batch(app, actor, rows, dry_run, progress).await
    }
}

/// How the viewer stands to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    /// Staff who see that it exists.
    Reader,
    /// Its consultant, or a case handler over its org: sees its content, acts on it.
    Handler,
}

/// The case, if the actor may see it: staff with `permission` over its org, or — a partner's
/// account — its own consultant. Anyone else finds nothing (404, audited).
pub(super) async fn reach(
    app: &App,
    actor: &Actor,
    permission: Permission,
    id: CaseId,
) -> AppResult<(consultation_case::Model, Standing)> {
    let found = consultation_case::Entity::find_by_id(id.0).one(&app.db).await?;
    if actor.partner.is_some() {
        return match found {
            Some(c)
                if c.consultant_id.is_some()
                    && c.consultant_id == actor.user_id().map(|u| u.0)
                    && actor.partner_with(UNMASK).is_some()
                    && actor.partner_with(permission).is_some() =>
            {
                Ok((c, Standing::Handler))
            }
            _ => scope::deny(app, actor, permission, ObjectKind::Case, Some(id.to_string()), AppError::NotFound).await,
        };
    }
    let org = OrgId(found.as_ref().map_or(0, |c| c.org_id));
    scope::require(app, actor, permission, (ObjectKind::Case, id.to_string()), org).await?;
    let c = found.ok_or(AppError::NotFound)?;
    let handler = scope::checked(&app.db, actor, UNMASK, org).await?.is_some();
    Ok((c, if handler { Standing::Handler } else { Standing::Reader }))
}

/// Refuses (403, audited) anyone but the case's handlers.
async fn handler_only(app: &App, actor: &Actor, c: &consultation_case::Model, standing: Standing) -> AppResult<()> {
    if standing == Standing::Handler {
        return Ok(());
    }
    scope::deny(app, actor, UNMASK, ObjectKind::Case, Some(c.id.to_string()), AppError::Forbidden).await
}

/// Gives an open case to a consultant — and so its content: only a case handler over its org may
/// (consultations.write and consultations.unmask there).
pub async fn assign(app: &App, actor: &Actor, id: CaseId, raw: &str) -> AppResult<()> {
    let (c, standing) = reach(app, actor, WRITE, id).await?;
    if actor.partner.is_some() {
        return scope::deny(app, actor, WRITE, ObjectKind::Case, Some(id.to_string()), AppError::Forbidden).await;
    }
    handler_only(app, actor, &c, standing).await?;
    if c.closed_on.is_some() {
        return Err(Invalid::one("consultant", "该个案已结案，不能再指派").into());
    }
    let Some((consultant, partner)) = consultant(app, raw).await?.map_err(|e| Invalid(vec![e]))? else {
        return Err(Invalid::one("consultant", "请选择合作单位的咨询师").into());
    };
    let txn = app.begin().await?;
    consultation_case::Entity::update_many()
        .col_expr(consultation_case::Column::ConsultantId, Expr::value(consultant))
        .col_expr(consultation_case::Column::PartnerId, Expr::value(partner))
        .filter(consultation_case::Column::Id.eq(c.id))
        .exec(&txn)
        .await?;
    let entry = Entry::new(AuditAction::CaseAssigned, ObjectKind::Case)
        .object(c.id)
        .scope(OrgId(c.org_id))
        .before(json!({ "consultant": c.consultant_id }))
        .after(json!({ "consultant": consultant }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A follow-up or the closing, as typed on the case's page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CaseStep {
    pub on_date: String,
    pub note: String,
    /// Closing: a `CaseOutcome` code; empty for a follow-up.
    pub outcome: String,
}

/// Records a follow-up, or closes the case with its outcome (its handlers only).
pub async fn step(app: &App, actor: &Actor, id: CaseId, form: &CaseStep) -> AppResult<()> {
    let (c, standing) = reach(app, actor, WRITE, id).await?;
    handler_only(app, actor, &c, standing).await?;
    if c.closed_on.is_some() {
        return Err(Invalid::one("outcome", "该个案已结案").into());
    }
    let mut problems = Vec::new();
    let on = required_date("on_date", &form.on_date, "日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    let latest: Option<NaiveDate> = consultation_followup::Entity::find()
        .select_only()
        .column_as(consultation_followup::Column::OnDate.max(), "latest")
        .filter(consultation_followup::Column::CaseId.eq(c.id))
        .into_tuple()
        .one(&app.db)
        .await?
        .flatten();
    let earliest = latest.unwrap_or(c.opened_on).max(c.opened_on);
    if let Some(d) = on.filter(|d| *d < earliest) {
        problems.push(FieldError::new("on_date", format!("日期 {d} 早于上一次记录的日期 {earliest}")));
    }
    let closing = !form.outcome.trim().is_empty();
    let outcome = if closing { CaseOutcome::parse(&form.outcome).map_err(|e| problems.extend(e.0)).ok() } else { None };
    let note = form.note.trim();
    if !closing && note.is_empty() {
        problems.push(FieldError::new("note", "请填写跟进情况"));
    }
    if note.chars().count() > 2000 {
        problems.push(FieldError::new("note", "跟进情况不超过 2000 个字"));
    }
    let (Some(on), true) = (on, problems.is_empty()) else { return Err(Invalid(problems).into()) };
    let txn = app.begin().await?;
    if !note.is_empty() {
        consultation_followup::ActiveModel {
            case_id: Set(c.id),
            on_date: Set(on),
            note_enc: Set(app.keys.encrypt(note)?),
            by_name: Set(actor.display_name().chars().take(50).collect()),
            created_at: Set(app.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let action = match outcome {
        Some(o) => {
            let closed = consultation_case::Entity::update_many()
                .col_expr(consultation_case::Column::Outcome, Expr::value(o.code()))
                .col_expr(consultation_case::Column::ClosedOn, Expr::value(on))
                .filter(consultation_case::Column::Id.eq(c.id))
                .filter(consultation_case::Column::ClosedOn.is_null())
                .exec(&txn)
                .await?;
            if closed.rows_affected == 0 {
                txn.rollback().await?;
                return Err(Invalid::one("outcome", "该个案已结案").into());
            }
            AuditAction::CaseClosed
        }
        None => AuditAction::CaseFollowedUp,
    };
    let entry = Entry::new(action, ObjectKind::Case)
        .object(c.id)
        .scope(OrgId(c.org_id))
        .after(json!({ "on_date": on, "outcome": outcome.map(|o| o.code()) }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

//! The staff's stages of an opening: the qualification check, the scores, the public notice of
//! those ranked within the places, resolving objections, the appointment that makes the posts,
//! an application's attachment, and the purge of applications not appointed.

use chrono::{NaiveDate, TimeDelta};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{ApplicationId, ObjectionId, OpeningId, OrgId};
use qingtuan_domain::selection::{self, ApplicationState};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{application, application_document, objection, opening};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{APPROVE, READ, WRITE, ranked};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::accountability::Document;
use crate::error::AppResult;
use crate::forms::parse_date;
use crate::registry::{people, positions};
use crate::{Actor, App, AppError};

/// An application and its opening, if the actor holds `permission` over the host (404 outside).
async fn application_of(
    app: &App,
    actor: &Actor,
    id: ApplicationId,
    permission: qingtuan_domain::permission::Permission,
) -> AppResult<(application::Model, opening::Model, InScope<OrgId>)> {
    let a = application::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let o = opening::Entity::find_by_id(a.opening_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof =
        scope::require(app, actor, permission, (ObjectKind::Application, id.to_string()), OrgId(o.org_id)).await?;
    Ok((a, o, proof))
}

/// The opening an application belongs to (read over the host; 404 outside).
pub async fn opening_of_application(app: &App, actor: &Actor, id: ApplicationId) -> AppResult<OpeningId> {
    Ok(OpeningId(application_of(app, actor, id, READ).await?.1.id))
}

/// The opening an objection's application belongs to (read over the host; 404 outside).
pub async fn opening_of_objection(app: &App, actor: &Actor, id: ObjectionId) -> AppResult<OpeningId> {
    let x = objection::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    opening_of_application(app, actor, ApplicationId(x.application_id)).await
}

/// Moves an application from one of `from` to `to`, once; `false` if it was no longer there.
async fn transition(
    conn: &crate::db::Write,
    id: i64,
    from: &[ApplicationState],
    to: ApplicationState,
    extra: Vec<(application::Column, Expr)>,
) -> AppResult<bool> {
    let mut update = application::Entity::update_many().col_expr(application::Column::State, Expr::value(to.code()));
    for (col, value) in extra {
        update = update.col_expr(col, value);
    }
    let done = update
        .filter(application::Column::Id.eq(id))
        .filter(application::Column::State.is_in(from.iter().map(|s| s.code())))
        .exec(conn)
        .await?;
    Ok(done.rows_affected > 0)
}

/// The qualification check: passed, or failed with the reason the applicant is told.
pub async fn check(app: &App, actor: &Actor, id: ApplicationId, pass: bool, note: &str) -> AppResult<OpeningId> {
    let (a, o, proof) = application_of(app, actor, id, WRITE).await?;
    let note = note.trim();
    if !pass && (note.is_empty() || note.chars().count() > 500) {
        return Err(Invalid::one("note", "请填写未通过资格审查的原因（告知报名人），不超过 500 个字").into());
    }
    if o.notice_from.is_some() {
        return Err(Invalid::one("note", "公示开始后不能再改变资格审查结果").into());
    }
    let to = if pass { ApplicationState::Qualified } else { ApplicationState::Rejected };
    let from = [ApplicationState::Submitted, ApplicationState::Qualified, ApplicationState::Rejected];
    let txn = app.begin().await?;
    if !transition(&txn, a.id, &from, to, vec![(application::Column::CheckNote, Expr::value(note))]).await? {
        txn.rollback().await?;
        return Err(Invalid::one("note", "该报名的状态已经改变，请刷新后再试").into());
    }
    let entry = Entry::new(AuditAction::ApplicationChecked, ObjectKind::Application)
        .object(a.id)
        .within(&proof)
        .after(json!({ "name": a.name, "passed": pass, "note": note }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(OpeningId(o.id))
}

/// A score as typed: 0–100, one decimal at most.
fn score(raw: &str, f: &'static str, what: &str) -> Result<i32, FieldError> {
    match raw.trim().parse::<f64>() {
        Ok(v) if (0.0..=100.0).contains(&v) && (v * 10.0).fract() == 0.0 => Ok((v * 10.0).round() as i32),
        _ => Err(FieldError::new(f, format!("{what}应为 0 到 100 之间的分数，最多一位小数"))),
    }
}

/// Enters a qualified applicant's written and interview scores (before the notice).
pub async fn enter_scores(
    app: &App,
    actor: &Actor,
    id: ApplicationId,
    written: &str,
    interview: &str,
) -> AppResult<OpeningId> {
    let (a, o, proof) = application_of(app, actor, id, WRITE).await?;
    let mut problems = Vec::new();
    let w = score(written, "written", "笔试成绩").map_err(|e| problems.push(e)).ok();
    let i = score(interview, "interview", "面试成绩").map_err(|e| problems.push(e)).ok();
    let (Some(w), Some(i)) = (w, i) else { return Err(Invalid(problems).into()) };
    if a.state != ApplicationState::Qualified.code() || o.notice_from.is_some() {
        return Err(Invalid::one("written", "只能为资格审查通过、尚未公示的报名人登记成绩").into());
    }
    let txn = app.begin().await?;
    let extra = vec![
        (application::Column::WrittenTenths, Expr::value(w)),
        (application::Column::InterviewTenths, Expr::value(i)),
    ];
    if !transition(&txn, a.id, &[ApplicationState::Qualified], ApplicationState::Qualified, extra).await? {
        txn.rollback().await?;
        return Err(Invalid::one("written", "该报名的状态已经改变，请刷新后再试").into());
    }
    let entry = Entry::new(AuditAction::ApplicationScored, ObjectKind::Application)
        .object(a.id)
        .within(&proof)
        .after(json!({ "name": a.name, "written": f64::from(w) / 10.0, "interview": f64::from(i) / 10.0 }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(OpeningId(o.id))
}

/// Puts those ranked within the places on public notice from today, for five working days. The
/// window must have closed, every application been checked and every qualified one scored; a tie
/// at the last place must be broken by the staff first.
pub async fn start_notice(app: &App, actor: &Actor, id: OpeningId) -> AppResult<()> {
    let o = opening::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Opening, id.to_string()), OrgId(o.org_id)).await?;
    let today = local_date(app.now());
    let refuse = |m: String| Err(Invalid::one("notice", m).into());
    if o.notice_from.is_some() {
        return refuse("已经公示".into());
    }
    if today <= o.closes_on {
        return refuse(format!("报名 {} 截止后才能公示", o.closes_on));
    }
    let rows = ranked(app, &o, false).await?;
    if let Some(r) = rows.iter().find(|r| r.state == ApplicationState::Submitted) {
        return refuse(format!("{}尚未进行资格审查", r.name));
    }
    if let Some(r) = rows.iter().find(|r| r.state == ApplicationState::Qualified && r.total.is_none()) {
        return refuse(format!("{}尚未登记笔试和面试成绩", r.name));
    }
    let places = usize::try_from(o.places).unwrap_or(0);
    let chosen: Vec<_> = rows.iter().filter(|r| r.rank.is_some_and(|k| k <= places)).collect();
    if chosen.is_empty() {
        return refuse("没有资格审查通过并有成绩的报名人".into());
    }
    if chosen.len() > places {
        return refuse(format!("第 {places} 名有并列，请先核实成绩"));
    }
    let until = selection::notice_until(today, selection::NOTICE_WORKING_DAYS);
    let txn = app.begin().await?;
    for r in &chosen {
        transition(&txn, r.id.0, &[ApplicationState::Qualified], ApplicationState::Noticed, Vec::new()).await?;
    }
    let started = opening::Entity::update_many()
        .col_expr(opening::Column::NoticeFrom, Expr::value(today))
        .col_expr(opening::Column::NoticeUntil, Expr::value(until))
        .filter(opening::Column::Id.eq(o.id))
        .filter(opening::Column::NoticeFrom.is_null())
        .exec(&txn)
        .await?;
    if started.rows_affected == 0 {
        txn.rollback().await?;
        return refuse("已经公示".into());
    }
    let names: Vec<&str> = chosen.iter().map(|r| r.name.as_str()).collect();
    let entry = Entry::new(AuditAction::NoticeStarted, ObjectKind::Opening)
        .object(o.id)
        .within(&proof)
        .after(json!({ "from": today, "until": until, "names": names }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Resolves an objection: upheld (the applicant will not be appointed) or dismissed, with the
/// finding.
pub async fn resolve(
    app: &App,
    actor: &Actor,
    id: ObjectionId,
    upheld: bool,
    resolution: &str,
) -> AppResult<OpeningId> {
    let x = objection::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (a, o, proof) = application_of(app, actor, ApplicationId(x.application_id), WRITE).await?;
    let resolution = resolution.trim();
    if resolution.is_empty() || resolution.chars().count() > 500 {
        return Err(Invalid::one("resolution", "请填写核实情况，不超过 500 个字").into());
    }
    if o.appointed_on.is_some() {
        return Err(Invalid::one("resolution", "已经任用，不能再处理异议").into());
    }
    let txn = app.begin().await?;
    let done = objection::Entity::update_many()
        .col_expr(objection::Column::Upheld, Expr::value(upheld))
        .col_expr(objection::Column::Resolution, Expr::value(resolution))
        .filter(objection::Column::Id.eq(x.id))
        .filter(objection::Column::Upheld.is_null())
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("resolution", "该异议已经处理").into());
    }
    if upheld {
        transition(&txn, a.id, &[ApplicationState::Noticed], ApplicationState::NotAppointed, Vec::new()).await?;
    }
    let entry = Entry::new(AuditAction::ObjectionResolved, ObjectKind::Application)
        .object(a.id)
        .within(&proof)
        .after(json!({ "objection": x.id, "upheld": upheld, "resolution": resolution }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(OpeningId(o.id))
}

/// Appoints those on notice once the notice is over and every objection resolved (approve over the
/// host): each gets a post in the host org from `on` (source 社会化选拔, the opening's employment,
/// title and level), registered as a person if new; everyone else is told they were not appointed.
pub async fn appoint(app: &App, actor: &Actor, id: OpeningId, on: &str) -> AppResult<usize> {
    let o = opening::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, APPROVE, (ObjectKind::Opening, id.to_string()), OrgId(o.org_id)).await?;
    let today = local_date(app.now());
    let on: NaiveDate = match parse_date("on", on) {
        Ok(Some(d)) => d,
        Ok(None) => today,
        Err(e) => return Err(Invalid(vec![e]).into()),
    };
    let Some(until) = o.notice_until.filter(|_| o.appointed_on.is_none()) else {
        return Err(Invalid::one("on", "公示结束后才能任用（本次选拔尚未公示或已经任用）").into());
    };
    if today <= until || on <= until || on > today {
        return Err(
            Invalid::one("on", format!("公示 {until} 结束后才能任用，任职日期应在公示结束后、不晚于今天")).into()
        );
    }
    let rows = ranked(app, &o, true).await?;
    if let Some(r) = rows.iter().find(|r| r.state == ApplicationState::Noticed && r.pending_objections > 0) {
        return Err(Invalid::one("on", format!("{}有尚未处理的公示异议", r.name)).into());
    }
    let appointed: Vec<_> = rows.iter().filter(|r| r.state == ApplicationState::Noticed).collect();
    let org = qingtuan_entity::org::Entity::find_by_id(o.org_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    // Claimed first: of two appointments at the same time, the second finds nothing to do.
    let txn = app.begin().await?;
    let claimed = opening::Entity::update_many()
        .col_expr(opening::Column::AppointedOn, Expr::value(on))
        .filter(opening::Column::Id.eq(o.id))
        .filter(opening::Column::AppointedOn.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("on", "已经任用").into());
    }
    application::Entity::update_many()
        .col_expr(application::Column::State, Expr::value(ApplicationState::NotAppointed.code()))
        .filter(application::Column::OpeningId.eq(o.id))
        .filter(
            application::Column::State.is_in([ApplicationState::Qualified.code(), ApplicationState::Submitted.code()]),
        )
        .exec(&txn)
        .await?;
    let names: Vec<&str> = appointed.iter().map(|r| r.name.as_str()).collect();
    let entry = Entry::new(AuditAction::ApplicantsAppointed, ObjectKind::Opening)
        .object(o.id)
        .within(&proof)
        .after(json!({ "on": on, "names": names }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    // Each appointed applicant's person and post, through the registry's own checks.
    for r in &appointed {
        let a = application::Entity::find_by_id(r.id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
        let person = match a.id_number_hash.as_deref() {
            Some(hash) => people::id_by_hash(app, hash).await?,
            None => None,
        };
        let person = match person {
            Some(p) => p,
            None => {
                let form = people::NewPerson {
                    name: a.name.clone(),
                    id_number: r.id_number.clone(),
                    phone: r.phone.clone(),
                    political_status: a.political_status.clone(),
                    ..Default::default()
                };
                people::create_batch(app, actor, &[form]).await?.pop().ok_or(AppError::NotFound)?
            }
        };
        let post = positions::NewPosition {
            person_id: Some(person),
            org_code: org.code.clone(),
            title: o.post_title.clone(),
            employment: o.employment.clone(),
            source: qingtuan_domain::position::CadreSource::SocialSelection.code().into(),
            serving_level: o.serving_level.clone(),
            start_on: on.to_string(),
            ..Default::default()
        };
        positions::create_batch(app, actor, &[post]).await?;
        let txn = app.begin().await?;
        transition(&txn, a.id, &[ApplicationState::Noticed], ApplicationState::Appointed, Vec::new()).await?;
        txn.commit().await?;
    }
    Ok(appointed.len())
}

/// An application's attachment (read over the host).
pub async fn application_document(app: &App, actor: &Actor, id: ApplicationId) -> AppResult<Document> {
    let (a, _, _) = application_of(app, actor, id, READ).await?;
    let d = application_document::Entity::find_by_id(a.id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let kind = qingtuan_domain::accountability::DocumentType::sniff(&d.bytes).ok_or(AppError::NotFound)?;
    Ok(Document { file_name: d.file_name, content_type: kind.content_type(), bytes: d.bytes })
}

/// How long applications not appointed are kept after their opening was decided, unless set.
pub const RETENTION_DAYS: i64 = 365;

/// Anonymises the applications not appointed (and those rejected) of openings decided more than
/// `retention_days` ago: name, ID number, phone, résumé and attachment go; the state and scores
/// stay for the figures. Returns how many were purged (audited).
pub async fn purge(app: &App, actor: &Actor, retention_days: i64) -> AppResult<u64> {
    let cutoff = local_date(app.now()) - TimeDelta::days(retention_days.max(0));
    let decided: Vec<i64> = opening::Entity::find()
        .filter(opening::Column::AppointedOn.lt(cutoff))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let gone = [ApplicationState::NotAppointed.code(), ApplicationState::Rejected.code()];
    let doomed: Vec<i64> = application::Entity::find()
        .filter(application::Column::OpeningId.is_in(decided))
        .filter(application::Column::State.is_in(gone))
        .filter(application::Column::PurgedAt.is_null())
        .all(&app.db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    if doomed.is_empty() {
        return Ok(0);
    }
    let txn = app.begin().await?;
    application_document::Entity::delete_many()
        .filter(application_document::Column::ApplicationId.is_in(doomed.clone()))
        .exec(&txn)
        .await?;
    objection::Entity::update_many()
        .col_expr(objection::Column::Content, Expr::value("（已删除）"))
        .col_expr(objection::Column::Contact, Expr::value(""))
        .filter(objection::Column::ApplicationId.is_in(doomed.clone()))
        .exec(&txn)
        .await?;
    let done = application::Entity::update_many()
        .col_expr(application::Column::Name, Expr::value("（已删除）"))
        .col_expr(application::Column::IdNumberEnc, Expr::value(Option::<String>::None))
        .col_expr(application::Column::IdNumberHash, Expr::value(Option::<String>::None))
        .col_expr(application::Column::PhoneEnc, Expr::value(Option::<String>::None))
        .col_expr(application::Column::BirthOn, Expr::value(Option::<NaiveDate>::None))
        .col_expr(application::Column::Resume, Expr::value(""))
        .col_expr(application::Column::CheckNote, Expr::value(""))
        .col_expr(application::Column::PurgedAt, Expr::value(app.now()))
        .filter(application::Column::Id.is_in(doomed))
        .exec(&txn)
        .await?;
    let entry = Entry::new(AuditAction::ApplicationsPurged, ObjectKind::Application)
        .after(json!({ "applications": done.rows_affected, "decided_before": cutoff }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(done.rows_affected)
}

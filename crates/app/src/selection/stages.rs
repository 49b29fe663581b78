//! The staff's stages of an opening: the qualification check, the scores, the public notice of
//! those ranked within the places, resolving objections, the appointment that makes the posts,
//! an application's attachment, and the purge of applications not appointed.

use chrono::{NaiveDate, TimeDelta};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{ApplicationId, ObjectionId, OpeningId, OrgId, PersonId};
use qingtuan_domain::selection::{self, ApplicationState};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{application, application_document, objection, opening};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde_json::json;

use super::{APPROVE, READ, WRITE, ranked};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::error::AppResult;
use crate::export::Document;
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

/// Takes the opening's row for this transaction while no notice has started: the check, the scores
/// and the start of the notice are ordered by it (on PostgreSQL the second waits for the first).
async fn lock_before_notice(txn: &crate::db::Write, opening: i64) -> AppResult<bool> {
    let before = Condition::all().add(opening::Column::Id.eq(opening)).add(opening::Column::NoticeFrom.is_null());
    Ok(txn.take::<opening::Entity>(opening::Column::Id, before).await?)
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
    let to = if pass { ApplicationState::Qualified } else { ApplicationState::Rejected };
    let from = [ApplicationState::Submitted, ApplicationState::Qualified, ApplicationState::Rejected];
    let txn = app.begin().await?;
    if !lock_before_notice(&txn, o.id).await? {
        txn.rollback().await?;
        return Err(Invalid::one("note", "公示开始后不能再改变资格审查结果").into());
    }
    if !transition(&txn, a.id, &from, to, vec![(application::Column::CheckNote, Expr::value(note))]).await? {
        txn.rollback().await?;
        return Err(Invalid::one("note", "该报名的状态已经改变，请刷新后再试").into());
    }
    let entry = Entry::new(AuditAction::ApplicationChecked, ObjectKind::Application)
        .object(a.id)
        .within(&proof)
        .after(json!({ "passed": pass, "note": note }));
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
    let refused = "只能为资格审查通过、尚未公示的报名人登记成绩";
    if a.state != ApplicationState::Qualified.code() {
        return Err(Invalid::one("written", refused).into());
    }
    let txn = app.begin().await?;
    if !lock_before_notice(&txn, o.id).await? {
        txn.rollback().await?;
        return Err(Invalid::one("written", refused).into());
    }
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
        .after(json!({ "written": f64::from(w) / 10.0, "interview": f64::from(i) / 10.0 }));
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
    let until = selection::notice_until(today, selection::NOTICE_WORKING_DAYS);
    let txn = app.begin().await?;
    // Started once, and on the ranking as it stands with the opening taken (a check or a score
    // entered meanwhile has committed, or waits for this): then each chosen application moves.
    if !lock_before_notice(&txn, o.id).await? {
        txn.rollback().await?;
        return refuse("已经公示".into());
    }
    let chosen = match chosen(app, &o).await {
        Ok(chosen) => chosen,
        Err(e) => {
            txn.rollback().await?;
            return Err(e);
        }
    };
    for r in &chosen {
        if !transition(&txn, r.id.0, &[ApplicationState::Qualified], ApplicationState::Noticed, Vec::new()).await? {
            txn.rollback().await?;
            return refuse("报名状态已经改变，请刷新后再试".into());
        }
    }
    opening::Entity::update_many()
        .col_expr(opening::Column::NoticeFrom, Expr::value(today))
        .col_expr(opening::Column::NoticeUntil, Expr::value(until))
        .filter(opening::Column::Id.eq(o.id))
        .exec(&txn)
        .await?;
    let applications: Vec<i64> = chosen.iter().map(|r| r.id.0).collect();
    let entry = Entry::new(AuditAction::NoticeStarted, ObjectKind::Opening)
        .object(o.id)
        .within(&proof)
        .after(json!({ "from": today, "until": until, "applications": applications }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Those ranked within the places, once every application is checked and every qualified one
/// scored, with no tie at the last place.
async fn chosen(app: &App, o: &opening::Model) -> AppResult<Vec<super::ApplicationRow>> {
    let refuse = |m: String| Err(Invalid::one("notice", m).into());
    let rows = ranked(app, o).await?;
    if let Some(r) = rows.iter().find(|r| r.state == ApplicationState::Submitted) {
        return refuse(format!("{}尚未进行资格审查", r.name));
    }
    if let Some(r) = rows.iter().find(|r| r.state == ApplicationState::Qualified && r.total.is_none()) {
        return refuse(format!("{}尚未登记笔试和面试成绩", r.name));
    }
    let places = usize::try_from(o.places).unwrap_or(0);
    let chosen: Vec<_> = rows.into_iter().filter(|r| r.rank.is_some_and(|k| k <= places)).collect();
    if chosen.is_empty() {
        return refuse("没有资格审查通过并有成绩的报名人".into());
    }
    if chosen.len() > places {
        return refuse(format!("第 {places} 名有并列，请先核实成绩"));
    }
    Ok(chosen)
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
/// Each applicant is claimed before their post is made and released if the registry refuses it, so
/// a failed appointment can be run again and finishes what is left. Returns how many were appointed.
pub async fn appoint(app: &App, actor: &Actor, id: OpeningId, on: &str) -> AppResult<usize> {
    let o = opening::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, APPROVE, (ObjectKind::Opening, id.to_string()), OrgId(o.org_id)).await?;
    let today = local_date(app.now());
    let Some(until) = o.notice_until else {
        return Err(Invalid::one("on", "公示结束后才能任用（本次选拔尚未公示）").into());
    };
    let rows = ranked(app, &o).await?;
    // Still to do: those on notice, and any appointed whose post was not made (a run cut short).
    let unposted: Vec<i64> = application::Entity::find()
        .filter(application::Column::OpeningId.eq(o.id))
        .filter(application::Column::State.eq(ApplicationState::Appointed.code()))
        .filter(application::Column::PositionId.is_null())
        .all(&app.db)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let waiting: Vec<_> =
        rows.iter().filter(|r| r.state == ApplicationState::Noticed || unposted.contains(&r.id.0)).collect();
    let on = match o.appointed_on {
        // Run again after a refusal: the day already decided, for those still waiting.
        Some(_) if waiting.is_empty() => return Err(Invalid::one("on", "已经任用").into()),
        Some(day) => day,
        None => {
            let on = match parse_date("on", on) {
                Ok(Some(d)) => d,
                Ok(None) => today,
                Err(e) => return Err(Invalid(vec![e]).into()),
            };
            if today <= until || on <= until || on > today {
                let m = format!("公示 {until} 结束后才能任用，任职日期应在公示结束后、不晚于今天");
                return Err(Invalid::one("on", m).into());
            }
            on
        }
    };
    if let Some(r) = waiting.iter().find(|r| r.pending_objections > 0) {
        return Err(Invalid::one("on", format!("{}有尚未处理的公示异议", r.name)).into());
    }
    if o.appointed_on.is_none() {
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
        let left = [ApplicationState::Qualified.code(), ApplicationState::Submitted.code()];
        application::Entity::update_many()
            .col_expr(application::Column::State, Expr::value(ApplicationState::NotAppointed.code()))
            .filter(application::Column::OpeningId.eq(o.id))
            .filter(application::Column::State.is_in(left))
            .exec(&txn)
            .await?;
        let applications: Vec<i64> = waiting.iter().map(|r| r.id.0).collect();
        let entry = Entry::new(AuditAction::ApplicantsAppointed, ObjectKind::Opening)
            .object(o.id)
            .within(&proof)
            .after(json!({ "on": on, "applications": applications }));
        audit::record(&txn, app.now(), actor, entry).await?;
        txn.commit().await?;
    }
    let org = qingtuan_entity::org::Entity::find_by_id(o.org_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let mut appointed = 0;
    for r in waiting {
        if r.state == ApplicationState::Noticed {
            let txn = app.begin().await?;
            let mine =
                transition(&txn, r.id.0, &[ApplicationState::Noticed], ApplicationState::Appointed, Vec::new()).await?;
            txn.commit().await?;
            if !mine {
                continue;
            }
        }
        match post(app, actor, &o, &org.code, r.id, on).await {
            Ok(position) => {
                let txn = app.begin().await?;
                application::Entity::update_many()
                    .col_expr(application::Column::PositionId, Expr::value(position))
                    .filter(application::Column::Id.eq(r.id.0))
                    .exec(&txn)
                    .await?;
                txn.commit().await?;
                appointed += 1;
            }
            Err(e) => {
                // Released for a later run — unless another run made the post meanwhile.
                let txn = app.begin().await?;
                application::Entity::update_many()
                    .col_expr(application::Column::State, Expr::value(ApplicationState::Noticed.code()))
                    .filter(application::Column::Id.eq(r.id.0))
                    .filter(application::Column::State.eq(ApplicationState::Appointed.code()))
                    .filter(application::Column::PositionId.is_null())
                    .exec(&txn)
                    .await?;
                txn.commit().await?;
                return Err(e);
            }
        }
    }
    Ok(appointed)
}

/// Registers an appointed applicant (if not yet a person) and makes their post; the post's id.
async fn post(
    app: &App,
    actor: &Actor,
    o: &opening::Model,
    org_code: &str,
    id: ApplicationId,
    on: NaiveDate,
) -> AppResult<i64> {
    let a = application::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let unreadable = || Invalid::one("on", format!("无法读取{}的身份证号码（数据密钥不符），未能任用", a.name));
    let id_number = a.id_number_enc.as_deref().map(|s| app.keys.decrypt(s)).transpose().map_err(|_| unreadable())?;
    let id_number = id_number.ok_or_else(unreadable)?;
    let person = match a.id_number_hash.as_deref() {
        Some(hash) => people::id_by_hash(app, hash).await?,
        None => None,
    };
    let person = match person {
        Some(p) => p,
        None => {
            let phone = a.phone_enc.as_deref().map(|s| app.keys.decrypt(s)).transpose().map_err(|_| unreadable())?;
            let form = people::NewPerson {
                name: a.name.clone(),
                id_number,
                phone: phone.unwrap_or_default(),
                political_status: a.political_status.clone(),
                ..Default::default()
            };
            people::create_batch(app, actor, &[form]).await?.pop().ok_or(AppError::NotFound)?.0
        }
    };
    let source = qingtuan_domain::position::CadreSource::SocialSelection.code();
    // A run cut short after making the post: that post is the one.
    if let Some(made) = positions::latest_of(app, person, o.org_id, source).await?
        && positions::start_of(app, made).await? == Some(on)
    {
        return Ok(made);
    }
    let form = positions::NewPosition {
        person_id: Some(PersonId(person)),
        org_code: org_code.into(),
        title: o.post_title.clone(),
        employment: o.employment.clone(),
        source: source.into(),
        serving_level: o.serving_level.clone(),
        start_on: on.to_string(),
        ..Default::default()
    };
    // The applicant was vetted by the selection itself: they need not be someone the actor reads.
    let txn = app.begin().await?;
    positions::create_in(&txn, app, actor, &[form]).await?;
    txn.commit().await?;
    positions::latest_of(app, person, o.org_id, source).await?.ok_or(AppError::NotFound)
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

/// Anonymises the applications not appointed of openings decided (or, never appointed, closed) more
/// than `retention_days` ago: name, ID number, phone, résumé, attachment and the objections' words
/// go; the state and scores stay for the figures. Audit rows name applications by id only.
/// Returns how many were purged (audited).
pub async fn purge(app: &App, actor: &Actor, retention_days: i64) -> AppResult<u64> {
    let cutoff = local_date(app.now()) - TimeDelta::days(retention_days.max(0));
    // Decided, or abandoned: an opening never appointed counts from the end of its window. Those
    // still on notice of a decided opening wait for their appointment to be run again.
    let decided: Vec<i64> = opening::Entity::find()
        .filter(opening::Column::AppointedOn.lt(cutoff))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let abandoned: Vec<i64> = opening::Entity::find()
        .filter(opening::Column::AppointedOn.is_null())
        .filter(opening::Column::ClosesOn.lt(cutoff))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let appointed = ApplicationState::Appointed.code();
    let doomed: Vec<i64> = application::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(application::Column::OpeningId.is_in(decided))
                        .add(application::Column::State.is_not_in([appointed, ApplicationState::Noticed.code()])),
                )
                .add(
                    Condition::all()
                        .add(application::Column::OpeningId.is_in(abandoned))
                        .add(application::Column::State.ne(appointed)),
                ),
        )
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

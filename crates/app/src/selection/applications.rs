//! The public side of open selection: openings on the portal, applying (checked: the window, the
//! ID number, the age on the opening's day, one application per person), the applicant's private
//! page, the public notice (公示) and objections to it; and the ranked list the staff work from.

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::accountability::DocumentType;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{ApplicationId, ObjectionId, OpeningId, OrgId};
use qingtuan_domain::mask::{mask_id_number, mask_phone};
use qingtuan_domain::person::{IdNumber, Phone, PoliticalStatus, age_on};
use qingtuan_domain::selection::{self, ApplicationState};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{application, application_document, objection, opening};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{ApplicationRow, ObjectionView, OpeningRow, opening_rows};
use crate::access::audit::{self, Entry};
use crate::crypto::{random_token, sha256_hex};
use crate::error::AppResult;
use crate::{Actor, App, AppError, ClientInfo};

/// The openings whose application window is open today, for the portal.
pub async fn public_openings(app: &App) -> AppResult<Vec<OpeningRow>> {
    let today = local_date(app.now());
    let rows = opening::Entity::find()
        .filter(opening::Column::OpensOn.lte(today))
        .filter(opening::Column::ClosesOn.gte(today))
        .order_by_asc(opening::Column::ClosesOn)
        .limit(50)
        .all(&app.db)
        .await?;
    opening_rows(app, rows).await
}

/// An opening as the portal shows it (404 before its window opens).
pub async fn public_opening(app: &App, id: OpeningId) -> AppResult<OpeningRow> {
    let o = opening::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    if local_date(app.now()) < o.opens_on {
        return Err(AppError::NotFound);
    }
    opening_rows(app, vec![o]).await?.pop().ok_or(AppError::NotFound)
}

/// An application as typed on the portal.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ApplicationForm {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub education: String,
    pub political_status: String,
    pub resume: String,
}

/// The educations an applicant picks from.
pub const EDUCATIONS: [&str; 5] = ["研究生", "大学本科", "大学专科", "高中（中专）", "初中及以下"];

/// The youngest an applicant may be on the opening's day: the legal working age.
const MIN_AGE: i32 = 16;

/// Applies to an opening within its window; returns the private link's token. Refused with every
/// reason for bad input, an age over the limit on the opening's day, a second application of the
/// same person, or too many attempts from one address or phone.
pub async fn apply(
    app: &App,
    client: &ClientInfo,
    id: OpeningId,
    form: &ApplicationForm,
    document: Option<(String, Vec<u8>)>,
) -> AppResult<String> {
    let o = opening::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let now = app.now();
    let today = local_date(now);
    if today < o.opens_on {
        return Err(AppError::NotFound);
    }
    if today > o.closes_on {
        return Err(Invalid::one("opening", format!("报名已于 {} 截止", o.closes_on)).into());
    }
    let mut problems = Vec::new();
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        problems.push(FieldError::new("name", "请填写姓名（不超过 50 个字）"));
    }
    let id_number = IdNumber::parse(&form.id_number).map_err(|e| problems.extend(e.0)).ok();
    if let Some(birth) = id_number.as_ref().and_then(IdNumber::birth_date) {
        let age = age_on(birth, o.age_on);
        if age < MIN_AGE {
            problems.push(FieldError::new("id_number", format!("报名要求 {} 时年满 {MIN_AGE} 周岁", o.age_on)));
        } else if age > o.max_age {
            problems.push(FieldError::new(
                "id_number",
                format!("报名要求 {} 时年龄不超过 {} 周岁，您当时 {age} 周岁", o.age_on, o.max_age),
            ));
        }
    }
    let phone = Phone::parse(&form.phone).map_err(|e| problems.extend(e.0)).ok();
    if !EDUCATIONS.contains(&form.education.trim()) {
        problems.push(FieldError::new("education", "请选择学历"));
    }
    let politics = PoliticalStatus::parse(&form.political_status).map_err(|e| problems.extend(e.0)).ok();
    let resume = form.resume.trim();
    if resume.is_empty() || resume.chars().count() > 2000 {
        problems.push(FieldError::new("resume", "请填写个人简历（学习和工作经历），不超过 2000 个字"));
    }
    let document = match document.filter(|(_, bytes)| !bytes.is_empty()) {
        Some((file_name, bytes)) => match DocumentType::check(&bytes, "附件", &DocumentType::ALL) {
            Ok(kind) => Some((kind.safe_name(&file_name, "附件"), kind, bytes)),
            Err(e) => {
                problems.extend(e.0);
                None
            }
        },
        None => None,
    };
    let (Some(id_number), Some(phone), Some(politics)) = (id_number, phone, politics) else {
        return Err(Invalid(problems).into());
    };
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let id_hash = app.keys.lookup_hash(id_number.as_str());
    let anonymous = Actor::anonymous(client, &mask_phone(phone.as_str()));
    let txn = app.begin().await?;
    if !crate::portal::within_limits(&txn, now, &anonymous, &app.keys.lookup_hash(phone.as_str())).await? {
        txn.commit().await?;
        return Err(Invalid::one("phone", "提交过于频繁，请一小时后再试").into());
    }
    let duplicate = "此身份证号码已报名本次选拔，请通过报名时获得的链接查看进度";
    let taken = application::Entity::find()
        .filter(application::Column::OpeningId.eq(o.id))
        .filter(application::Column::IdNumberHash.eq(id_hash.clone()))
        .count(&txn)
        .await?;
    if taken > 0 {
        // The counters stay: repeated refused attempts count too.
        txn.commit().await?;
        return Err(Invalid::one("id_number", duplicate).into());
    }
    let token = random_token();
    let row = application::ActiveModel {
        opening_id: Set(o.id),
        name: Set(name.to_owned()),
        gender: Set(id_number.gender().code().into()),
        birth_on: Set(id_number.birth_date()),
        id_number_enc: Set(Some(app.keys.encrypt(id_number.as_str())?)),
        id_number_hash: Set(Some(id_hash)),
        phone_enc: Set(Some(app.keys.encrypt(phone.as_str())?)),
        education: Set(form.education.trim().to_owned()),
        political_status: Set(politics.code().into()),
        resume: Set(resume.to_owned()),
        token_hash: Set(sha256_hex(&token)),
        state: Set(ApplicationState::Submitted.code().into()),
        check_note: Set(String::new()),
        written_tenths: Set(None),
        interview_tenths: Set(None),
        position_id: Set(None),
        submitted_at: Set(now),
        purged_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "id_number", duplicate))?;
    if let Some((file_name, kind, bytes)) = document {
        application_document::ActiveModel {
            application_id: Set(row.id),
            file_name: Set(file_name),
            content_type: Set(kind.content_type().into()),
            sha256: Set(hex::encode(Sha256::digest(&bytes))),
            bytes: Set(bytes),
        }
        .insert(&txn)
        .await?;
    }
    let entry = Entry::new(AuditAction::ApplicationSubmitted, ObjectKind::Application)
        .object(row.id)
        .scope(OrgId(o.org_id))
        .after(json!({ "opening": o.id }));
    audit::record(&txn, now, &anonymous, entry).await?;
    txn.commit().await?;
    Ok(token)
}

/// An applicant's own page, by the private link.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MyApplication {
    pub opening: OpeningRow,
    pub name: String,
    pub state: ApplicationState,
    /// What the applicant is told of the outcome.
    pub message: String,
    pub submitted_on: NaiveDate,
}

pub(super) async fn by_token(app: &App, token: &str) -> AppResult<application::Model> {
    if token.len() > 100 {
        return Err(AppError::NotFound);
    }
    application::Entity::find()
        .filter(application::Column::TokenHash.eq(sha256_hex(token)))
        .filter(application::Column::PurgedAt.is_null())
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn mine(app: &App, token: &str) -> AppResult<MyApplication> {
    let a = by_token(app, token).await?;
    let o = opening::Entity::find_by_id(a.opening_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let state = ApplicationState::parse(&a.state).map_err(|_| AppError::Internal("unknown state".into()))?;
    let message = match state {
        ApplicationState::Submitted => "报名已提交，正在进行资格审查。".to_owned(),
        ApplicationState::Rejected => format!("资格审查未通过：{}", a.check_note),
        ApplicationState::Qualified if o.notice_from.is_some() => "您未进入拟任用人选，感谢您的参与。".to_owned(),
        ApplicationState::Qualified => "资格审查已通过，请留意考试安排。".to_owned(),
        ApplicationState::Noticed => format!(
            "您已进入拟任用人选，正在公示（{} 至 {}）。",
            o.notice_from.map(|d| d.to_string()).unwrap_or_default(),
            o.notice_until.map(|d| d.to_string()).unwrap_or_default()
        ),
        ApplicationState::Appointed => {
            format!("您已被任用，任职日期 {}。", o.appointed_on.map(|d| d.to_string()).unwrap_or_default())
        }
        ApplicationState::NotAppointed => "本次选拔未能任用，感谢您的参与。".to_owned(),
    };
    Ok(MyApplication {
        opening: opening_rows(app, vec![o]).await?.pop().ok_or(AppError::NotFound)?,
        name: a.name,
        state,
        message,
        submitted_on: local_date(a.submitted_at),
    })
}

/// One line of a public notice: what a 公示 shows of the person.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NoticeLine {
    pub id: ApplicationId,
    pub name: String,
    pub gender: String,
    pub age: Option<i32>,
    pub education: String,
    pub political_status: String,
}

/// A public notice on the portal: the opening and those on notice.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicNotice {
    pub opening: OpeningRow,
    pub lines: Vec<NoticeLine>,
    /// Objections are accepted today.
    pub open: bool,
}

/// An opening's public notice (404 until it starts).
pub async fn notice(app: &App, id: OpeningId) -> AppResult<PublicNotice> {
    let o = opening::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (Some(from), Some(until)) = (o.notice_from, o.notice_until) else { return Err(AppError::NotFound) };
    let today = local_date(app.now());
    let lines = application::Entity::find()
        .filter(application::Column::OpeningId.eq(o.id))
        .filter(
            application::Column::State.is_in([ApplicationState::Noticed.code(), ApplicationState::Appointed.code()]),
        )
        .order_by_asc(application::Column::Id)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|a| NoticeLine {
            id: ApplicationId(a.id),
            gender: qingtuan_domain::person::Gender::parse(&a.gender).map_or("", |g| g.label()).into(),
            age: a.birth_on.map(|b| age_on(b, from)),
            education: a.education,
            political_status: PoliticalStatus::parse(&a.political_status).map_or("", |p| p.label()).into(),
            name: a.name,
        })
        .collect();
    let open = (from..=until).contains(&today) && o.appointed_on.is_none();
    Ok(PublicNotice { opening: opening_rows(app, vec![o]).await?.pop().ok_or(AppError::NotFound)?, lines, open })
}

/// An objection as typed on the notice.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ObjectionForm {
    pub application: String,
    pub content: String,
    pub contact: String,
}

/// How many objections one address may raise in an hour.
const OBJECTIONS_PER_ADDRESS_PER_HOUR: i32 = 10;

/// Raises an objection to someone on notice, during the notice.
pub async fn object(app: &App, client: &ClientInfo, id: OpeningId, form: &ObjectionForm) -> AppResult<()> {
    let n = notice(app, id).await?;
    if !n.open {
        return Err(Invalid::one("content", "不在公示期内，不能提出异议").into());
    }
    let target =
        form.application.trim().parse::<i64>().ok().filter(|a| n.lines.iter().any(|l| l.id == ApplicationId(*a)));
    let mut problems = Vec::new();
    if target.is_none() {
        problems.push(FieldError::new("application", "请选择对哪位公示对象提出异议"));
    }
    let content = form.content.trim();
    if content.chars().count() < 10 || content.chars().count() > 1000 {
        problems.push(FieldError::new("content", "请写明异议的具体事实，10 到 1000 个字"));
    }
    if form.contact.trim().chars().count() > 100 {
        problems.push(FieldError::new("contact", "联系方式不超过 100 个字"));
    }
    let Some(target) = target.filter(|_| problems.is_empty()) else { return Err(Invalid(problems).into()) };
    let now = app.now();
    let anonymous = Actor::anonymous(client, "公示异议人");
    let txn = app.begin().await?;
    let key = format!("objection:addr:{}", client.addr);
    if !crate::access::limits::allow(&txn, &key, OBJECTIONS_PER_ADDRESS_PER_HOUR, now).await? {
        let entry = Entry::new(AuditAction::RateLimited, ObjectKind::Page).object("portal.objection");
        audit::record(&txn, now, &anonymous, entry).await?;
        txn.commit().await?;
        return Err(Invalid::one("content", "提交过于频繁，请一小时后再试").into());
    }
    let row = objection::ActiveModel {
        application_id: Set(target),
        content: Set(content.to_owned()),
        contact: Set(form.contact.trim().to_owned()),
        raised_at: Set(now),
        upheld: Set(None),
        resolution: Set(String::new()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let o = opening::Entity::find_by_id(id.0).one(&txn).await?.ok_or(AppError::NotFound)?;
    let entry = Entry::new(AuditAction::ObjectionRaised, ObjectKind::Application)
        .object(target)
        .scope(OrgId(o.org_id))
        .after(json!({ "objection": row.id }));
    audit::record(&txn, now, &anonymous, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// An opening's applications for its staff: the qualified ones with both scores ranked by their
/// total, then the rest in the order they came; ID numbers and phones masked.
pub(crate) async fn ranked(app: &App, o: &opening::Model) -> AppResult<Vec<ApplicationRow>> {
    let rows = application::Entity::find()
        .filter(application::Column::OpeningId.eq(o.id))
        .order_by_asc(application::Column::Id)
        .all(&app.db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let documents: Vec<i64> = application_document::Entity::find()
        .select_only()
        .column(application_document::Column::ApplicationId)
        .filter(application_document::Column::ApplicationId.is_in(ids.clone()))
        .into_tuple()
        .all(&app.db)
        .await?;
    let mut objections: HashMap<i64, Vec<objection::Model>> = HashMap::new();
    for x in objection::Entity::find()
        .filter(objection::Column::ApplicationId.is_in(ids))
        .order_by_asc(objection::Column::Id)
        .all(&app.db)
        .await?
    {
        objections.entry(x.application_id).or_default().push(x);
    }
    // Masked for everyone: running a selection needs no full ID number or phone.
    let reveal = |sealed: &Option<String>, mask: fn(&str) -> String| -> String {
        match sealed.as_deref().map(|s| app.keys.decrypt(s)) {
            Some(Ok(plain)) => mask(&plain),
            Some(Err(_)) => "（无法解密）".into(),
            None => String::new(),
        }
    };
    let tenths = |t: Option<i32>| t.map(|t| f64::from(t) / 10.0);
    let mut out: Vec<ApplicationRow> = rows
        .iter()
        .map(|a| {
            let state = ApplicationState::parse(&a.state).unwrap_or(ApplicationState::Submitted);
            let (written, interview) = (tenths(a.written_tenths), tenths(a.interview_tenths));
            let total = match (written, interview) {
                (Some(w), Some(i)) => Some(selection::total(w, i, o.written_weight, o.interview_weight)),
                _ => None,
            };
            let mine = objections.remove(&a.id).unwrap_or_default();
            ApplicationRow {
                id: ApplicationId(a.id),
                name: a.name.clone(),
                gender: qingtuan_domain::person::Gender::parse(&a.gender).map_or("", |g| g.label()).into(),
                age: a.birth_on.map(|b| age_on(b, o.age_on)),
                id_number: reveal(&a.id_number_enc, mask_id_number),
                phone: reveal(&a.phone_enc, mask_phone),
                education: a.education.clone(),
                political_status: PoliticalStatus::parse(&a.political_status).map_or("", |p| p.label()).into(),
                resume: a.resume.clone(),
                has_document: documents.contains(&a.id),
                state,
                check_note: a.check_note.clone(),
                written,
                interview,
                total,
                rank: None,
                pending_objections: mine.iter().filter(|x| x.upheld.is_none()).count(),
                objections: mine
                    .into_iter()
                    .map(|x| ObjectionView {
                        id: ObjectionId(x.id),
                        content: x.content,
                        contact: x.contact,
                        raised_at: qingtuan_domain::time::format_local_minute(x.raised_at),
                        upheld: x.upheld,
                        resolution: x.resolution,
                    })
                    .collect(),
            }
        })
        .collect();
    // Ranked on the exact weighted sum of the scores (in tenths), the interview breaking a tie.
    let key = |a: &application::Model| match (a.written_tenths, a.interview_tenths) {
        (Some(w), Some(i)) => {
            Some((i64::from(w) * i64::from(o.written_weight) + i64::from(i) * i64::from(o.interview_weight), i))
        }
        _ => None,
    };
    let keys: HashMap<i64, (i64, i32)> = rows
        .iter()
        .filter(|a| {
            !matches!(ApplicationState::parse(&a.state), Ok(ApplicationState::Rejected | ApplicationState::Submitted))
        })
        .filter_map(|a| key(a).map(|k| (a.id, k)))
        .collect();
    for r in &mut out {
        if let Some(k) = keys.get(&r.id.0) {
            r.rank = Some(1 + keys.values().filter(|other| *other > k).count());
        }
    }
    out.sort_by_key(|r| (r.rank.unwrap_or(usize::MAX), r.id.0));
    Ok(out)
}

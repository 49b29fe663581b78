//! The public portal: anyone can browse open recruitment calls and sign up for a shift with a name
//! and a phone number. The volunteer gets a private link and a short code to see or cancel the
//! sign-up. Sign-ups are rate-limited per address and per phone number, counted in the database so
//! every server process sees the same counts. No page shows another person's data.

use chrono::{NaiveDate, TimeDelta};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::person::{IdNumber, Phone};
use qingtuan_domain::time::format_local;
use qingtuan_domain::volunteering::Task;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{org, rate_limit, recruitment_call, shift, signup};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::json;

use crate::actor::Principal;
use crate::audit::{self, Entry};
use crate::crypto::{random_token, sha256_hex};
use crate::error::AppResult;
use crate::{Actor, App, AppError, ClientInfo};

/// Sign-ups allowed per client address and per phone number in an hour.
pub const PER_ADDRESS_PER_HOUR: i32 = 20;
pub const PER_PHONE_PER_HOUR: i32 = 5;

#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicShift {
    pub id: i64,
    pub on_date: NaiveDate,
    pub time: String,
    pub place: String,
    pub places: i32,
    pub taken: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicCall {
    pub id: i64,
    pub title: String,
    pub task: String,
    pub org_name: String,
    pub shifts: Vec<PublicShift>,
}

async fn taken<C: ConnectionTrait>(conn: &C, shift_id: i64) -> AppResult<u64> {
    Ok(signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift_id))
        .filter(signup::Column::CancelledAt.is_null())
        .count(conn)
        .await?)
}

fn time_range(s: &shift::Model) -> String {
    let start = format_local(s.starts_at);
    let end = format_local(s.ends_at);
    format!("{}–{}", start.get(11..16).unwrap_or(""), end.get(11..16).unwrap_or(""))
}

/// Calls with shifts from `today` on, newest first; `id` narrows to one call.
pub async fn open_calls(app: &App, today: NaiveDate, id: Option<i64>) -> AppResult<Vec<PublicCall>> {
    let mut q = recruitment_call::Entity::find().order_by_desc(recruitment_call::Column::PublishedOn);
    if let Some(id) = id {
        q = q.filter(recruitment_call::Column::Id.eq(id));
    }
    let calls = q.all(&app.db).await?;
    let mut out = Vec::new();
    for c in calls {
        let shifts = shift::Entity::find()
            .filter(shift::Column::CallId.eq(c.id))
            .filter(shift::Column::OnDate.gte(today))
            .order_by_asc(shift::Column::OnDate)
            .all(&app.db)
            .await?;
        if shifts.is_empty() {
            continue;
        }
        let mut views = Vec::with_capacity(shifts.len());
        for s in &shifts {
            views.push(PublicShift {
                id: s.id,
                on_date: s.on_date,
                time: time_range(s),
                place: s.place.clone(),
                places: s.places,
                taken: taken(&app.db, s.id).await?,
            });
        }
        let org_name = org::Entity::find_by_id(c.org_id).one(&app.db).await?.map(|o| o.name).unwrap_or_default();
        out.push(PublicCall {
            id: c.id,
            task: Task::parse(&c.task).map(Task::label).unwrap_or("").to_owned(),
            title: c.title,
            org_name,
            shifts: views,
        });
        if out.len() >= 100 {
            break;
        }
    }
    Ok(out)
}

/// Counts one hit of `key`; `false` when the hour's limit is exceeded.
async fn allow<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    limit: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    let found = rate_limit::Entity::find_by_id(key.to_owned()).one(conn).await?;
    let hits = match found {
        Some(row) if now - row.window_start < TimeDelta::hours(1) => {
            let hits = row.hits + 1;
            let mut active: rate_limit::ActiveModel = row.into();
            active.hits = Set(hits);
            active.update(conn).await?;
            hits
        }
        Some(row) => {
            let mut active: rate_limit::ActiveModel = row.into();
            active.hits = Set(1);
            active.window_start = Set(now);
            active.update(conn).await?;
            1
        }
        None => {
            rate_limit::ActiveModel { key: Set(key.to_owned()), window_start: Set(now), hits: Set(1) }
                .insert(conn)
                .await?;
            1
        }
    };
    Ok(hits <= limit)
}

/// The sign-up form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SignupForm {
    pub name: String,
    pub phone: String,
    pub id_number: String,
}

/// What the volunteer keeps: the private link's token and a short code.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub token: String,
    pub code: String,
}

/// Signs up for a shift. Refused (with every reason) for bad input, a full or past shift, a
/// second sign-up of the same phone, or too many sign-ups from one address or phone.
pub async fn sign_up(app: &App, client: &ClientInfo, shift_id: i64, form: &SignupForm) -> AppResult<Receipt> {
    let now = app.now();
    let today = qingtuan_domain::time::local_date(now);
    let mut problems = Vec::new();
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 50 {
        problems.push(FieldError { field: "name", message: "请填写姓名（不超过 50 个字）".into() });
    }
    let phone = Phone::parse(&form.phone).map_err(|e| problems.extend(e.0)).ok();
    let id_number = if form.id_number.trim().is_empty() {
        None
    } else {
        IdNumber::parse(&form.id_number).map_err(|e| problems.extend(e.0)).ok()
    };
    let found = shift::Entity::find_by_id(shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let Some(phone) = phone.filter(|_| problems.is_empty()) else { return Err(Invalid(problems).into()) };
    let phone_hash = app.keys.lookup_hash(phone.as_str());
    let anonymous = Actor {
        principal: Principal::Anonymous(mask_phone(phone.as_str())),
        grants: Vec::new(),
        client: client.clone(),
    };

    let txn = app.db.begin().await?;
    let by_address = allow(&txn, &format!("signup:addr:{}", client.addr), PER_ADDRESS_PER_HOUR, now).await?;
    let by_phone = allow(&txn, &format!("signup:phone:{phone_hash}"), PER_PHONE_PER_HOUR, now).await?;
    if !(by_address && by_phone) {
        audit::record(
            &txn,
            now,
            &anonymous,
            Entry::new(AuditAction::RateLimited, ObjectKind::Page).object("portal.signup"),
        )
        .await?;
        txn.commit().await?;
        return Err(Invalid::one("phone", "提交过于频繁，请一小时后再试").into());
    }
    let mut refusal = None;
    if found.on_date < today {
        refusal = Some("该班次已经结束");
    } else if taken(&txn, shift_id).await? >= u64::try_from(found.places).unwrap_or(0) {
        refusal = Some("该班次名额已满");
    } else if signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift_id))
        .filter(signup::Column::PhoneHash.eq(phone_hash.clone()))
        .filter(signup::Column::CancelledAt.is_null())
        .count(&txn)
        .await?
        > 0
    {
        refusal = Some("此手机号已报名该班次");
    }
    if let Some(message) = refusal {
        // The counters stay: repeated refused attempts count too.
        txn.commit().await?;
        return Err(Invalid::one("shift", message).into());
    }
    let token = random_token();
    let code: String =
        random_token().chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>().to_uppercase();
    let row = signup::ActiveModel {
        shift_id: Set(shift_id),
        name: Set(name.clone()),
        phone_enc: Set(app.keys.encrypt(phone.as_str())?),
        phone_hash: Set(phone_hash),
        id_number_enc: Set(id_number.as_ref().map(|id| app.keys.encrypt(id.as_str())).transpose()?),
        code: Set(code.clone()),
        token_hash: Set(sha256_hex(&token)),
        created_at: Set(now),
        cancelled_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let call = recruitment_call::Entity::find_by_id(found.call_id).one(&txn).await?.ok_or(AppError::NotFound)?;
    let entry = Entry::new(AuditAction::SignedUp, ObjectKind::Person)
        .object(row.id)
        .scope(OrgId(call.org_id))
        .after(json!({ "shift": shift_id, "name": name, "phone": mask_phone(phone.as_str()) }));
    audit::record(&txn, now, &anonymous, entry).await?;
    txn.commit().await?;
    Ok(Receipt { token, code })
}

/// A volunteer's own sign-up, as their private link shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MySignup {
    pub name: String,
    pub phone: String,
    pub code: String,
    pub call_title: String,
    pub on_date: NaiveDate,
    pub time: String,
    pub place: String,
    pub cancelled: bool,
}

async fn by_token(app: &App, token: &str) -> AppResult<signup::Model> {
    signup::Entity::find()
        .filter(signup::Column::TokenHash.eq(sha256_hex(token)))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn mine(app: &App, token: &str) -> AppResult<MySignup> {
    let s = by_token(app, token).await?;
    let sh = shift::Entity::find_by_id(s.shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let call = recruitment_call::Entity::find_by_id(sh.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    Ok(MySignup {
        phone: app.keys.decrypt(&s.phone_enc).map(|p| mask_phone(&p)).unwrap_or_default(),
        name: s.name,
        code: s.code,
        call_title: call.title,
        on_date: sh.on_date,
        time: time_range(&sh),
        place: sh.place,
        cancelled: s.cancelled_at.is_some(),
    })
}

pub async fn cancel(app: &App, client: &ClientInfo, token: &str) -> AppResult<()> {
    let s = by_token(app, token).await?;
    if s.cancelled_at.is_some() {
        return Ok(());
    }
    let now = app.now();
    let anonymous =
        Actor { principal: Principal::Anonymous(s.name.clone()), grants: Vec::new(), client: client.clone() };
    let id = s.id;
    let txn = app.db.begin().await?;
    let mut active: signup::ActiveModel = s.into();
    active.cancelled_at = Set(Some(now));
    active.update(&txn).await?;
    audit::record(&txn, now, &anonymous, Entry::new(AuditAction::SignupCancelled, ObjectKind::Person).object(id))
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The call a shift belongs to (for showing the form again).
pub async fn call_of_shift(app: &App, shift_id: i64) -> AppResult<i64> {
    Ok(shift::Entity::find_by_id(shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?.call_id)
}

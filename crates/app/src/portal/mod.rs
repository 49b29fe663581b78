//! The public portal: anyone can browse open recruitment calls and sign up for a shift with a name
//! and a phone number. The volunteer gets a private link and a short code to see or cancel the
//! sign-up. Sign-ups are rate-limited per address and per phone number, counted in the database so
//! every server process sees the same counts. No page shows another person's data.

use chrono::NaiveDate;
use qingtuan_domain::Invalid;
use qingtuan_domain::activity::Category;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{CallId, OrgId, ShiftId};
use qingtuan_domain::mask::{mask_id_number, mask_phone};
use qingtuan_domain::time::{format_local_minute, format_local_span};
use qingtuan_domain::volunteering::Task;
use qingtuan_entity::{org, recruitment_call, region, shift, signup, turnout};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde_json::json;

pub mod activities;
pub mod bookings;

use crate::access::audit::{self, Entry};
use crate::crypto::sha256_hex;
use crate::error::AppResult;
use crate::signup::validate;
pub use crate::signup::{Receipt, SignupForm};
use crate::{Actor, App, AppError, ClientInfo};

/// Sign-ups allowed per client address and per phone number in an hour.
pub const PER_ADDRESS_PER_HOUR: i32 = 20;
pub const PER_PHONE_PER_HOUR: i32 = 5;

/// The portal's filter: a street (region code) and a category code.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct PortalFilter {
    pub street: String,
    pub category: String,
}

/// The org ids under a street (by the orgs' regions), when a street is chosen.
pub(crate) async fn orgs_of_street<C: ConnectionTrait>(conn: &C, street: &str) -> AppResult<Option<Vec<i64>>> {
    if street.is_empty() {
        return Ok(None);
    }
    let Some(r) = region::Entity::find().filter(region::Column::Code.eq(street)).one(conn).await? else {
        return Ok(Some(Vec::new()));
    };
    let regions: Vec<i64> = region::Entity::find()
        .filter(region::Column::Path.starts_with(r.path))
        .select_only()
        .column(region::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let mut ids = Vec::new();
    for chunk in regions.chunks(500) {
        let found: Vec<i64> = org::Entity::find()
            .filter(org::Column::RegionId.is_in(chunk.to_vec()))
            .select_only()
            .column(org::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        ids.extend(found);
    }
    Ok(Some(ids))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicShift {
    pub id: ShiftId,
    pub on_date: NaiveDate,
    pub time: String,
    pub place: String,
    pub places: i32,
    pub taken: u64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicCall {
    pub id: CallId,
    /// Sign-ups must give an ID number.
    pub real_name: bool,
    pub title: String,
    pub task: String,
    pub org_name: String,
    pub shifts: Vec<PublicShift>,
    pub description: String,
    pub contact: String,
    /// The last day to sign up, if the call sets one.
    pub signup_deadline: Option<NaiveDate>,
    /// Sign-ups are over: the deadline passed, or the call was closed.
    pub signups_over: bool,
    pub closed: bool,
    pub has_poster: bool,
}

async fn taken<C: ConnectionTrait>(conn: &C, shift_id: i64) -> AppResult<u64> {
    Ok(signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift_id))
        .filter(signup::Column::CancelledAt.is_null())
        .count(conn)
        .await?)
}

/// Calls with shifts from `today` on, newest first; `id` narrows to one call. Calls count as
/// volunteering (公益志愿) for the category filter.
pub async fn open_calls(
    app: &App,
    today: NaiveDate,
    id: Option<CallId>,
    filter: &PortalFilter,
) -> AppResult<Vec<PublicCall>> {
    if !filter.category.is_empty() && filter.category != Category::Volunteering.code() {
        return Ok(Vec::new());
    }
    let mut q = recruitment_call::Entity::find().order_by_desc(recruitment_call::Column::PublishedOn);
    // A closed call leaves the list; its own page says it is closed.
    match id {
        Some(CallId(id)) => q = q.filter(recruitment_call::Column::Id.eq(id)),
        None => q = q.filter(recruitment_call::Column::ClosedOn.is_null()),
    }
    if let Some(ids) = orgs_of_street(&app.db, &filter.street).await? {
        q = q.filter(recruitment_call::Column::OrgId.is_in(ids));
    }
    let calls = q.all(&app.db).await?;
    let ids: Vec<i64> = calls.iter().map(|c| c.id).collect();
    let with_poster = crate::posters::owners(app, crate::posters::Owner::Call, &ids).await?;
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
                id: ShiftId(s.id),
                on_date: s.on_date,
                time: format_local_span(s.starts_at, s.ends_at),
                place: s.place.clone(),
                places: s.places,
                taken: taken(&app.db, s.id).await?,
            });
        }
        let org_name = org::Entity::find_by_id(c.org_id).one(&app.db).await?.map(|o| o.name).unwrap_or_default();
        out.push(PublicCall {
            id: CallId(c.id),
            real_name: c.real_name_required,
            task: Task::parse(&c.task).map(Task::label).unwrap_or("").to_owned(),
            title: c.title,
            org_name,
            shifts: views,
            signups_over: c.closed_on.is_some() || c.signup_deadline.is_some_and(|d| d < today),
            closed: c.closed_on.is_some(),
            signup_deadline: c.signup_deadline,
            has_poster: with_poster.contains(&c.id),
            description: c.description,
            contact: c.contact,
        });
        if out.len() >= 100 {
            break;
        }
    }
    Ok(out)
}

/// Counts a sign-up attempt per address and per phone; `false` (and an audit row) when either
/// is over its hourly limit. Shift and activity sign-ups share the counters.
pub(crate) async fn within_limits<C: ConnectionTrait>(
    conn: &C,
    now: chrono::DateTime<chrono::Utc>,
    anonymous: &Actor,
    phone_hash: &str,
) -> AppResult<bool> {
    let by_address = crate::access::limits::allow(
        conn,
        &format!("signup:addr:{}", anonymous.client.addr),
        PER_ADDRESS_PER_HOUR,
        now,
    )
    .await?;
    let by_phone =
        crate::access::limits::allow(conn, &format!("signup:phone:{phone_hash}"), PER_PHONE_PER_HOUR, now).await?;
    if !(by_address && by_phone) {
        let entry = Entry::new(AuditAction::RateLimited, ObjectKind::Page).object("portal.signup");
        audit::record(conn, now, anonymous, entry).await?;
    }
    Ok(by_address && by_phone)
}

/// Who takes a shift's sign-up.
enum Signer<'a> {
    /// The volunteer on the portal, rate-limited by address and phone.
    Portal(&'a ClientInfo),
    /// The organisers' desk (volunteering.write over the calling org), for a volunteer who phoned
    /// in or came by.
    Desk(&'a Actor),
}

/// Signs up for a shift. Refused (with every reason) for bad input, a full or past shift, a
/// second sign-up of the same person, or too many sign-ups from one address or phone.
pub async fn sign_up(
    app: &App,
    client: &ClientInfo,
    ShiftId(shift_id): ShiftId,
    form: &SignupForm,
) -> AppResult<Receipt> {
    enrol(app, Signer::Portal(client), shift_id, form).await
}

/// Signs a volunteer up for a shift at the organisers' desk: the portal's checks without its rate
/// limits, audited as the staff member's; the volunteer gets the same message with the check-in
/// code, and the private link comes back to hand on.
pub async fn sign_up_at_desk(
    app: &App,
    actor: &Actor,
    ShiftId(shift_id): ShiftId,
    form: &SignupForm,
) -> AppResult<Receipt> {
    enrol(app, Signer::Desk(actor), shift_id, form).await
}

async fn enrol(app: &App, signer: Signer<'_>, shift_id: i64, form: &SignupForm) -> AppResult<Receipt> {
    let now = app.now();
    let today = qingtuan_domain::time::local_date(now);
    let found = shift::Entity::find_by_id(shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let call = recruitment_call::Entity::find_by_id(found.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    if let Signer::Desk(actor) = signer {
        let permission = crate::volunteering::WRITE;
        crate::access::scope::require(
            app,
            actor,
            permission,
            (ObjectKind::Call, call.id.to_string()),
            OrgId(call.org_id),
        )
        .await?;
    }
    let v = validate(form, call.real_name_required, found.on_date, false)?;
    let phone_hash = app.keys.lookup_hash(v.phone.as_str());

    let txn = app.begin().await?;
    let recorder = match signer {
        Signer::Desk(actor) => actor.clone(),
        Signer::Portal(client) => {
            let anonymous = Actor::anonymous(client, &mask_phone(v.phone.as_str()));
            if !within_limits(&txn, now, &anonymous, &phone_hash).await? {
                txn.commit().await?;
                return Err(Invalid::one("phone", "提交过于频繁，请一小时后再试").into());
            }
            anonymous
        }
    };
    let mut refusal = None;
    if found.on_date < today {
        refusal = Some("该班次已经结束");
    } else if call.closed_on.is_some() {
        refusal = Some("该招募令已关闭，不再接受报名");
    } else if call.signup_deadline.is_some_and(|d| d < today) {
        refusal = Some("报名已截止");
    } else if taken(&txn, shift_id).await? >= u64::try_from(found.places).unwrap_or(0) {
        refusal = Some("该班次名额已满");
    } else if signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift_id))
        .filter(signup::Column::PhoneHash.eq(phone_hash.clone()))
        .filter(signup::Column::Name.eq(v.name.clone()))
        .filter(signup::Column::CancelledAt.is_null())
        .count(&txn)
        .await?
        > 0
    {
        refusal = Some("此手机号已为该姓名报名该班次");
    }
    if let Some(message) = refusal {
        // The counters stay: repeated refused attempts count too.
        txn.commit().await?;
        return Err(Invalid::one("shift", message).into());
    }
    let Receipt { token, code } = Receipt::new();
    let minor = v.guardian_name.is_some();
    let row = signup::ActiveModel {
        shift_id: Set(shift_id),
        name: Set(v.name.clone()),
        phone_enc: Set(app.keys.encrypt(v.phone.as_str())?),
        phone_hash: Set(phone_hash),
        id_number_enc: Set(v.id_number.as_ref().map(|id| app.keys.encrypt(id.as_str())).transpose()?),
        code: Set(code.clone()),
        token_hash: Set(sha256_hex(&token)),
        created_at: Set(now),
        cancelled_at: Set(None),
        person_id: Set(None),
        gender: Set(Some(v.gender.code().to_owned())),
        birth_on: Set(Some(v.birth_on)),
        consent_at: Set(minor.then_some(now)),
        guardian_name: Set(v.guardian_name.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry =
        Entry::new(AuditAction::SignedUp, ObjectKind::Person).object(row.id).scope(OrgId(call.org_id)).after(json!({
            "shift": shift_id,
            "name": v.name,
            "phone": mask_phone(v.phone.as_str()),
            "guardian": v.guardian_name,
            "guardian_consent": minor,
        }));
    audit::record(&txn, now, &recorder, entry).await?;
    let text = format!(
        "【志愿报名】{}“{}”（{} {}，{}）已报名，签到码 {code}。",
        crate::messages::reminders::addressee(&v.name, v.guardian_name.as_deref()),
        call.title,
        found.on_date,
        format_local_span(found.starts_at, found.ends_at),
        found.place
    );
    let m = crate::messages::Outgoing {
        kind: qingtuan_domain::message::MessageKind::SignupConfirmed,
        org: OrgId(call.org_id),
        phone: v.phone.as_str(),
        text,
        dedupe: format!("signup:{}", row.id),
        due: None,
    };
    crate::messages::enqueue(&txn, app, m).await?;
    txn.commit().await?;
    Ok(Receipt { token, code })
}

/// One turn-out on the volunteer's own page and service record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Service {
    pub on_date: NaiveDate,
    pub call_title: String,
    pub org_name: String,
    pub task: String,
    pub check_in: String,
    pub check_out: String,
    pub minutes: i64,
}

impl Service {
    pub fn hours(&self) -> String {
        format!("{:.1}", self.minutes as f64 / 60.0)
    }
}

/// A volunteer's own sign-up, as their private link shows it, with every turn-out of the person.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MySignup {
    pub name: String,
    pub phone: String,
    pub id_number: Option<String>,
    pub guardian_name: Option<String>,
    pub code: String,
    pub call_title: String,
    pub on_date: NaiveDate,
    pub time: String,
    pub place: String,
    pub cancelled: bool,
    /// This shift's check-in and check-out, when done.
    pub checked_in: Option<String>,
    pub checked_out: Option<String>,
    pub services: Vec<Service>,
    pub total_minutes: i64,
}

impl MySignup {
    pub fn total_hours(&self) -> String {
        format!("{:.1}", self.total_minutes as f64 / 60.0)
    }
}

async fn by_token(app: &App, token: &str) -> AppResult<signup::Model> {
    signup::Entity::find()
        .filter(signup::Column::TokenHash.eq(sha256_hex(token)))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Every turn-out of a person, oldest first, with the minutes that count.
async fn services(app: &App, person_id: i64) -> AppResult<Vec<Service>> {
    let turnouts = turnout::Entity::find()
        .filter(turnout::Column::PersonId.eq(person_id))
        .order_by_asc(turnout::Column::Id)
        .all(&app.db)
        .await?;
    let mut out = Vec::with_capacity(turnouts.len());
    for t in turnouts {
        let sh = shift::Entity::find_by_id(t.shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
        let call = recruitment_call::Entity::find_by_id(sh.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
        let org_name = org::Entity::find_by_id(call.org_id).one(&app.db).await?.map(|o| o.name).unwrap_or_default();
        out.push(Service {
            on_date: sh.on_date,
            task: Task::parse(&call.task).map(Task::label).unwrap_or("").to_owned(),
            call_title: call.title,
            org_name,
            check_in: t.check_in_at.map(format_local_minute).unwrap_or_default(),
            check_out: t.check_out_at.map(format_local_minute).unwrap_or_default(),
            minutes: crate::volunteering::counted_minutes(&app.db, &t).await?,
        });
    }
    out.sort_by_key(|s| s.on_date);
    Ok(out)
}

pub async fn mine(app: &App, token: &str) -> AppResult<MySignup> {
    let s = by_token(app, token).await?;
    let sh = shift::Entity::find_by_id(s.shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let call = recruitment_call::Entity::find_by_id(sh.call_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let own = turnout::Entity::find().filter(turnout::Column::SignupId.eq(s.id)).one(&app.db).await?;
    let services = match s.person_id {
        Some(p) => services(app, p).await?,
        None => Vec::new(),
    };
    let id_number = match &s.id_number_enc {
        Some(e) => Some(mask_id_number(&app.keys.decrypt(e)?)),
        None => None,
    };
    Ok(MySignup {
        phone: app.keys.decrypt(&s.phone_enc).map(|p| mask_phone(&p)).unwrap_or_default(),
        id_number,
        guardian_name: s.guardian_name,
        name: s.name,
        code: s.code,
        call_title: call.title,
        on_date: sh.on_date,
        time: format_local_span(sh.starts_at, sh.ends_at),
        place: sh.place,
        cancelled: s.cancelled_at.is_some(),
        checked_in: own.as_ref().and_then(|t| t.check_in_at).map(format_local_minute),
        checked_out: own.as_ref().and_then(|t| t.check_out_at).map(format_local_minute),
        total_minutes: services.iter().map(|s| s.minutes).sum(),
        services,
    })
}

/// The volunteer service record (志愿服务记录证明) a volunteer prints from their own page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ServiceRecord {
    pub me: MySignup,
    /// The attendance rule in force.
    pub min_share_percent: i64,
    pub issuer: String,
    pub issued_on: NaiveDate,
}

pub async fn service_record(app: &App, token: &str) -> AppResult<ServiceRecord> {
    let me = mine(app, token).await?;
    let issuer = org::Entity::find()
        .filter(org::Column::ParentId.is_null())
        .order_by_asc(org::Column::Id)
        .one(&app.db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let min_share_percent = crate::volunteering::min_share_percent(&app.db).await?;
    Ok(ServiceRecord { me, min_share_percent, issuer, issued_on: qingtuan_domain::time::local_date(app.now()) })
}

pub async fn cancel(app: &App, client: &ClientInfo, token: &str) -> AppResult<()> {
    let s = by_token(app, token).await?;
    if s.cancelled_at.is_some() {
        return Ok(());
    }
    let now = app.now();
    let anonymous = Actor::anonymous(client, &s.name);
    let id = s.id;
    let txn = app.begin().await?;
    let mut active: signup::ActiveModel = s.into();
    active.cancelled_at = Set(Some(now));
    active.update(&txn).await?;
    audit::record(&txn, now, &anonymous, Entry::new(AuditAction::SignupCancelled, ObjectKind::Person).object(id))
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The poster of a call on the portal (open, with a shift today or later), for anyone.
pub async fn call_poster(app: &App, CallId(id): CallId) -> AppResult<crate::export::Document> {
    let today = qingtuan_domain::time::local_date(app.now());
    let open = recruitment_call::Entity::find_by_id(id).one(&app.db).await?.is_some_and(|c| c.closed_on.is_none());
    let upcoming = shift::Entity::find()
        .filter(shift::Column::CallId.eq(id))
        .filter(shift::Column::OnDate.gte(today))
        .count(&app.db)
        .await?;
    if !open || upcoming == 0 {
        return Err(AppError::NotFound);
    }
    crate::posters::load(app, crate::posters::Owner::Call, id).await
}

/// The call a shift belongs to (for showing the form again).
pub async fn call_of_shift(app: &App, ShiftId(shift_id): ShiftId) -> AppResult<CallId> {
    Ok(CallId(shift::Entity::find_by_id(shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?.call_id))
}

//! Booking a venue's space on the portal (no account): a young person picks a space and a time
//! within its opening hours, the request waits for the desk, and a private link shows where it
//! stands and cancels it. The calendar the public sees says only which times are taken.

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, VenueId};
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::person::Phone;
use qingtuan_domain::platform::{BookerKind, BookingState, VenueKind};
use qingtuan_domain::time::format_local_span;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{venue, venue_booking, venue_space};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::crypto::sha256_hex;
use crate::error::AppResult;
use crate::forms::required_text;
use crate::platforms::venues::{self, Booker, Slot, SpaceRow, Week};
use crate::signup::Receipt;
use crate::{Actor, App, AppError, ClientInfo};

/// The requests one phone may have waiting for the desk at once.
const MAX_WAITING_PER_PHONE: u64 = 3;

/// A venue as the public sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicVenue {
    pub id: VenueId,
    pub name: String,
    pub kind: String,
    pub flagship: bool,
    pub address: String,
    pub hours: String,
    pub honours: String,
    pub spaces: Vec<SpaceRow>,
    /// Its photos (id, file name), on its own page.
    pub photos: Vec<(i64, String)>,
}

fn public(v: venue::Model, spaces: Vec<SpaceRow>) -> PublicVenue {
    PublicVenue {
        id: VenueId(v.id),
        kind: VenueKind::parse(&v.kind).map(|k| k.label().to_owned()).unwrap_or_default(),
        flagship: v.flagship,
        name: v.name,
        address: v.address,
        hours: v.hours,
        honours: v.honours,
        spaces,
        photos: Vec::new(),
    }
}

/// The venues with spaces the public may book, the flagship first.
pub async fn venues(app: &App) -> AppResult<Vec<PublicVenue>> {
    Ok(venues::bookable(app).await?.into_iter().map(|(v, spaces)| public(v, spaces)).collect())
}

/// A bookable venue and the week of `day`: which times of each space are taken.
pub async fn venue(app: &App, id: VenueId, day: Option<NaiveDate>) -> AppResult<(PublicVenue, Week)> {
    let (v, spaces) = venues::bookable(app).await?.into_iter().find(|(v, _)| v.id == id.0).ok_or(AppError::NotFound)?;
    let found = venue::Entity::find_by_id(v.id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (_, week) = venues::calendar(app, &found, day, false).await?;
    let photos = crate::platforms::venue_photos::of(app, v.id).await?;
    Ok((PublicVenue { photos, ..public(v, spaces) }, week))
}

/// A booking as typed on the portal.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PortalBooking {
    pub name: String,
    pub phone: String,
    #[serde(flatten)]
    pub slot: Slot,
}

/// Requests a space: checked against its hours, its capacity and the times already taken;
/// rate-limited like every portal sign-up. The desk approves or refuses it.
pub async fn request(app: &App, client: &ClientInfo, venue_id: VenueId, form: &PortalBooking) -> AppResult<Receipt> {
    let now = app.now();
    let mut problems = Vec::new();
    let name = required_text(&form.name, "name", "姓名", 50).map_err(|e| problems.extend(e.0)).ok();
    let phone = Phone::parse(&form.phone).map_err(|e| problems.extend(e.0)).ok();
    let masked = phone.as_ref().map(|p| mask_phone(p.as_str())).unwrap_or_default();
    let anonymous = Actor::anonymous(client, &masked);
    let txn = app.begin().await?;
    let slot = venues::check_slot(&txn, app, &form.slot, &mut problems).await?;
    if slot.as_ref().is_some_and(|s| s.venue.id != venue_id.0) {
        problems.push(FieldError::new("space_id", "请选择本阵地的空间"));
    }
    let (Some(name), Some(phone), Some(slot), true) = (name, phone, slot, problems.is_empty()) else {
        txn.rollback().await?;
        return Err(Invalid(problems).into());
    };
    let phone_hash = app.keys.lookup_hash(phone.as_str());
    if !super::within_limits(&txn, now, &anonymous, &phone_hash).await? {
        txn.commit().await?;
        return Err(Invalid::one("phone", "提交过于频繁，请一小时后再试").into());
    }
    if let Some(clash) = venues::overlapping(&txn, &slot, None).await? {
        txn.commit().await?;
        return Err(Invalid::one("starts", clash).into());
    }
    // One phone holds at most a few requests waiting for the desk, so no one can hold a venue's
    // calendar with requests.
    let waiting = venue_booking::Entity::find()
        .filter(venue_booking::Column::PhoneHash.eq(phone_hash.clone()))
        .filter(venue_booking::Column::State.eq(BookingState::Requested.code()))
        .filter(venue_booking::Column::StartsAt.gt(now))
        .count(&txn)
        .await?;
    if waiting >= MAX_WAITING_PER_PHONE {
        txn.commit().await?;
        return Err(Invalid::one(
            "phone",
            format!("此手机号已有 {waiting} 个待审核的预约，请等阵地审核或取消后再预约"),
        )
        .into());
    }
    let receipt = Receipt::new();
    let booker = Booker {
        kind: BookerKind::Person,
        org_id: None,
        partner_id: None,
        name: name.clone(),
        phone_enc: Some(app.keys.encrypt(phone.as_str())?),
        token_hash: Some(sha256_hex(&receipt.token)),
        activity_id: None,
        phone_hash: Some(phone_hash),
    };
    let id = venues::insert_booking(&txn, app, &slot, booker, BookingState::Requested).await?;
    let entry = Entry::new(AuditAction::BookingRequested, ObjectKind::Booking)
        .object(id)
        .scope(OrgId(slot.venue.org_id))
        .after(json!({ "space": slot.space.id, "name": name, "phone": masked, "starts_at": slot.starts_at }));
    audit::record(&txn, now, &anonymous, entry).await?;
    txn.commit().await?;
    Ok(receipt)
}

/// A booking as its private link shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MyBooking {
    pub venue_id: VenueId,
    pub venue: String,
    pub address: String,
    pub space: String,
    pub name: String,
    pub phone: String,
    pub when: String,
    pub purpose: String,
    pub attendees: i32,
    pub state: String,
    pub note: String,
    pub cancellable: bool,
}

async fn by_token(app: &App, token: &str) -> AppResult<venue_booking::Model> {
    venue_booking::Entity::find()
        .filter(venue_booking::Column::TokenHash.eq(sha256_hex(token)))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The booking behind a private link.
pub async fn mine(app: &App, token: &str) -> AppResult<MyBooking> {
    let b = by_token(app, token).await?;
    let space = venue_space::Entity::find_by_id(b.space_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let v = venue::Entity::find_by_id(space.venue_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let state = BookingState::parse(&b.state)?;
    Ok(MyBooking {
        venue_id: VenueId(v.id),
        venue: v.name,
        address: v.address,
        space: space.name,
        phone: match &b.phone_enc {
            Some(sealed) => mask_phone(&app.keys.decrypt(sealed)?),
            None => String::new(),
        },
        name: b.name,
        when: format!("{} {}", b.on_date, format_local_span(b.starts_at, b.ends_at)),
        purpose: b.purpose,
        attendees: b.attendees,
        state: state.label().to_owned(),
        note: b.note,
        cancellable: matches!(state, BookingState::Requested | BookingState::Approved) && app.now() < b.starts_at,
    })
}

/// Cancels through the private link: the time is free again.
pub async fn cancel(app: &App, client: &ClientInfo, token: &str) -> AppResult<()> {
    let b = by_token(app, token).await?;
    let space = venue_space::Entity::find_by_id(b.space_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let v = venue::Entity::find_by_id(space.venue_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let label = match &b.phone_enc {
        Some(sealed) => mask_phone(&app.keys.decrypt(sealed)?),
        None => String::new(),
    };
    let anonymous = Actor::anonymous(client, &label);
    if app.now() >= b.starts_at {
        return Err(Invalid::one("state", "预约时段已开始，不能再取消").into());
    }
    let txn = app.begin().await?;
    let changed = venue_booking::Entity::update_many()
        .col_expr(venue_booking::Column::State, sea_orm::sea_query::Expr::value(BookingState::Cancelled.code()))
        .filter(venue_booking::Column::Id.eq(b.id))
        .filter(venue_booking::Column::State.is_in([BookingState::Requested.code(), BookingState::Approved.code()]))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(());
    }
    let entry = Entry::new(AuditAction::BookingCancelled, ObjectKind::Booking).object(b.id).scope(OrgId(v.org_id));
    audit::record(&txn, app.now(), &anonymous, entry).await?;
    txn.commit().await?;
    Ok(())
}

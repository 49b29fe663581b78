//! A partner's own desk: what the account of a partner (a bank, a company, a university) sees and
//! does. It holds its roles over its partner alone (`Actor::partner`), never over the org tree, so
//! every list of the registry stays closed to it; here it sees its own records — its page (see
//! `partners::page`), its lines in the ledger, its bookings — and requests and cancels bookings of
//! the venues' spaces for its partner, which the venue's desk then approves or refuses.

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{BookingId, OrgId, PartnerId};
use qingtuan_domain::permission::Permission;
use qingtuan_domain::platform::{BookerKind, BookingState};
use qingtuan_domain::time::format_local_span;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{contribution, venue, venue_booking, venue_space};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::venues::{Booker, Slot, check_slot, insert_booking, overlapping};
use super::{READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::required_text;
use crate::page::{self, Page};
use crate::{Actor, App, AppError};

/// Requests of one partner waiting for the venues' desks at most: nobody holds the calendars.
const MAX_WAITING: u64 = 10;

/// The partner the actor acts for with `permission`; anyone else is refused (403, audited).
pub async fn own(app: &App, actor: &Actor, permission: Permission) -> AppResult<PartnerId> {
    match actor.partner_with(permission) {
        Some(p) => Ok(p),
        None => scope::deny(app, actor, permission, ObjectKind::Partner, None, AppError::Forbidden).await,
    }
}

/// The partner's lines in the ledger, newest first, with every org that received them.
pub async fn lines(app: &App, actor: &Actor, page_no: Option<u64>) -> AppResult<Page<super::ledger::LineRow>> {
    let p = own(app, actor, READ).await?;
    let mut found = page::fetch(
        &app.db,
        contribution::Entity::find()
            .filter(contribution::Column::PartnerId.eq(p.0))
            .order_by_desc(contribution::Column::OnDate)
            .order_by_desc(contribution::Column::Id),
        page_no,
    )
    .await?;
    let items = std::mem::take(&mut found.items);
    let rows = super::ledger::rows(app, items).await?;
    Ok(found.with(rows))
}

/// One of the partner's bookings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OwnBooking {
    pub id: BookingId,
    pub venue: String,
    pub space: String,
    pub on_date: NaiveDate,
    pub time: String,
    pub name: String,
    pub purpose: String,
    pub attendees: i32,
    pub state: String,
    pub note: String,
    pub cancellable: bool,
}

/// The partner's bookings, latest first.
pub async fn bookings(app: &App, actor: &Actor, page_no: Option<u64>) -> AppResult<Page<OwnBooking>> {
    let p = own(app, actor, READ).await?;
    let found = page::fetch(
        &app.db,
        venue_booking::Entity::find()
            .filter(venue_booking::Column::PartnerId.eq(p.0))
            .order_by_desc(venue_booking::Column::StartsAt),
        page_no,
    )
    .await?;
    let spaces = venue_space::Entity::find()
        .filter(venue_space::Column::Id.is_in(found.items.iter().map(|b| b.space_id)))
        .all(&app.db)
        .await?;
    let venues =
        venue::Entity::find().filter(venue::Column::Id.is_in(spaces.iter().map(|s| s.venue_id))).all(&app.db).await?;
    let now = app.now();
    let rows = found
        .items
        .iter()
        .map(|b| {
            let space = spaces.iter().find(|s| s.id == b.space_id);
            let state = BookingState::parse(&b.state).ok();
            OwnBooking {
                id: BookingId(b.id),
                venue: space
                    .and_then(|s| venues.iter().find(|v| v.id == s.venue_id))
                    .map(|v| v.name.clone())
                    .unwrap_or_default(),
                space: space.map(|s| s.name.clone()).unwrap_or_default(),
                on_date: b.on_date,
                time: format_local_span(b.starts_at, b.ends_at),
                name: b.name.clone(),
                purpose: b.purpose.clone(),
                attendees: b.attendees,
                state: state.map(|s| s.label().to_owned()).unwrap_or(b.state.clone()),
                note: b.note.clone(),
                cancellable: matches!(state, Some(BookingState::Requested | BookingState::Approved))
                    && now < b.starts_at,
            }
        })
        .collect();
    Ok(found.with(rows))
}

/// A booking as the partner's account types it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Request {
    /// The contact's name.
    pub name: String,
    #[serde(flatten)]
    pub slot: Slot,
}

/// Requests a space for the partner (platforms.write held over it): checked like every booking
/// (hours, capacity, the times already taken); the venue's desk approves or refuses it.
pub async fn request(app: &App, actor: &Actor, form: &Request) -> AppResult<BookingId> {
    let p = own(app, actor, WRITE).await?;
    let mut problems = Vec::new();
    let name = required_text(&form.name, "name", "联系人", 50).map_err(|e| problems.extend(e.0)).ok();
    let txn = app.begin().await?;
    let slot = check_slot(&txn, app, &form.slot, &mut problems).await?;
    let (Some(name), Some(slot), true) = (name, slot, problems.is_empty()) else {
        txn.rollback().await?;
        return Err(Invalid(problems).into());
    };
    if let Some(clash) = overlapping(&txn, &slot, None).await? {
        txn.rollback().await?;
        return Err(Invalid::one("starts", clash).into());
    }
    let waiting = venue_booking::Entity::find()
        .filter(venue_booking::Column::PartnerId.eq(p.0))
        .filter(venue_booking::Column::State.eq(BookingState::Requested.code()))
        .filter(venue_booking::Column::StartsAt.gt(app.now()))
        .count(&txn)
        .await?;
    if waiting >= MAX_WAITING {
        txn.rollback().await?;
        let message = format!("本单位已有 {waiting} 个待审核的预约，请等阵地审核或取消后再预约");
        return Err(Invalid(vec![FieldError::new("space_id", message)]).into());
    }
    let booker = Booker {
        kind: BookerKind::Partner,
        org_id: None,
        partner_id: Some(p.0),
        name: name.clone(),
        phone_enc: None,
        token_hash: None,
        activity_id: None,
        phone_hash: None,
    };
    let id = insert_booking(&txn, app, &slot, booker, BookingState::Requested).await?;
    let entry = Entry::new(AuditAction::BookingRequested, ObjectKind::Booking)
        .object(id)
        .scope(OrgId(slot.venue.org_id))
        .after(json!({
            "space": slot.space.id, "booker": BookerKind::Partner.code(), "partner": p.0, "name": name,
            "starts_at": slot.starts_at, "ends_at": slot.ends_at, "state": BookingState::Requested.code(),
        }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(BookingId(id))
}

/// Cancels one of the partner's bookings before it begins: the time is free again. Another
/// partner's booking does not exist here (404, audited).
pub async fn cancel(app: &App, actor: &Actor, id: BookingId) -> AppResult<()> {
    let p = own(app, actor, WRITE).await?;
    let found = venue_booking::Entity::find_by_id(id.0).one(&app.db).await?;
    let Some(b) = found.filter(|b| b.partner_id == Some(p.0)) else {
        return scope::deny(app, actor, WRITE, ObjectKind::Booking, Some(id.to_string()), AppError::NotFound).await;
    };
    if app.now() >= b.starts_at {
        return Err(Invalid::one("state", "预约时段已开始，不能再取消").into());
    }
    let space = venue_space::Entity::find_by_id(b.space_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let v = venue::Entity::find_by_id(space.venue_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let txn = app.begin().await?;
    let changed = venue_booking::Entity::update_many()
        .col_expr(venue_booking::Column::State, Expr::value(BookingState::Cancelled.code()))
        .col_expr(venue_booking::Column::Note, Expr::value("合作单位取消"))
        .filter(venue_booking::Column::Id.eq(b.id))
        .filter(venue_booking::Column::State.is_in([BookingState::Requested.code(), BookingState::Approved.code()]))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        let state = BookingState::parse(&b.state).map(|s| s.label()).unwrap_or_default();
        return Err(Invalid::one("state", format!("该预约当前为“{state}”，不能取消")).into());
    }
    let entry = Entry::new(AuditAction::BookingCancelled, ObjectKind::Booking)
        .object(b.id)
        .scope(OrgId(v.org_id))
        .before(json!({ "state": b.state }))
        .after(json!({ "state": BookingState::Cancelled.code(), "partner": p.0 }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

//! Venues (阵地, P1 P2 P5): the Youth Home network with its flagship, the youth talent
//! entrepreneurship centre, service points such as the government-services e-hall — each run by an
//! org, with its honours and its operating team (cadres, social workers, volunteers from the people
//! registry). A venue's spaces (shared workstations, the live-stream room, meeting rooms) have a
//! capacity and opening hours and are booked by orgs, partners or young people (the portal's side
//! is `portal::bookings`): a booking holds its time while requested, approved or used, so two
//! bookings of one space never overlap (one may start when another ends); the desk approves or
//! refuses, checks the booker in on use, or records a no-show. A week's calendar per venue shows
//! every space's bookings without any script.

mod bookings;
mod calendar;
mod spaces;
mod team;

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{BookingId, OrgId, SpaceId, VenueId, VenueMemberId};
use qingtuan_domain::platform::{BookingState, VenueKind};
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{venue, venue_booking, venue_space, venue_team_member};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::{EXPORT, READ, WRITE, check_org, org_for_write};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::db::Write;
use crate::error::AppResult;
use crate::export::Exported;
use crate::forms::{required_date, required_text};
use crate::page::Page;
use crate::{Actor, App, AppError};
use calendar::booking_rows;
use spaces::space_row;
use team::ROLES;

pub(crate) use bookings::{Booker, book_for_activity, check_slot, insert_booking, overlapping};
pub use bookings::{DeskAction, DeskBooking, Slot, act, book};
pub(crate) use calendar::calendar;
pub use calendar::{BookingRow, Week, week_of};
pub use spaces::{NewSpace, add_space, change_space};
pub use team::{NewTeamMember, add_team_member, end_team_member, team_roles};

/// A venue as typed in the form or a spreadsheet row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewVenue {
    /// The org that runs it.
    pub org_code: String,
    pub name: String,
    pub kind: String,
    /// `是` or `true`: the network's flagship.
    pub flagship: String,
    pub region_code: String,
    pub address: String,
    pub hours: String,
    pub honours: String,
    pub opened_on: String,
}

/// The columns of the venues spreadsheet, as users see them.
pub const VENUE_COLUMNS: [(&str, &str); 9] = [
    ("org_code", "运营组织代码"),
    ("name", "阵地名称"),
    ("kind", "类型"),
    ("flagship", "旗舰店"),
    ("region_code", "所在区域代码"),
    ("address", "地址"),
    ("hours", "开放时间"),
    ("honours", "荣誉"),
    ("opened_on", "启用日期"),
];

/// Registers a venue (platforms.write over the org that runs it).
pub async fn create(app: &App, actor: &Actor, form: &NewVenue) -> AppResult<VenueId> {
    check_org(app, actor, &form.org_code).await?;
    let txn = app.begin().await?;
    let id = insert(&txn, app, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

async fn insert(conn: &Write, app: &App, actor: &Actor, form: &NewVenue) -> AppResult<VenueId> {
    let mut problems: Vec<FieldError> = Vec::new();
    let runner = org_for_write(conn, actor, &form.org_code, "运营组织").await?.map_err(|e| problems.push(e)).ok();
    let name = required_text(&form.name, "name", "阵地名称", 100).map_err(|e| problems.extend(e.0)).ok();
    let kind = VenueKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let flagship = matches!(form.flagship.trim(), "是" | "true" | "on" | "1");
    let region = match form.region_code.trim() {
        "" => None,
        code => {
            let found = crate::registry::regions::find_named(conn, code).await?;
            if found.is_none() {
                problems.push(FieldError::new("region_code", format!("区域“{code}”不存在")));
            }
            found
        }
    };
    let address = required_text(&form.address, "address", "地址", 200).map_err(|e| problems.extend(e.0)).ok();
    for (raw, field, what, max) in [(&form.hours, "hours", "开放时间", 100), (&form.honours, "honours", "荣誉", 200)]
    {
        if raw.trim().chars().count() > max {
            problems.push(FieldError::new(field, format!("{what}不超过 {max} 个字")));
        }
    }
    let opened_on = required_date("opened_on", &form.opened_on, "启用日期", local_date(app.now()))
        .map_err(|e| problems.push(e))
        .ok();
    let (Some((runner, proof)), Some(name), Some(kind), Some(address), Some(opened_on), true) =
        (runner, name, kind, address, opened_on, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let row = venue::ActiveModel {
        org_id: Set(runner.id),
        name: Set(name.clone()),
        kind: Set(kind.code().to_owned()),
        flagship: Set(flagship),
        region_id: Set(region.map(|r| r.id)),
        address: Set(address),
        hours: Set(form.hours.trim().to_owned()),
        honours: Set(form.honours.trim().to_owned()),
        opened_on: Set(opened_on),
        closed_on: Set(None),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let entry = Entry::new(AuditAction::VenueCreated, ObjectKind::Venue).object(row.id).within(&proof).after(json!({
        "org": runner.code, "name": name, "kind": kind.code(), "flagship": flagship, "opened_on": opened_on,
    }));
    audit::record(conn, app.now(), actor, entry).await?;
    Ok(VenueId(row.id))
}

impl crate::batch::Importable for NewVenue {
    const COLUMNS: &'static [(&'static str, &'static str)] = &VENUE_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "name", "kind", "address", "opened_on"];
    const EXAMPLE: &'static [&'static str] = &[
        "CY",
        "城阳区青年之家旗舰店",
        "青年之家",
        "是",
        "CY01",
        "城阳区正阳路 1 号",
        "周二至周日 9:00–21:00",
        "全国五四红旗团支部",
        "2021-05-04",
    ];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        match field {
            "kind" => Some(VenueKind::ALL.iter().map(|k| k.label()).collect()),
            "flagship" => Some(vec!["是", "否"]),
            _ => None,
        }
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            kind: cell("kind"),
            flagship: cell("flagship"),
            region_code: cell("region_code"),
            address: cell("address"),
            hours: cell("hours"),
            honours: cell("honours"),
            opened_on: cell("opened_on"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &VENUE_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move { insert(txn, app, actor, row).await.map(|_| ()) })
        })
        .await
    }
}

/// A venue as the list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VenueRow {
    pub id: VenueId,
    pub name: String,
    pub kind: String,
    pub flagship: bool,
    pub org_name: String,
    pub region_name: String,
    pub address: String,
    pub hours: String,
    pub honours: String,
    pub spaces: i64,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
}

/// The list's filter, as in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Filter {
    pub q: String,
    pub kind: String,
    pub org: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
}

async fn query(
    app: &App,
    actor: &Actor,
    permission: qingtuan_domain::permission::Permission,
    filter: &Filter,
) -> AppResult<sea_orm::Select<venue::Entity>> {
    let mut q = venue::Entity::find().filter(scope::org_condition(actor, permission, venue::Column::OrgId));
    if !filter.q.trim().is_empty() {
        q = q.filter(venue::Column::Name.contains(filter.q.trim()));
    }
    if !filter.kind.trim().is_empty() {
        q = q.filter(venue::Column::Kind.eq(VenueKind::parse(&filter.kind)?.code()));
    }
    if !filter.org.trim().is_empty() {
        let below = scope::subtree(app, actor, permission, &filter.org).await?;
        q = q.filter(venue::Column::OrgId.in_subquery(below));
    }
    Ok(q.order_by_desc(venue::Column::Flagship).order_by_asc(venue::Column::Name).order_by_asc(venue::Column::Id))
}

/// The venues run by orgs in the actor's scope, the flagship first, paged.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<VenueRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut found = crate::page::fetch(&app.db, query(app, actor, READ, filter).await?, filter.page).await?;
    let items = rows(app, std::mem::take(&mut found.items)).await?;
    Ok(found.with(items))
}

/// The list as a workbook, audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let found = crate::export::rows_of(&app.db, query(app, actor, EXPORT, filter).await?).await?;
    let rows: Vec<Vec<String>> = rows(app, found)
        .await?
        .into_iter()
        .map(|r| {
            vec![
                r.name,
                r.kind,
                if r.flagship { "是" } else { "" }.into(),
                r.org_name,
                r.region_name,
                r.address,
                r.hours,
                r.honours,
                r.spaces.to_string(),
                r.opened_on.to_string(),
                r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "阵地名称",
        "类型",
        "旗舰店",
        "运营组织",
        "所在区域",
        "地址",
        "开放时间",
        "荣誉",
        "空间数",
        "启用日期",
        "停用日期",
    ];
    let asked = json!({ "list": "venues", "q": filter.q, "kind": filter.kind, "org": filter.org });
    crate::export::audited(app, actor, Exported::of(ObjectKind::Venue, asked), "阵地", &header, rows).await
}

async fn rows(app: &App, found: Vec<venue::Model>) -> AppResult<Vec<VenueRow>> {
    let names = crate::tree::names(&app.db, found.iter().map(|v| v.org_id).collect()).await?;
    let regions = crate::registry::regions::names(&app.db, found.iter().filter_map(|v| v.region_id)).await?;
    let mut spaces: HashMap<i64, i64> = HashMap::new();
    for s in venue_space::Entity::find()
        .filter(venue_space::Column::VenueId.is_in(found.iter().map(|v| v.id)))
        .all(&app.db)
        .await?
    {
        *spaces.entry(s.venue_id).or_default() += 1;
    }
    Ok(found
        .into_iter()
        .map(|v| VenueRow {
            id: VenueId(v.id),
            kind: VenueKind::parse(&v.kind).map(|k| k.label().to_owned()).unwrap_or(v.kind.clone()),
            flagship: v.flagship,
            org_name: names.get(&v.org_id).cloned().unwrap_or_default(),
            region_name: v.region_id.and_then(|r| regions.get(&r).cloned()).unwrap_or_default(),
            spaces: spaces.get(&v.id).copied().unwrap_or(0),
            name: v.name,
            address: v.address,
            hours: v.hours,
            honours: v.honours,
            opened_on: v.opened_on,
            closed_on: v.closed_on,
        })
        .collect())
}

/// A space as a venue's page and the portal show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SpaceRow {
    pub id: SpaceId,
    pub name: String,
    pub capacity: i32,
    pub hours: String,
    /// As its form shows it, to change it.
    pub typed: NewSpace,
}

/// One of the operating team.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamRow {
    pub id: VenueMemberId,
    pub name: String,
    pub id_number: String,
    pub role: String,
    pub since: NaiveDate,
    /// The day they left.
    pub until: Option<NaiveDate>,
}

/// A venue's page: its facts, team, spaces, a week's calendar and the bookings waiting for the
/// desk.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VenueView {
    pub row: VenueRow,
    pub team: Vec<TeamRow>,
    pub spaces: Vec<SpaceRow>,
    pub week: Week,
    /// Requested bookings, and approved ones not yet checked in or recorded as no-shows.
    pub waiting: Vec<BookingRow>,
    /// Its photos: (id, file name).
    pub photos: Vec<(i64, String)>,
    pub can_write: bool,
}

/// A venue with the week of `day` (platforms.read over the org that runs it).
pub async fn show(app: &App, actor: &Actor, id: VenueId, day: Option<NaiveDate>) -> AppResult<VenueView> {
    let (v, _) = run_by(app, actor, id, READ).await?;
    let can_write = scope::checked(&app.db, actor, WRITE, OrgId(v.org_id)).await?.is_some();
    let team_rows = venue_team_member::Entity::find()
        .filter(venue_team_member::Column::VenueId.eq(v.id))
        .order_by_asc(venue_team_member::Column::Since)
        .all(&app.db)
        .await?;
    let people = crate::registry::people::names_masked(app, team_rows.iter().map(|t| t.person_id).collect()).await?;
    let team = team_rows
        .into_iter()
        .filter_map(|t| {
            let (name, id_number) = people.get(&t.person_id)?.clone();
            let role = ROLES.iter().find(|(c, _)| *c == t.role).map_or(t.role.clone(), |(_, l)| (*l).to_owned());
            Some(TeamRow { id: VenueMemberId(t.id), name, id_number, role, since: t.since, until: t.until })
        })
        .collect();
    let (spaces, week) = calendar(app, &v, day, true).await?;
    let space_ids: Vec<i64> = spaces.iter().map(|s| s.id.0).collect();
    let waiting_rows = venue_booking::Entity::find()
        .filter(venue_booking::Column::SpaceId.is_in(space_ids))
        .filter(venue_booking::Column::State.is_in([BookingState::Requested.code(), BookingState::Approved.code()]))
        .order_by_asc(venue_booking::Column::StartsAt)
        .limit(200)
        .all(&app.db)
        .await?;
    let waiting = booking_rows(app, &spaces, waiting_rows, true).await?;
    let photos = super::venue_photos::of(app, v.id).await?;
    let row = rows(app, vec![v]).await?.remove(0);
    Ok(VenueView { row, team, spaces, week, waiting, photos, can_write })
}

pub(super) async fn run_by(
    app: &App,
    actor: &Actor,
    id: VenueId,
    permission: qingtuan_domain::permission::Permission,
) -> AppResult<(venue::Model, InScope<OrgId>)> {
    let v = venue::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, permission, (ObjectKind::Venue, id.to_string()), OrgId(v.org_id)).await?;
    Ok((v, proof))
}

/// The venues the public may book: open ones with at least one space, each with its spaces.
pub(crate) async fn bookable(app: &App) -> AppResult<Vec<(venue::Model, Vec<SpaceRow>)>> {
    let today = local_date(app.now());
    let venues = venue::Entity::find()
        .filter(venue::Column::OpenedOn.lte(today))
        .filter(Condition::any().add(venue::Column::ClosedOn.is_null()).add(venue::Column::ClosedOn.gt(today)))
        .order_by_desc(venue::Column::Flagship)
        .order_by_asc(venue::Column::Name)
        .limit(500)
        .all(&app.db)
        .await?;
    let spaces = venue_space::Entity::find()
        .filter(venue_space::Column::VenueId.is_in(venues.iter().map(|v| v.id)))
        .order_by_asc(venue_space::Column::Id)
        .all(&app.db)
        .await?;
    Ok(venues
        .into_iter()
        .map(|v| {
            let mine: Vec<SpaceRow> = spaces.iter().filter(|s| s.venue_id == v.id).map(space_row).collect();
            (v, mine)
        })
        .filter(|(_, spaces)| !spaces.is_empty())
        .collect())
}

/// The venue a space is of, to show its page again (platforms.read over the org that runs it).
pub async fn venue_of_space(app: &App, actor: &Actor, id: SpaceId) -> AppResult<VenueId> {
    let s = venue_space::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    run_by(app, actor, VenueId(s.venue_id), READ).await.map(|(v, _)| VenueId(v.id))
}

/// The venue a member of a team serves, to show its page again (platforms.read over its org).
pub async fn venue_of_member(app: &App, actor: &Actor, VenueMemberId(id): VenueMemberId) -> AppResult<VenueId> {
    let m = venue_team_member::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    run_by(app, actor, VenueId(m.venue_id), READ).await.map(|(v, _)| VenueId(v.id))
}

/// The venue a booking is of, to show its page again (platforms.read over the org that runs it).
pub async fn venue_of(app: &App, actor: &Actor, id: BookingId) -> AppResult<VenueId> {
    let b = venue_booking::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let space = venue_space::Entity::find_by_id(b.space_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    run_by(app, actor, VenueId(space.venue_id), READ).await.map(|(v, _)| VenueId(v.id))
}

/// The spaces an activity may name: every space of an open venue, "venue · space", by venue.
pub async fn space_choices(app: &App) -> AppResult<Vec<(SpaceId, String)>> {
    Ok(bookable(app)
        .await?
        .into_iter()
        .flat_map(|(v, spaces)| spaces.into_iter().map(move |s| (s.id, format!("{} · {}", v.name, s.name))))
        .collect())
}

/// A closing as checked, before it is confirmed.
#[derive(Debug, Clone)]
pub struct Closing {
    pub id: VenueId,
    pub name: String,
    pub on: NaiveDate,
}

/// Checks a closing (platforms.write over the org that runs the venue) without writing it: the
/// date follows the opening, and no booking still holds a time on or after it.
pub async fn closing(app: &App, actor: &Actor, id: VenueId, on: &str) -> AppResult<Closing> {
    let (v, _) = run_by(app, actor, id, WRITE).await?;
    let on = closing_date(app, &v, on).await?;
    Ok(Closing { id, name: v.name, on })
}

/// Closes a venue on a date: from that day it is no longer counted, and its spaces take no
/// bookings.
pub async fn close(app: &App, actor: &Actor, id: VenueId, on: &str) -> AppResult<()> {
    let (v, proof) = run_by(app, actor, id, WRITE).await?;
    let on = closing_date(app, &v, on).await?;
    let txn = app.begin().await?;
    let changed = venue::Entity::update_many()
        .col_expr(venue::Column::ClosedOn, sea_orm::sea_query::Expr::value(on))
        .filter(venue::Column::Id.eq(v.id))
        .filter(venue::Column::ClosedOn.is_null())
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Invalid::one("closed_on", format!("{}已经停用", v.name)).into());
    }
    let entry = Entry::new(AuditAction::VenueClosed, ObjectKind::Venue)
        .object(v.id)
        .within(&proof)
        .after(json!({ "name": v.name, "closed_on": on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

async fn closing_date(app: &App, v: &venue::Model, on: &str) -> AppResult<NaiveDate> {
    if let Some(d) = v.closed_on {
        return Err(Invalid::one("closed_on", format!("{}已于 {d} 停用", v.name)).into());
    }
    let on = crate::forms::end_date("closed_on", on, v.opened_on, local_date(app.now()), ("停用", "启用"))?;
    let spaces = venue_space::Entity::find()
        .select_only()
        .column(venue_space::Column::Id)
        .filter(venue_space::Column::VenueId.eq(v.id));
    let holding: Vec<&str> = BookingState::ALL.iter().filter(|s| s.holds_time()).map(|s| s.code()).collect();
    let pending = venue_booking::Entity::find()
        .filter(venue_booking::Column::SpaceId.in_subquery(sea_orm::QueryTrait::into_query(spaces)))
        .filter(venue_booking::Column::State.is_in(holding))
        .filter(venue_booking::Column::State.ne(BookingState::Used.code()))
        .filter(venue_booking::Column::OnDate.gte(on))
        .count(&app.db)
        .await?;
    if pending > 0 {
        return Err(
            Invalid::one("closed_on", format!("{on} 及以后还有 {pending} 个预约，请先取消这些预约再停用")).into()
        );
    }
    Ok(on)
}

/// The venues a project may name: every open one, by name.
pub async fn venue_choices(app: &App) -> AppResult<Vec<(VenueId, String)>> {
    let today = local_date(app.now());
    Ok(venue::Entity::find()
        .filter(Condition::any().add(venue::Column::ClosedOn.is_null()).add(venue::Column::ClosedOn.gt(today)))
        .order_by_asc(venue::Column::Name)
        .limit(500)
        .all(&app.db)
        .await?
        .into_iter()
        .map(|v| (VenueId(v.id), v.name))
        .collect())
}

//! A venue's operating team: cadres, social workers and volunteers from the people registry, each
//! with the day they joined and, once they leave, the day they left.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{VenueId, VenueMemberId};
use qingtuan_domain::person::IdNumber;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::venue_team_member;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use super::run_by;
use crate::access::audit::{self, Entry};
use crate::error::AppResult;
use crate::forms::required_date;
use crate::platforms::WRITE;
use crate::{Actor, App, AppError};

/// A member of the operating team as typed: a registered person, found by ID number.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewTeamMember {
    pub id_number: String,
    /// As registered: the number alone finds no one.
    pub name: String,
    /// `cadre`, `social_worker` or `volunteer`.
    pub role: String,
    pub since: String,
}

pub(super) const ROLES: [(&str, &str); 3] = [("cadre", "团干部"), ("social_worker", "社工"), ("volunteer", "志愿者")];

/// The roles of an operating team: code and label.
pub fn team_roles() -> &'static [(&'static str, &'static str)] {
    &ROLES
}

/// Adds a person to a venue's operating team (platforms.write over the org that runs it).
pub async fn add_team_member(app: &App, actor: &Actor, id: VenueId, form: &NewTeamMember) -> AppResult<()> {
    let (v, proof) = run_by(app, actor, id, WRITE).await?;
    let mut problems = Vec::new();
    let role = ROLES.iter().find(|(code, label)| *code == form.role.trim() || *label == form.role.trim());
    if role.is_none() {
        problems.push(FieldError::new("role", "角色应为团干部、社工或志愿者"));
    }
    let since =
        required_date("since", &form.since, "加入日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    let person = match IdNumber::parse(&form.id_number) {
        Err(e) => {
            problems.extend(e.0.into_iter().map(|f| FieldError { field: "id_number", ..f }));
            None
        }
        Ok(n) => {
            let found = crate::registry::people::registered_as(app, &n, &form.name).await?;
            if found.is_none() {
                problems.push(FieldError::new("id_number", crate::registry::people::NOT_REGISTERED));
            }
            found
        }
    };
    let (Some((role, _)), Some(since), Some(person), true) = (role, since, person, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    let txn = app.begin().await?;
    venue_team_member::ActiveModel {
        venue_id: Set(v.id),
        person_id: Set(person),
        role: Set((*role).to_owned()),
        since: Set(since),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "id_number", &format!("此人已在{}的运营团队中", v.name)))?;
    let entry = Entry::new(AuditAction::VenueTeamAdded, ObjectKind::Venue)
        .object(v.id)
        .within(&proof)
        .after(json!({ "person": person, "role": role, "since": since }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Records the day a member left the operating team (platforms.write over the org that runs the
/// venue): the team keeps them as they were, no longer serving.
pub async fn end_team_member(
    app: &App,
    actor: &Actor,
    VenueMemberId(member): VenueMemberId,
    until: &str,
) -> AppResult<VenueId> {
    let m = venue_team_member::Entity::find_by_id(member).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let (v, proof) = run_by(app, actor, VenueId(m.venue_id), WRITE).await?;
    if m.until.is_some() {
        return Err(Invalid::one("until", "此人已离开运营团队").into());
    }
    let until = required_date("until", until, "离开日期", local_date(app.now())).map_err(|e| Invalid(vec![e]))?;
    if until <= m.since {
        return Err(Invalid::one("until", format!("离开日期应晚于加入日期（{}）", m.since)).into());
    }
    let txn = app.begin().await?;
    let (person, since) = (m.person_id, m.since);
    let mut row: venue_team_member::ActiveModel = m.into();
    row.until = Set(Some(until));
    row.update(&txn).await?;
    let entry = Entry::new(AuditAction::VenueTeamLeft, ObjectKind::Venue)
        .object(v.id)
        .within(&proof)
        .after(json!({ "person": person, "since": since, "until": until }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(VenueId(v.id))
}

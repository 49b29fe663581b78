//! Youth commando teams: their members, changes, and the shifts they take as a whole.

use super::*;
use qingtuan_domain::ids::{PersonId, TeamId};

/// A commando team with its members, as its page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamDetail {
    pub id: TeamId,
    pub name: String,
    pub org_name: String,
    pub formed_on: NaiveDate,
    pub disbanded_on: Option<NaiveDate>,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberView {
    pub person_id: PersonId,
    pub name: String,
    pub phone: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub leader: bool,
}

async fn team_in_scope(
    app: &App,
    actor: &Actor,
    team_id: i64,
    permission: Permission,
) -> AppResult<volunteer_team::Model> {
    let t = volunteer_team::Entity::find_by_id(team_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, permission, (ObjectKind::Org, t.org_id.to_string()), OrgId(t.org_id)).await?;
    Ok(t)
}

pub async fn team(app: &App, actor: &Actor, TeamId(team_id): TeamId) -> AppResult<TeamDetail> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let t = team_in_scope(app, actor, team_id, READ).await?;
    let rows = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .order_by_asc(team_member::Column::Id)
        .all(&app.db)
        .await?;
    let mut people = Vec::with_capacity(rows.len());
    for m in &rows {
        people.push(
            qingtuan_entity::person::Entity::find_by_id(m.person_id).one(&app.db).await?.ok_or(AppError::NotFound)?,
        );
    }
    let children =
        crate::registry::minors::children(app, actor, people.iter().map(|p| (p.id, p.birth_on)), Some("team")).await?;
    let mut members = Vec::with_capacity(rows.len());
    for (m, p) in rows.into_iter().zip(people) {
        let withheld = children.get(&p.id) == Some(&false);
        let phone = match &p.phone_enc {
            Some(_) if withheld => crate::registry::minors::WITHHELD.to_owned(),
            Some(e) => qingtuan_domain::mask::mask_phone(&app.keys.decrypt(e)?),
            None => String::new(),
        };
        members.push(MemberView {
            person_id: PersonId(p.id),
            name: if withheld { crate::registry::minors::masked_name(&p.name) } else { p.name },
            phone,
            joined_on: m.joined_on,
            left_on: m.left_on,
            leader: t.leader_person_id == Some(m.person_id),
        });
    }
    Ok(TeamDetail {
        id: TeamId(t.id),
        org_name: crate::tree::names(&app.db, vec![t.org_id]).await?.remove(&t.org_id).unwrap_or_default(),
        name: t.name,
        formed_on: t.formed_on,
        disbanded_on: t.disbanded_on,
        members,
    })
}

/// Adds a registered person — found by name and phone — to a team.
pub async fn add_member(
    app: &App,
    actor: &Actor,
    TeamId(team_id): TeamId,
    name: &str,
    phone: &str,
    joined_on: NaiveDate,
) -> AppResult<i64> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let t = team_in_scope(app, actor, team_id, WRITE).await?;
    let phone = qingtuan_domain::person::Phone::parse(phone)?;
    let person = qingtuan_entity::person::Entity::find()
        .filter(qingtuan_entity::person::Column::Name.eq(name.trim()))
        .filter(qingtuan_entity::person::Column::PhoneHash.eq(app.keys.lookup_hash(phone.as_str())))
        .one(&app.db)
        .await?
        .ok_or_else(|| {
            Invalid::one("name", "人员库中没有该姓名和手机号的人员：请先登记人员，或由本人在门户报名签到")
        })?;
    let already = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::PersonId.eq(person.id))
        .filter(team_member::Column::LeftOn.is_null())
        .one(&app.db)
        .await?;
    if already.is_some() {
        return Err(Invalid::one("name", "此人已在突击队中").into());
    }
    let txn = app.begin().await?;
    team_member::ActiveModel {
        team_id: Set(team_id),
        person_id: Set(person.id),
        joined_on: Set(joined_on),
        left_on: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::TeamChanged, ObjectKind::Org)
        .object(t.org_id)
        .scope(OrgId(t.org_id))
        .after(json!({ "team": team_id, "member_joined": person.id, "joined_on": joined_on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(person.id)
}

/// A member leaves, or becomes the leader; or the team disbands.
#[derive(Debug, Clone, Copy)]
pub enum TeamChange {
    Leave { person_id: i64, on: NaiveDate },
    Lead { person_id: i64 },
    Disband { on: NaiveDate },
}

pub async fn change_team(app: &App, actor: &Actor, TeamId(team_id): TeamId, change: TeamChange) -> AppResult<()> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let t = team_in_scope(app, actor, team_id, WRITE).await?;
    let member = |person_id: i64| {
        team_member::Entity::find()
            .filter(team_member::Column::TeamId.eq(team_id))
            .filter(team_member::Column::PersonId.eq(person_id))
            .filter(team_member::Column::LeftOn.is_null())
    };
    let txn = app.begin().await?;
    let after = match change {
        TeamChange::Leave { person_id, on } => {
            let m = member(person_id).one(&txn).await?.ok_or(AppError::NotFound)?;
            if on < m.joined_on {
                return Err(Invalid::one("on", "离队日期不能早于入队日期").into());
            }
            let mut active: team_member::ActiveModel = m.into();
            active.left_on = Set(Some(on));
            active.update(&txn).await?;
            json!({ "team": team_id, "member_left": person_id, "left_on": on })
        }
        TeamChange::Lead { person_id } => {
            member(person_id).one(&txn).await?.ok_or_else(|| Invalid::one("leader", "队长应是突击队的现有队员"))?;
            let mut active: volunteer_team::ActiveModel = t.clone().into();
            active.leader_person_id = Set(Some(person_id));
            active.update(&txn).await?;
            json!({ "team": team_id, "leader": person_id })
        }
        TeamChange::Disband { on } => {
            if on < t.formed_on || t.disbanded_on.is_some() {
                return Err(Invalid::one("on", "解散日期不能早于组建日期，已解散的突击队不能再次解散").into());
            }
            let mut active: volunteer_team::ActiveModel = t.clone().into();
            active.disbanded_on = Set(Some(on));
            active.update(&txn).await?;
            json!({ "team": team_id, "disbanded_on": on })
        }
    };
    let entry =
        Entry::new(AuditAction::TeamChanged, ObjectKind::Org).object(t.org_id).scope(OrgId(t.org_id)).after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// A team takes a shift as a whole: one turn-out for each member on the shift's day, with the
/// team's times.
pub async fn team_takes_shift(
    app: &App,
    actor: &Actor,
    TeamId(team_id): TeamId,
    ShiftId(shift_id): ShiftId,
    check_in: NaiveTime,
    check_out: NaiveTime,
) -> AppResult<usize> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let t = team_in_scope(app, actor, team_id, WRITE).await?;
    let s = shift::Entity::find_by_id(shift_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    if t.formed_on > s.on_date || t.disbanded_on.is_some_and(|d| d <= s.on_date) {
        return Err(Invalid::one("team", "该突击队在班次当天不存续").into());
    }
    let members: Vec<i64> = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team_id))
        .filter(team_member::Column::JoinedOn.lte(s.on_date))
        .all(&app.db)
        .await?
        .into_iter()
        .filter(|m| m.left_on.is_none_or(|l| l > s.on_date))
        .map(|m| m.person_id)
        .collect();
    if members.is_empty() {
        return Err(Invalid::one("team", "该突击队在班次当天没有队员").into());
    }
    let rows: Vec<Attendance> = members
        .into_iter()
        .map(|person_id| Attendance {
            shift_id: ShiftId(shift_id),
            person_id: PersonId(person_id),
            team_id: Some(TeamId(team_id)),
            check_in_at: local_instant(s.on_date, check_in),
            check_out_at: local_instant(s.on_date, check_out),
        })
        .collect();
    record_turnouts(app, actor, &rows).await
}

/// Teams in the actor's scope, for choosing one (at most 500, newest first).
pub async fn teams_in_scope(app: &App, actor: &Actor) -> AppResult<Vec<(TeamId, String)>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let rows = volunteer_team::Entity::find()
        .filter(scope::org_condition(actor, WRITE, volunteer_team::Column::OrgId))
        .filter(volunteer_team::Column::DisbandedOn.is_null())
        .order_by_desc(volunteer_team::Column::Id)
        .limit(500)
        .all(&app.db)
        .await?;
    Ok(rows.into_iter().map(|t| (TeamId(t.id), t.name)).collect())
}

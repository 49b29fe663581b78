//! Records that may be one person (the same name and phone), and merging them into one.

use super::lists::{Shown, find_visible, row, visible};
use super::*;

/// A group of records that may be one person: the same name and the same phone.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SuspectedDuplicate {
    pub name: String,
    pub people: Vec<PersonRow>,
}

/// People the actor may see who share a name and a phone number, for a merge.
pub async fn suspected_duplicates(app: &App, actor: &Actor) -> AppResult<Vec<SuspectedDuplicate>> {
    scope::require_somewhere(app, actor, READ).await?;
    let cond = visible(app, actor).await?;
    let rows = person::Entity::find().filter(cond).filter(person::Column::PhoneHash.is_not_null()).all(&app.db).await?;
    let mut groups: HashMap<(String, String), Vec<person::Model>> = HashMap::new();
    for p in rows {
        let key = (p.name.clone(), p.phone_hash.clone().unwrap_or_default());
        groups.entry(key).or_default().push(p);
    }
    let groups: Vec<Vec<person::Model>> = groups.into_values().filter(|v| v.len() > 1).collect();
    let mut rows: Vec<PersonRow> = groups.iter().flatten().map(|p| row(app, p.clone(), Shown::Masked)).collect();
    crate::registry::minors::withhold(app, actor, &mut rows, "duplicates").await?;
    let mut rows = rows.into_iter();
    let mut out: Vec<SuspectedDuplicate> = groups
        .iter()
        .map(|group| {
            let mut people: Vec<PersonRow> = rows.by_ref().take(group.len()).collect();
            // They share the name: if any of them is a withheld child, it is masked for all.
            let name = match people.iter().find(|p| p.withheld) {
                Some(child) => child.name.clone(),
                None => group[0].name.clone(),
            };
            for p in &mut people {
                p.name.clone_from(&name);
            }
            SuspectedDuplicate { name, people }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Merges `duplicate` into `keep`: its positions move over, and the duplicate record is deleted.
/// Two records with different ID numbers are two people and are not merged.
pub async fn merge(app: &App, actor: &Actor, keep: PersonId, duplicate: PersonId) -> AppResult<()> {
    scope::require_somewhere(app, actor, WRITE).await?;
    if keep == duplicate {
        return Err(Invalid::one("duplicate", "请选择两条不同的记录").into());
    }
    let a = find_visible(app, actor, keep).await?;
    let b = find_visible(app, actor, duplicate).await?;
    // Both records are the actor's to change.
    scope::require_person(app, actor, WRITE, keep).await?;
    scope::require_person(app, actor, WRITE, duplicate).await?;
    if let (Some(x), Some(y)) = (&a.id_number_hash, &b.id_number_hash)
        && x != y
    {
        return Err(Invalid::one("duplicate", "两条记录的身份证号码不同，是两个人，不能合并").into());
    }
    let txn = app.begin().await?;
    workforce::lock(&txn).await?;
    // Everything that names the duplicate moves to the kept record.
    let kept = || sea_orm::sea_query::Expr::value(a.id);
    position::Entity::update_many()
        .col_expr(position::Column::PersonId, kept())
        .filter(position::Column::PersonId.eq(b.id))
        .exec(&txn)
        .await?;
    turnout::Entity::update_many()
        .col_expr(turnout::Column::PersonId, kept())
        .filter(turnout::Column::PersonId.eq(b.id))
        .exec(&txn)
        .await?;
    signup::Entity::update_many()
        .col_expr(signup::Column::PersonId, kept())
        .filter(signup::Column::PersonId.eq(b.id))
        .exec(&txn)
        .await?;
    volunteer_team::Entity::update_many()
        .col_expr(volunteer_team::Column::LeaderPersonId, kept())
        .filter(volunteer_team::Column::LeaderPersonId.eq(b.id))
        .exec(&txn)
        .await?;
    // A team both were members of keeps the kept record's membership.
    let kept_teams = Query::select()
        .column(team_member::Column::TeamId)
        .from(team_member::Entity)
        .and_where(team_member::Column::PersonId.eq(a.id))
        .take();
    team_member::Entity::delete_many()
        .filter(team_member::Column::PersonId.eq(b.id))
        .filter(team_member::Column::TeamId.in_subquery(kept_teams))
        .exec(&txn)
        .await?;
    team_member::Entity::update_many()
        .col_expr(team_member::Column::PersonId, kept())
        .filter(team_member::Column::PersonId.eq(b.id))
        .exec(&txn)
        .await?;
    if a.id_number_hash.is_none() && b.id_number_hash.is_some() || a.birth_on.is_none() && b.birth_on.is_some() {
        let mut active: person::ActiveModel = a.clone().into();
        // A birth date the duplicate knew: a child stays a child.
        active.birth_on = Set(a.birth_on.or(b.birth_on));
        active.id_number_enc = Set(a.id_number_enc.clone().or_else(|| b.id_number_enc.clone()));
        // The unique hash moves after the duplicate is gone.
        person::Entity::delete_by_id(b.id).exec(&txn).await?;
        active.id_number_hash = Set(a.id_number_hash.clone().or_else(|| b.id_number_hash.clone()));
        sea_orm::ActiveModelTrait::update(active, &txn).await?;
    } else {
        person::Entity::delete_by_id(b.id).exec(&txn).await?;
    }
    let entry = Entry::new(AuditAction::PeopleMerged, ObjectKind::Person)
        .object(a.id)
        .after(json!({ "kept": a.id, "merged": b.id, "name": a.name }));
    audit::record(&txn, app.now(), actor, entry).await?;
    workforce::refresh(&txn, Affected::People(vec![a.id, b.id])).await?;
    txn.commit().await?;
    Ok(())
}

//! Editing an org: its fields (the founding date held against its posts and its tree), its history.

use super::*;

/// The editable fields of an org. Its place in the tree changes by `move_subtree`, its end by
/// `dissolve`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct OrgEdit {
    pub name: String,
    pub kind: String,
    pub sector_code: String,
    pub region_code: String,
    pub basis: String,
    pub founded_on: String,
}

/// Renames or re-describes an org; the before and after go into the audit row, which is the
/// org's history.
pub async fn update(app: &App, actor: &Actor, id: OrgId, form: &OrgEdit) -> AppResult<()> {
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let mut problems = Vec::new();
    let name = parse_org_name(&form.name).map_err(|e| problems.extend(e.0)).ok();
    let kind = OrgKind::parse(&form.kind).map_err(|e| problems.extend(e.0)).ok();
    let sector = match form.sector_code.trim() {
        "" => None,
        c => {
            let s = sector::Entity::find().filter(sector::Column::Code.eq(c)).one(&app.db).await?;
            if s.is_none() {
                problems.push(FieldError { field: "sector_code", message: format!("领域“{c}”不存在") });
            }
            s
        }
    };
    let region = match form.region_code.trim() {
        "" => None,
        c => {
            let r = crate::registry::regions::find_named(&app.db, c).await?;
            if r.is_none() {
                problems.push(FieldError { field: "region_code", message: format!("区域“{c}”不存在") });
            }
            r
        }
    };
    let basis = OrgBasis::parse(if form.basis.trim().is_empty() { "unit" } else { &form.basis })
        .map_err(|e| problems.extend(e.0))
        .ok();
    let founded_on = match crate::forms::parse_date("founded_on", &form.founded_on) {
        Ok(Some(d)) => Some(d),
        Ok(None) => Some(found.founded_on),
        Err(e) => {
            problems.push(e);
            None
        }
    };
    if let (Some(f), Some(d)) = (founded_on, found.dissolved_on)
        && f >= d
    {
        problems
            .push(FieldError { field: "founded_on", message: format!("成立日期 {f} 应早于撤销日期 {d}") });
    }
    // No post may start before its org's founding, so the founding date cannot move past one.
    if let Some(f) = founded_on.filter(|f| *f != found.founded_on) {
        use qingtuan_entity::position;
        use sea_orm::QueryOrder;
        let first = position::Entity::find()
            .filter(position::Column::OrgId.eq(found.id))
            .order_by_asc(position::Column::StartOn)
            .one(&app.db)
            .await?;
        if let Some(p) = first.filter(|p| p.start_on < f) {
            problems.push(FieldError {
                field: "founded_on",
                message: format!("该组织有 {} 起的任职记录，成立日期不能晚于此日", p.start_on),
            });
        }
    }
    let (Some(name), Some(kind), Some(basis), Some(founded_on), true) =
        (name, kind, basis, founded_on, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let old_sector = match found.sector_id {
        Some(id) => sector::Entity::find_by_id(id).one(&app.db).await?.map(|s| named(&s.name, &s.code)),
        None => None,
    };
    let old_region = match found.region_id {
        Some(id) => {
            qingtuan_entity::region::Entity::find_by_id(id).one(&app.db).await?.map(|r| named(&r.name, &r.code))
        }
        None => None,
    };
    let before = json!({
        "name": found.name, "kind": found.kind, "sector": old_sector, "region": old_region, "basis": found.basis,
        "founded_on": found.founded_on,
    });
    let counts_change = found.sector_id != sector.as_ref().map(|s| s.id) || found.founded_on != founded_on;
    let txn = app.begin().await?;
    if counts_change {
        workforce::lock(&txn).await?;
    }
    let mut active: org::ActiveModel = found.into();
    active.initials = Set(pinyin_initials(&name));
    active.name = Set(name.clone());
    active.kind = Set(kind.code().to_owned());
    active.sector_id = Set(sector.as_ref().map(|s| s.id));
    active.region_id = Set(region.as_ref().map(|r| r.id));
    active.basis = Set(basis.code().to_owned());
    active.founded_on = Set(founded_on);
    active.update(&txn).await?;
    let after = json!({
        "name": name, "kind": kind.code(), "sector": sector.as_ref().map(|s| named(&s.name, &s.code)),
        "region": region.as_ref().map(|r| named(&r.name, &r.code)), "basis": basis.code(), "founded_on": founded_on,
    });
    let entry = Entry::new(AuditAction::OrgUpdated, ObjectKind::Org).within(&proof).before(before).after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    if counts_change {
        workforce::refresh(&txn, Affected::PostsIn(vec![id.0])).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The org's history: every audit row about it, newest first (creation, edits, moves,
/// dissolution, honours). Readable by whoever may read the org.
pub(crate) async fn history(app: &App, actor: &Actor, id: OrgId) -> AppResult<Vec<audit::Row>> {
    use qingtuan_entity::audit_event;
    use sea_orm::QuerySelect;
    scope::require(app, actor, READ, (ObjectKind::Org, id.to_string()), id).await?;
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::ObjectKind.eq(ObjectKind::Org.code()))
        .filter(audit_event::Column::ObjectId.eq(id.to_string()))
        .filter(audit_event::Column::Action.ne(AuditAction::AccessDenied.code()))
        .order_by_desc(audit_event::Column::Id)
        .limit(100)
        .all(&app.db)
        .await?;
    Ok(rows.into_iter().map(audit::Row::from).collect())
}

/// What the edit form shows for an org.
pub async fn edit_form(app: &App, actor: &Actor, id: OrgId) -> AppResult<OrgEdit> {
    use qingtuan_entity::region;
    scope::require(app, actor, WRITE, (ObjectKind::Org, id.to_string()), id).await?;
    let found = org::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let sector_code = match found.sector_id {
        Some(s) => sector::Entity::find_by_id(s).one(&app.db).await?.map(|s| s.code).unwrap_or_default(),
        None => String::new(),
    };
    let region_code = match found.region_id {
        Some(r) => region::Entity::find_by_id(r).one(&app.db).await?.map(|r| r.code).unwrap_or_default(),
        None => String::new(),
    };
    Ok(OrgEdit {
        name: found.name,
        kind: found.kind,
        sector_code,
        region_code,
        basis: found.basis,
        founded_on: if found.founded_on == UNKNOWN_FOUNDING { String::new() } else { found.founded_on.to_string() },
    })
}

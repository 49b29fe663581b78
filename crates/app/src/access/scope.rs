//! The one enforcement point for data scope: every use-case asks here whether the actor may act on
//! an org (and so on everything that belongs to it), and every list filters through here.

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, PersonId};
use qingtuan_domain::permission::Permission;
use qingtuan_entity::{org, org_closure, person, position};
use sea_orm::sea_query::{Expr, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::error::AppResult;
use crate::{Actor, App, AppError};

/// A condition on `column` (an org id) that holds exactly for the orgs in the actor's scope.
pub fn org_condition(actor: &Actor, permission: Permission, column: impl ColumnTrait) -> SimpleExpr {
    match actor.scope_roots(permission) {
        None => Expr::value(true),
        Some(roots) if roots.is_empty() => Expr::value(false),
        Some(roots) => column.in_subquery(
            Query::select()
                .column(org_closure::Column::DescendantId)
                .from(org_closure::Entity)
                .and_where(org_closure::Column::AncestorId.is_in(roots.into_iter().map(|r| r.0)))
                .take(),
        ),
    }
}

/// Does the actor hold `permission` over `org`?
pub async fn covers<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    permission: Permission,
    org: OrgId,
) -> AppResult<bool> {
    let Some(roots) = actor.scope_roots(permission) else { return Ok(true) };
    if roots.is_empty() {
        return Ok(false);
    }
    let hits = org_closure::Entity::find()
        .filter(org_closure::Column::DescendantId.eq(org.0))
        .filter(org_closure::Column::AncestorId.is_in(roots.into_iter().map(|r| r.0)))
        .count(conn)
        .await?;
    Ok(hits > 0)
}

/// Does the actor hold `permission` over the whole tree (at a root org)? Needed for what is not
/// part of any subtree: role definitions, security events of unknown users.
pub async fn covers_everything<C: ConnectionTrait>(conn: &C, actor: &Actor, permission: Permission) -> AppResult<bool> {
    let Some(roots) = actor.scope_roots(permission) else { return Ok(true) };
    if roots.is_empty() {
        return Ok(false);
    }
    let root_grants = org::Entity::find()
        .filter(org::Column::Id.is_in(roots.into_iter().map(|r| r.0)))
        .filter(org::Column::ParentId.is_null())
        .count(conn)
        .await?;
    Ok(root_grants > 0)
}

/// Proof that the actor holds `permission` over `value`: only this module makes one, after the
/// check. Use-cases that write, unmask or export take it as an argument, so they cannot act on an
/// object nobody checked; the audit row's scope comes from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InScope<T> {
    value: T,
    permission: Permission,
}

impl<T: Copy> InScope<T> {
    pub fn get(&self) -> T {
        self.value
    }

    pub fn permission(&self) -> Permission {
        self.permission
    }
}

/// Fails (403, audited) unless the actor holds `permission` over the whole tree (at its root):
/// for what belongs to no subtree — role definitions, the sector dictionary, regions,
/// district-wide settings.
pub async fn require_everywhere(
    app: &App,
    actor: &Actor,
    permission: Permission,
    object: (ObjectKind, Option<String>),
) -> AppResult<()> {
    if covers_everything(&app.db, actor, permission).await? {
        return Ok(());
    }
    deny(app, actor, permission, object.0, object.1, AppError::Forbidden).await
}

/// Fails unless the actor holds `permission` somewhere; records the denial.
pub async fn require_somewhere(app: &App, actor: &Actor, permission: Permission) -> AppResult<()> {
    if actor.can_somewhere(permission) {
        return Ok(());
    }
    deny(app, actor, permission, ObjectKind::Page, None, AppError::Forbidden).await
}

/// The proof that the actor holds `permission` over `org`, or `None` — nothing audited: for a
/// batch, which reports an org outside the scope as a problem of its row.
pub async fn checked<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    permission: Permission,
    org: OrgId,
) -> AppResult<Option<InScope<OrgId>>> {
    Ok(covers(conn, actor, permission, org).await?.then_some(InScope { value: org, permission }))
}

/// The org a form or spreadsheet row names by code, with the proof that the actor holds
/// `permission` over it — or that row's problem on `org_code`: the code is unknown, or the org
/// (`what`, as the form calls it) lies outside the scope. Nothing is audited: a batch reports an
/// org outside the scope as a row's problem; a form has already answered 404 through
/// `org_by_code`.
pub async fn org_in_row<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    permission: Permission,
    code: &str,
    what: &str,
) -> AppResult<Result<(org::Model, InScope<OrgId>), qingtuan_domain::FieldError>> {
    let found = match named(conn, actor, permission, "org_code", code).await? {
        Ok(found) => found,
        Err(problem) => return Ok(Err(problem)),
    };
    Ok(match checked(conn, actor, permission, OrgId(found.id)).await? {
        Some(proof) => Ok((found, proof)),
        None => Err(qingtuan_domain::FieldError::new("org_code", format!("{what}不在您的数据范围内"))),
    })
}

/// The org a form's text names — its code, or the exact name of one active org of the actor's
/// scope — or the field's problem: a partial name, pinyin initials or a name several orgs bear
/// get their matches named back with their codes (the search step of a picker without a
/// script), never taken on a guess; no match is "not found". Only orgs of the scope are ever
/// named; a code outside it is found, for the caller's check.
pub(crate) async fn named<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    permission: Permission,
    field: &'static str,
    text: &str,
) -> AppResult<Result<org::Model, qingtuan_domain::FieldError>> {
    use crate::tree::Named;
    let text = text.trim();
    let within = Condition::all().add(org_condition(actor, permission, org::Column::Id));
    Ok(match crate::tree::find_named(conn, within, text).await? {
        Named::One(found) => Ok(*found),
        Named::None if text.is_empty() => {
            Err(qingtuan_domain::FieldError::new(field, "请填写组织（名称、代码或拼音首字母）"))
        }
        Named::None => Err(qingtuan_domain::FieldError::new(
            field,
            format!("没有找到组织“{text}”：请核对名称或代码（须在您的数据范围内）"),
        )),
        Named::Several(several) => {
            let listed: Vec<String> = several.iter().map(|o| format!("{}（代码 {}）", o.name, o.code)).collect();
            let more = if several.len() == crate::tree::NAMED_BACK { "等" } else { "" };
            let message = match several.as_slice() {
                [one] => format!("“{text}”是指{}（代码 {}）吗？请填写其代码或完整名称", one.name, one.code),
                _ => format!("“{text}”对应多个组织：{}{more}，请填写其中一个的代码或从建议中选择", listed.join("、")),
            };
            Err(qingtuan_domain::FieldError::new(field, message))
        }
    })
}

/// Fails unless the actor holds `permission` over `org`. Outside the scope the object is reported
/// as missing (404), so a probe learns nothing about what exists elsewhere.
pub async fn require(
    app: &App,
    actor: &Actor,
    permission: Permission,
    object: (ObjectKind, String),
    org: OrgId,
) -> AppResult<InScope<OrgId>> {
    if covers(&app.db, actor, permission, org).await? {
        return Ok(InScope { value: org, permission });
    }
    // A partner's account holding the permission over its partner probes like staff: 404.
    let holds = actor.can_somewhere(permission) || actor.partner_with(permission).is_some();
    let answer = if holds { AppError::NotFound } else { AppError::Forbidden };
    deny(app, actor, permission, object.0, Some(object.1), answer).await
}

/// The org a form's text names (its code, or a name only one org of the scope matches), if the
/// actor holds `permission` over it: a text naming none or several is the field's error
/// (`org_code`), a code outside the scope is missing (404, audited).
pub async fn org_by_code(app: &App, actor: &Actor, permission: Permission, text: &str) -> AppResult<InScope<OrgId>> {
    org_in_field(app, actor, permission, "org_code", text).await
}

/// The org a form's text names (see `named`), or the field's error; the caller checks the scope.
pub(crate) async fn org_named<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    permission: Permission,
    field: &'static str,
    text: &str,
) -> AppResult<org::Model> {
    Ok(named(conn, actor, permission, field, text).await?.map_err(|e| qingtuan_domain::Invalid(vec![e]))?)
}

/// `org_by_code` for a form field of another name.
pub async fn org_in_field(
    app: &App,
    actor: &Actor,
    permission: Permission,
    field: &'static str,
    text: &str,
) -> AppResult<InScope<OrgId>> {
    let found = org_named(&app.db, actor, permission, field, text).await?;
    require(app, actor, permission, (ObjectKind::Org, found.id.to_string()), OrgId(found.id)).await
}

/// The org a filter's text names (as `org_by_code`) and every org below it, as a subquery for a
/// list's "this org and below" filter, if the actor holds `permission` over it: a text naming
/// none, several, or an org outside the scope is missing (404; audited when outside) — a filter
/// must not tell which orgs exist elsewhere.
pub async fn subtree(app: &App, actor: &Actor, permission: Permission, text: &str) -> AppResult<SelectStatement> {
    let org = named(&app.db, actor, permission, "org", text).await?.map_err(|_| AppError::NotFound)?;
    require(app, actor, permission, (ObjectKind::Org, org.id.to_string()), OrgId(org.id)).await?;
    Ok(Query::select()
        .column(org_closure::Column::DescendantId)
        .from(org_closure::Entity)
        .and_where(org_closure::Column::AncestorId.eq(org.id))
        .take())
}

/// The people over whom the actor holds `permission`, as a condition on `people`: those who hold
/// or held a post in an org of the actor's scope (everyone, for a grant at the root).
pub async fn people_condition(app: &App, actor: &Actor, permission: Permission) -> AppResult<Condition> {
    if covers_everything(&app.db, actor, permission).await? {
        return Ok(Condition::all());
    }
    let in_scope = Query::select()
        .column(position::Column::PersonId)
        .from(position::Entity)
        .and_where(org_condition(actor, permission, position::Column::OrgId))
        .take();
    Ok(Condition::all().add(person::Column::Id.in_subquery(in_scope)))
}

/// Fails unless the actor holds `permission` over the person: someone the actor may read is
/// forbidden (403), someone else is missing (404) — a probe learns nothing of people outside the
/// scope; both audited.
pub async fn require_person(
    app: &App,
    actor: &Actor,
    permission: Permission,
    person: PersonId,
) -> AppResult<InScope<PersonId>> {
    let id = person.0;
    let cond = people_condition(app, actor, permission).await?;
    if person::Entity::find_by_id(id).filter(cond).count(&app.db).await? == 0 {
        let read =
            Permission::new(qingtuan_domain::permission::Module::People, qingtuan_domain::permission::Action::Read);
        let readable = actor.can_somewhere(read)
            && person::Entity::find_by_id(id).filter(people_condition(app, actor, read).await?).count(&app.db).await?
                > 0;
        let answer =
            if readable || !actor.can_somewhere(permission) { AppError::Forbidden } else { AppError::NotFound };
        return deny(app, actor, permission, ObjectKind::Person, Some(id.to_string()), answer).await;
    }
    Ok(InScope { value: person, permission })
}

/// Proofs over those of `ids` over whom the actor holds `permission`; the others are left out.
pub async fn people_among(
    app: &App,
    actor: &Actor,
    permission: Permission,
    ids: &[i64],
) -> AppResult<Vec<InScope<PersonId>>> {
    let cond = people_condition(app, actor, permission).await?;
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let found: Vec<i64> = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .filter(cond.clone())
            .filter(person::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&app.db)
            .await?;
        out.extend(found.into_iter().map(|id| InScope { value: PersonId(id), permission }));
    }
    Ok(out)
}

/// Records a denied attempt and returns `answer` as the error.
pub async fn deny<T>(
    app: &App,
    actor: &Actor,
    permission: Permission,
    kind: ObjectKind,
    object_id: Option<String>,
    answer: AppError,
) -> AppResult<T> {
    let mut entry = Entry::new(AuditAction::AccessDenied, kind).after(json!({ "permission": permission.code() }));
    if let Some(id) = object_id {
        entry = entry.object(id);
    }
    audit::record(app.writer(), app.now(), actor, entry).await?;
    Err(answer)
}

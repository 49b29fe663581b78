//! Children's records (《儿童个人信息网络保护规定》第15条): a person under 14 on today's date is
//! shown with the name masked and the birth date, ID number and phone withheld — in the people
//! list, detail pages, exports, the duplicates page, staff and team lists and pending hours —
//! unless the viewer holds a standing approval over a part of the tree where the child holds or
//! held a post (an approval over the whole tree covers every child). Approvals are granted by a
//! user holding `people.approve` over that part of the tree, never to themselves, for a reason
//! and until a last day, and can be revoked. Every view that shows a child in full is audited
//! with the children's ids.

use std::collections::HashSet;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{MinorApprovalId, OrgId};
use qingtuan_domain::mask::mask_middle;
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::person::is_minor_on;
use qingtuan_domain::time::{format_local, local_date};
use qingtuan_domain::username::Username;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{minor_access_approval as approval, org_closure, position, user};
use sea_orm::sea_query::Query;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::registry::people::PersonRow;
use crate::{Actor, App, AppError};

pub const APPROVE: Permission = Permission::new(Module::People, Action::Approve);

/// What withheld fields show instead.
pub const WITHHELD: &str = "需审批";

/// The longest an approval may run.
const MAX_DAYS: i64 = 366;

/// An approval as typed in the form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewApproval {
    pub username: String,
    pub scope_code: String,
    pub expires_on: String,
    pub reason: String,
}

/// Grants `form.username` a standing approval over `form.scope_code`'s subtree.
pub async fn grant(app: &App, actor: &Actor, form: &NewApproval) -> AppResult<MinorApprovalId> {
    scope::require_somewhere(app, actor, APPROVE).await?;
    let today = local_date(app.now());
    let mut problems = Vec::new();
    let grantee = match Username::parse(&form.username) {
        Ok(name) => user::Entity::find().filter(user::Column::Username.eq(name.as_str())).one(&app.db).await?,
        Err(_) => None,
    };
    match &grantee {
        None => problems.push(FieldError { field: "username", message: "没有这个用户".into() }),
        Some(u) if actor.user_id().is_some_and(|me| me.0 == u.id) => {
            problems.push(FieldError { field: "username", message: "不能为自己审批".into() })
        }
        Some(_) => {}
    }
    let scope_org = scope::named(&app.db, actor, APPROVE, "scope_code", &form.scope_code).await?.ok();
    match &scope_org {
        Some(o) if scope::covers(&app.db, actor, APPROVE, OrgId(o.id)).await? => {}
        _ => problems.push(FieldError {
            field: "scope_code", message: "组织代码不存在或不在您的审批范围内".into()
        }),
    }
    let expires_on = match crate::forms::parse_date("expires_on", &form.expires_on) {
        Ok(Some(d)) if d > today && (d - today).num_days() <= MAX_DAYS => Some(d),
        Ok(Some(_)) => {
            problems.push(FieldError {
                field: "expires_on", message: "截止日期应在今天之后、一年之内".into()
            });
            None
        }
        Ok(None) => {
            problems.push(FieldError { field: "expires_on", message: "请填写截止日期".into() });
            None
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        problems.push(FieldError { field: "reason", message: "请填写用途（200 字以内）".into() });
    }
    let (Some(grantee), Some(scope_org), Some(expires_on), true) =
        (grantee, scope_org, expires_on, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };
    let now = app.now();
    let txn = app.begin().await?;
    let created = approval::ActiveModel {
        user_id: Set(grantee.id),
        scope_org_id: Set(scope_org.id),
        reason: Set(reason.to_owned()),
        approved_by: Set(actor.user_id().map(|u| u.0)),
        approved_at: Set(now),
        expires_on: Set(expires_on),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::MinorAccessApproved, ObjectKind::User)
        .object(grantee.id)
        .scope(OrgId(scope_org.id))
        .after(
            json!({ "user": grantee.username, "scope": scope_org.code, "expires_on": expires_on, "reason": reason }),
        );
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(MinorApprovalId(created.id))
}

/// Revokes an approval the actor could have granted.
pub async fn revoke(app: &App, actor: &Actor, MinorApprovalId(id): MinorApprovalId) -> AppResult<()> {
    let found = approval::Entity::find_by_id(id).one(&app.db).await?;
    let org = found.as_ref().map_or(OrgId(0), |a| OrgId(a.scope_org_id));
    let proof = scope::require(app, actor, APPROVE, (ObjectKind::User, id.to_string()), org).await?;
    let found = found.ok_or(AppError::NotFound)?;
    if found.revoked_at.is_some() {
        return Ok(());
    }
    let now = app.now();
    let txn = app.begin().await?;
    let user_id = found.user_id;
    let mut active: approval::ActiveModel = found.into();
    active.revoked_at = Set(Some(now));
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::MinorAccessRevoked, ObjectKind::User)
        .object(user_id)
        .within(&proof)
        .after(json!({ "approval": id }));
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct ApprovalView {
    pub id: MinorApprovalId,
    pub username: String,
    pub scope: String,
    pub reason: String,
    pub approved_by: String,
    pub approved_at: String,
    pub expires_on: NaiveDate,
    /// 有效, 已过期 or 已撤销.
    pub status: &'static str,
    pub active: bool,
}

/// The approvals over orgs in the actor's approval scope, newest first.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<ApprovalView>> {
    scope::require_somewhere(app, actor, APPROVE).await?;
    let found = approval::Entity::find()
        .filter(scope::org_condition(actor, APPROVE, approval::Column::ScopeOrgId))
        .order_by_desc(approval::Column::Id)
        .all(&app.db)
        .await?;
    let user_ids: Vec<i64> = found.iter().flat_map(|a| [Some(a.user_id), a.approved_by]).flatten().collect();
    let users: std::collections::HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|u| (u.id, format!("{}（{}）", u.display_name, u.username)))
        .collect();
    let orgs = crate::tree::names(&app.db, found.iter().map(|a| a.scope_org_id).collect()).await?;
    let today = local_date(app.now());
    Ok(found
        .into_iter()
        .map(|a| {
            let (status, active) = match (a.revoked_at, a.expires_on >= today) {
                (Some(_), _) => ("已撤销", false),
                (None, false) => ("已过期", false),
                (None, true) => ("有效", true),
            };
            ApprovalView {
                id: MinorApprovalId(a.id),
                username: users.get(&a.user_id).cloned().unwrap_or_default(),
                scope: orgs.get(&a.scope_org_id).cloned().unwrap_or_default(),
                reason: a.reason,
                approved_by: a.approved_by.and_then(|u| users.get(&u).cloned()).unwrap_or_else(|| "系统".into()),
                approved_at: format_local(a.approved_at),
                expires_on: a.expires_on,
                status,
                active,
            }
        })
        .collect())
}

/// Which of `people` the actor may currently see in full: those holding or having held a post in
/// the subtree of one of the actor's unexpired (the expiry date is the last day), unrevoked
/// approvals (all of them when one is over the whole tree). The system actor sees everyone.
async fn approved_for(app: &App, actor: &Actor, people: &[i64]) -> AppResult<HashSet<i64>> {
    let scopes = match approved_scopes(app, actor).await? {
        Approved::Everyone => return Ok(people.iter().copied().collect()),
        Approved::Nobody => return Ok(HashSet::new()),
        Approved::Subtrees(scopes) => scopes,
    };
    let subtrees = subtrees_of(scopes);
    let mut covered = HashSet::new();
    for chunk in people.chunks(1000) {
        let found: Vec<i64> = position::Entity::find()
            .select_only()
            .column(position::Column::PersonId)
            .filter(position::Column::PersonId.is_in(chunk.to_vec()))
            .filter(position::Column::OrgId.in_subquery(subtrees.clone()))
            .into_tuple()
            .all(&app.db)
            .await?;
        covered.extend(found);
    }
    Ok(covered)
}

/// Whether the actor may see in full the children of `org`'s records (hope cabins, which are not
/// posts): an unexpired, unrevoked approval over a part of the tree holding the org.
pub(crate) async fn approved_over(app: &App, actor: &Actor, org: OrgId) -> AppResult<bool> {
    Ok(match approved_scopes(app, actor).await? {
        Approved::Everyone => true,
        Approved::Nobody => false,
        Approved::Subtrees(scopes) => {
            use sea_orm::PaginatorTrait;
            org_closure::Entity::find()
                .filter(org_closure::Column::DescendantId.eq(org.0))
                .filter(org_closure::Column::AncestorId.is_in(scopes))
                .count(&app.db)
                .await?
                > 0
        }
    })
}

/// The orgs in the subtrees of `scopes`, as a subquery.
fn subtrees_of(scopes: Vec<i64>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(org_closure::Column::DescendantId)
        .from(org_closure::Entity)
        .and_where(org_closure::Column::AncestorId.is_in(scopes))
        .take()
}

/// Whose children an actor may see in full.
enum Approved {
    Everyone,
    Nobody,
    /// Those with a post in these orgs' subtrees.
    Subtrees(Vec<i64>),
}

/// The actor's unexpired (the expiry date is the last day), unrevoked approvals.
async fn approved_scopes(app: &App, actor: &Actor) -> AppResult<Approved> {
    let Some(me) = actor.user_id() else {
        return Ok(if actor.is_system() { Approved::Everyone } else { Approved::Nobody });
    };
    let today = local_date(app.now());
    let scopes: Vec<i64> = approval::Entity::find()
        .select_only()
        .column(approval::Column::ScopeOrgId)
        .filter(approval::Column::UserId.eq(me.0))
        .filter(approval::Column::RevokedAt.is_null())
        .filter(approval::Column::ExpiresOn.gte(today))
        .into_tuple()
        .all(&app.db)
        .await?;
    if scopes.is_empty() {
        return Ok(Approved::Nobody);
    }
    for scope_org in &scopes {
        if crate::tree::is_whole_tree(&app.db, OrgId(*scope_org)).await? {
            return Ok(Approved::Everyone);
        }
    }
    Ok(Approved::Subtrees(scopes))
}

/// The people a name search may match for the actor: adults, people without a birth date, and
/// children the actor may see in full — a child whose name is masked is not found by a guessed
/// full name.
pub(crate) async fn name_searchable(app: &App, actor: &Actor) -> AppResult<sea_orm::Condition> {
    use qingtuan_entity::person;
    use sea_orm::Condition;
    let scopes = match approved_scopes(app, actor).await? {
        Approved::Everyone => return Ok(Condition::all()),
        Approved::Nobody => Vec::new(),
        Approved::Subtrees(scopes) => scopes,
    };
    // The latest birth date that is not a child's today, by the domain's own rule.
    let today = local_date(app.now());
    let mut grown = today.checked_sub_months(chrono::Months::new(14 * 12)).unwrap_or(today);
    while is_minor_on(grown, today) {
        grown = grown.pred_opt().unwrap_or(grown);
    }
    while let Some(next) = grown.succ_opt().filter(|d| !is_minor_on(*d, today)) {
        grown = next;
    }
    let mut searchable =
        Condition::any().add(person::Column::BirthOn.is_null()).add(person::Column::BirthOn.lte(grown));
    if !scopes.is_empty() {
        let posted = Query::select()
            .column(position::Column::PersonId)
            .from(position::Entity)
            .and_where(position::Column::OrgId.in_subquery(subtrees_of(scopes)))
            .take();
        searchable = searchable.add(person::Column::Id.in_subquery(posted));
    }
    Ok(searchable)
}

/// The children among `people` (id, birth date) and whether each is shown in full to the actor
/// (`true`) or withheld; audits the children shown in full, naming the `view` (list, detail…) —
/// `None` when the same request has audited them already.
pub(crate) async fn children(
    app: &App,
    actor: &Actor,
    people: impl Iterator<Item = (i64, Option<NaiveDate>)>,
    view: Option<&str>,
) -> AppResult<std::collections::HashMap<i64, bool>> {
    let today = local_date(app.now());
    let mut children: Vec<i64> =
        people.filter(|(_, b)| b.is_some_and(|b| is_minor_on(b, today))).map(|(id, _)| id).collect();
    children.sort_unstable();
    children.dedup();
    if children.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let approved = approved_for(app, actor, &children).await?;
    let shown: Vec<i64> = children.iter().copied().filter(|id| approved.contains(id)).collect();
    if let Some(view) = view
        && !shown.is_empty()
        && !actor.is_system()
    {
        let mut entry =
            Entry::new(AuditAction::MinorAccessed, ObjectKind::Person).after(json!({ "view": view, "people": shown }));
        if let [one] = shown.as_slice() {
            entry = entry.object(*one);
        }
        audit::record(app.writer(), app.now(), actor, entry).await?;
    }
    Ok(children.into_iter().map(|id| (id, approved.contains(&id))).collect())
}

/// A child's name as shown without an approval.
pub fn masked_name(name: &str) -> String {
    mask_middle(name, 1, 0)
}

/// Marks the children among `rows` and withholds those the actor has no approval for (see
/// [`children`]).
pub(crate) async fn withhold(app: &App, actor: &Actor, rows: &mut [PersonRow], view: &str) -> AppResult<()> {
    let children = children(app, actor, rows.iter().map(|r| (r.id.0, r.birth_on)), Some(view)).await?;
    for r in rows.iter_mut() {
        match children.get(&r.id.0) {
            None => {}
            Some(true) => r.child = true,
            Some(false) => {
                r.child = true;
                r.withheld = true;
                r.name = masked_name(&r.name);
                r.birth_on = None;
                r.id_number = WITHHELD.into();
                r.phone = WITHHELD.into();
            }
        }
    }
    Ok(())
}

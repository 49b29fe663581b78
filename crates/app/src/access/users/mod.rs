//! Accounts: create, list, disable, reset passwords, end sessions, assign and revoke scoped roles.
//! An account belongs to an org; whoever may write users over that org may manage it. Nobody can
//! grant a role carrying a permission they do not hold themselves over the role's scope.
//! A partner's account (a bank's, a company's) belongs to the org that registered the partner, for
//! its management, but holds its roles — roles made for partners — over the partner alone.

mod grants;

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{AssignmentId, OrgId, PartnerId, UserId};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::time::format_local;
use qingtuan_domain::username::Username;
use qingtuan_domain::{Invalid, password};
use qingtuan_entity::{api_token, org, partner, role, role_permission, session, user, user_role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::crypto::{hash_password, one_time_password};
use crate::error::AppResult;
use crate::export::Exported;
use crate::page::{PER_PAGE, Page, page_number};
use crate::{Actor, App, AppError};
use grants::{grantable, permissions_over};

pub use grants::{NewAssignment, assign_role, revoke_role};

pub const READ: Permission = Permission::new(Module::Users, Action::Read);
pub const WRITE: Permission = Permission::new(Module::Users, Action::Write);
pub const EXPORT: Permission = Permission::new(Module::Users, Action::Export);

#[derive(Debug, Clone, serde::Serialize)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub org_id: OrgId,
    pub org_name: String,
    /// The partner whose account it is.
    pub partner_name: Option<String>,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created_local: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AssignmentView {
    pub id: AssignmentId,
    pub role_code: String,
    pub role_name: String,
    pub scope_org_code: String,
    pub scope_org_name: String,
    /// The viewer may take this role away (administers the account and holds `users.write` over
    /// the role's scope).
    pub revocable: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct UserDetail {
    pub user: UserRow,
    pub assignments: Vec<AssignmentView>,
    pub active_sessions: u64,
    pub active_tokens: u64,
    /// The account logs in with a second factor.
    pub second_factor: bool,
    /// The viewer may reset, disable, sign out and change the roles of the account: they hold
    /// `users.write` over its org and everything it holds (the granting rule).
    pub administrable: bool,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    /// Part of the username or display name.
    pub q: Option<String>,
    /// `active` or `disabled`.
    pub status: Option<String>,
    pub page: Option<u64>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role_code: String,
    pub scope_code: String,
    /// A partner's account: the partner's unified social credit code (the scope is then the
    /// partner, and the account belongs to the org that registered it).
    pub partner_code: String,
    /// `None`: a one-time password is generated and must be changed at first login.
    #[serde(skip)]
    pub password: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Created {
    pub id: UserId,
    pub one_time_password: Option<String>,
}

async fn rows(app: &App, users: Vec<user::Model>) -> AppResult<Vec<UserRow>> {
    let org_ids: Vec<i64> = users.iter().map(|u| u.org_id).collect();
    let names = crate::tree::names(&app.db, org_ids).await?;
    let partner_ids: Vec<i64> = users.iter().filter_map(|u| u.partner_id).collect();
    let partners: Vec<(i64, String)> = partner::Entity::find()
        .select_only()
        .column(partner::Column::Id)
        .column(partner::Column::Name)
        .filter(partner::Column::Id.is_in(partner_ids))
        .into_tuple()
        .all(&app.db)
        .await?;
    Ok(users
        .into_iter()
        .map(|u| UserRow {
            org_name: names.get(&u.org_id).cloned().unwrap_or_default(),
            partner_name: u.partner_id.and_then(|p| partners.iter().find(|(id, _)| *id == p).map(|(_, n)| n.clone())),
            id: UserId(u.id),
            username: u.username,
            display_name: u.display_name,
            org_id: OrgId(u.org_id),
            disabled: u.disabled_at.is_some(),
            must_change_password: u.must_change_password,
            created_local: format_local(u.created_at),
        })
        .collect())
}

pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<UserRow>> {
    scope::require_somewhere(app, actor, READ).await?;
    let mut cond = Condition::all().add(scope::org_condition(actor, READ, user::Column::OrgId));
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        cond = cond.add(
            Condition::any()
                .add(user::Column::Username.contains(q.to_lowercase()))
                .add(user::Column::DisplayName.contains(q)),
        );
    }
    match filter.status.as_deref() {
        Some("active") => cond = cond.add(user::Column::DisabledAt.is_null()),
        Some("disabled") => cond = cond.add(user::Column::DisabledAt.is_not_null()),
        _ => {}
    }
    let page = page_number(filter.page);
    let query = user::Entity::find().filter(cond);
    let total = query.clone().count(&app.db).await?;
    let found =
        query.order_by_asc(user::Column::Username).offset((page - 1) * PER_PAGE).limit(PER_PAGE).all(&app.db).await?;
    Ok(Page { items: rows(app, found).await?, total, page, per_page: PER_PAGE, capped: false })
}

/// The account, if the actor holds `permission` over its org; otherwise 404.
async fn find_in_scope(
    app: &App,
    actor: &Actor,
    permission: Permission,
    id: UserId,
) -> AppResult<(user::Model, InScope<OrgId>)> {
    let found = user::Entity::find_by_id(id.0).one(&app.db).await?;
    let org = found.as_ref().map_or(OrgId(0), |u| OrgId(u.org_id));
    let proof = scope::require(app, actor, permission, (ObjectKind::User, id.to_string()), org).await?;
    Ok((found.ok_or(AppError::NotFound)?, proof))
}

/// The account, if the actor may administer it: `users.write` over its org, and over every scope
/// where it holds a role, every permission of that role — the rule for granting the role. So
/// nobody resets, disables, signs out or changes the roles of an account that holds more than
/// they do (a street admin cannot take over a district admin whose home org is in the street).
/// With the account comes the proof over its org, which the change's audit row is scoped within.
pub(super) async fn find_to_administer(
    app: &App,
    actor: &Actor,
    id: UserId,
) -> AppResult<(user::Model, InScope<OrgId>)> {
    let (account, proof) = find_in_scope(app, actor, WRITE, id).await?;
    if !holds_all_of(app, actor, account.id).await? {
        return scope::deny(app, actor, WRITE, ObjectKind::User, Some(id.to_string()), AppError::Forbidden).await;
    }
    Ok((account, proof))
}

/// Does the actor hold, over every scope where the account holds a role, all of that role's
/// permissions?
async fn holds_all_of(app: &App, actor: &Actor, account_id: i64) -> AppResult<bool> {
    for held in user_role::Entity::find().filter(user_role::Column::UserId.eq(account_id)).all(&app.db).await? {
        let Some(mine) = permissions_over(app, actor, OrgId(held.scope_org_id)).await? else { continue };
        let theirs = role_permission::Entity::find()
            .filter(role_permission::Column::RoleId.eq(held.role_id))
            .all(&app.db)
            .await?;
        if theirs.iter().filter_map(|p| Permission::parse(&p.permission).ok()).any(|p| !mine.contains(&p)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The accounts of a partner, if the actor holds `users.read` over the org that registered it
/// (`None`: not for this viewer).
pub async fn of_partner(app: &App, actor: &Actor, partner_id: PartnerId) -> AppResult<Option<Vec<UserRow>>> {
    let Some(p) = partner::Entity::find_by_id(partner_id.0).one(&app.db).await? else { return Ok(None) };
    if !scope::covers(&app.db, actor, READ, OrgId(p.org_id)).await? {
        return Ok(None);
    }
    let found = user::Entity::find()
        .filter(user::Column::PartnerId.eq(p.id))
        .order_by_asc(user::Column::Username)
        .all(&app.db)
        .await?;
    Ok(Some(rows(app, found).await?))
}

/// The id of the account with this login name (normalised as at login), if any.
pub async fn id_by_username(app: &App, raw: &str) -> AppResult<Option<UserId>> {
    let Ok(name) = Username::parse(raw) else { return Ok(None) };
    let found = user::Entity::find().filter(user::Column::Username.eq(name.as_str())).one(&app.db).await?;
    Ok(found.map(|u| UserId(u.id)))
}

pub async fn show(app: &App, actor: &Actor, id: UserId) -> AppResult<UserDetail> {
    let (account, _) = find_in_scope(app, actor, READ, id).await?;
    let administrable = scope::covers(&app.db, actor, WRITE, OrgId(account.org_id)).await?
        && holds_all_of(app, actor, account.id).await?;
    let assignments = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(account.id))
        .order_by_asc(user_role::Column::Id)
        .all(&app.db)
        .await?;
    let roles = role::Entity::find().all(&app.db).await?;
    let scope_ids: Vec<i64> = assignments.iter().map(|a| a.scope_org_id).collect();
    let orgs = org::Entity::find().filter(org::Column::Id.is_in(scope_ids)).all(&app.db).await?;
    let partner_name = match account.partner_id {
        Some(p) => partner::Entity::find_by_id(p).one(&app.db).await?.map(|p| p.name),
        None => None,
    };
    let mut views = Vec::with_capacity(assignments.len());
    for a in assignments {
        let (Some(r), Some(o)) =
            (roles.iter().find(|r| r.id == a.role_id), orgs.iter().find(|o| o.id == a.scope_org_id))
        else {
            continue;
        };
        views.push(AssignmentView {
            id: AssignmentId(a.id),
            role_code: r.code.clone(),
            role_name: r.name.clone(),
            scope_org_code: o.code.clone(),
            scope_org_name: partner_name.clone().unwrap_or_else(|| o.name.clone()),
            revocable: administrable && scope::covers(&app.db, actor, WRITE, OrgId(o.id)).await?,
        });
    }
    let assignments = views;
    let active_sessions = session::Entity::find().filter(session::Column::UserId.eq(account.id)).count(&app.db).await?;
    let active_tokens = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(account.id))
        .filter(api_token::Column::RevokedAt.is_null())
        .count(&app.db)
        .await?;
    let second_factor = crate::access::second_factor::is_enrolled(&account);
    let user = rows(app, vec![account]).await?.into_iter().next().ok_or(AppError::NotFound)?;
    Ok(UserDetail { user, assignments, active_sessions, active_tokens, second_factor, administrable })
}

fn parse_display_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(Invalid::one("display_name", "姓名不能为空，且不超过 50 个字"));
    }
    Ok(name.to_owned())
}

/// The roles a new account may be given, for the form that creates one (`users.write` somewhere).
pub async fn new_form(app: &App, actor: &Actor) -> AppResult<Vec<crate::access::roles::RoleView>> {
    scope::require_somewhere(app, actor, WRITE).await?;
    crate::access::roles::offered(app, actor, false).await
}

pub async fn create(app: &App, actor: &Actor, form: &NewUser) -> AppResult<Created> {
    let mut problems = Vec::new();
    let username = Username::parse(&form.username).map_err(|e| problems.extend(e.0)).ok();
    let display_name = parse_display_name(&form.display_name).map_err(|e| problems.extend(e.0)).ok();
    if let (Some(name), Some(pw)) = (&username, &form.password)
        && let Err(e) = password::validate(pw, &[name.as_str(), &form.display_name])
    {
        problems.extend(e.0);
    }
    let partner = if form.partner_code.trim().is_empty() {
        None
    } else {
        let found = crate::tree::partner_by_credit_code(&app.db, &form.partner_code).await?;
        if found.is_none() {
            let message = format!("统一社会信用代码“{}”不是已登记的合作伙伴", form.partner_code.trim());
            return Err(Invalid::one("partner_code", message).into());
        }
        found
    };
    let scope_code = match &partner {
        Some(p) => org::Entity::find_by_id(p.org_id).one(&app.db).await?.map(|o| o.code).unwrap_or_default(),
        None => form.scope_code.clone(),
    };
    let assignment = grantable(app, actor, &form.role_code, &scope_code, partner.is_some()).await;
    let assignment = match assignment {
        Ok(a) => Some(a),
        Err(AppError::Invalid(e)) => {
            problems.extend(e.0);
            None
        }
        Err(other) => return Err(other),
    };
    let (Some(username), Some(display_name), Some((role, scope_org)), true) =
        (username, display_name, assignment, problems.is_empty())
    else {
        return Err(Invalid(problems).into());
    };

    let (password, one_time) = match &form.password {
        Some(p) => (p.clone(), None),
        None => {
            let p = one_time_password();
            (p.clone(), Some(p))
        }
    };
    let hash = hash_password(&password).await?;
    let now = app.now();
    let txn = app.begin().await?;
    let created = user::ActiveModel {
        username: Set(username.as_str().to_owned()),
        display_name: Set(display_name.clone()),
        org_id: Set(scope_org.id),
        partner_id: Set(partner.as_ref().map(|p| p.id)),
        password_hash: Set(hash),
        must_change_password: Set(one_time.is_some()),
        password_changed_at: Set(now),
        disabled_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| AppError::on_unique(e, "username", "该用户名已被使用"))?;
    user_role::ActiveModel {
        user_id: Set(created.id),
        role_id: Set(role.id),
        scope_org_id: Set(scope_org.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let after = json!({
        "username": username.as_str(), "display_name": display_name,
        "role": role.code, "scope": scope_org.code, "partner": partner.as_ref().map(|p| &p.credit_code),
    });
    let entry = Entry::new(AuditAction::UserCreated, ObjectKind::User)
        .object(created.id)
        .scope(OrgId(scope_org.id))
        .after(after);
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(Created { id: UserId(created.id), one_time_password: one_time })
}

/// Disables or re-enables an account. Disabling ends its sessions at once.
pub async fn set_disabled(app: &App, actor: &Actor, id: UserId, disabled: bool) -> AppResult<()> {
    let (account, proof) = find_to_administer(app, actor, id).await?;
    if disabled && actor.user_id() == Some(id) {
        return Err(Invalid::one("user", "不能停用自己的账户").into());
    }
    let now = app.now();
    let txn = app.begin().await?;
    let before = json!({ "disabled": account.disabled_at.is_some() });
    let mut active = account.into_active_model();
    active.disabled_at = Set(disabled.then_some(now));
    if !disabled {
        // Re-enabled: its 90 days without a login start again, or it would be dormant at once.
        active.last_login_at = Set(Some(now));
    }
    active.update(&txn).await?;
    if disabled {
        crate::access::auth::end_access(&txn, id.0, now).await?;
    }
    let action = if disabled { AuditAction::UserDisabled } else { AuditAction::UserEnabled };
    let entry = Entry::new(action, ObjectKind::User)
        .object(id)
        .within(&proof)
        .before(before)
        .after(json!({ "disabled": disabled }));
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Recovers an account on the server itself (`qingtuan user reset`): a new one-time password,
/// its lock-outs lifted (every counter of its name) and, if it was disabled, enabled again — all
/// audited.
pub async fn recover(app: &App, id: UserId) -> AppResult<String> {
    let system = Actor::system();
    let account = user::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    if account.disabled_at.is_some() {
        set_disabled(app, &system, id, false).await?;
    }
    let txn = app.begin().await?;
    qingtuan_entity::login_attempt::Entity::delete_many()
        .filter(
            Condition::any()
                .add(qingtuan_entity::login_attempt::Column::Username.eq(account.username.clone()))
                .add(qingtuan_entity::login_attempt::Column::Username.starts_with(format!("{}@", account.username))),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    reset_password(app, &system, id).await
}

/// Gives the account a new one-time password (returned once), and ends its sessions.
pub async fn reset_password(app: &App, actor: &Actor, id: UserId) -> AppResult<String> {
    let (account, proof) = find_to_administer(app, actor, id).await?;
    let otp = one_time_password();
    let hash = hash_password(&otp).await?;
    let now = app.now();
    let txn = app.begin().await?;
    let mut active = account.into_active_model();
    active.password_hash = Set(hash);
    active.must_change_password = Set(true);
    active.password_changed_at = Set(now);
    active.update(&txn).await?;
    crate::access::auth::end_access(&txn, id.0, now).await?;
    let entry = Entry::new(AuditAction::PasswordReset, ObjectKind::User).object(id).within(&proof);
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(otp)
}

/// Removes the account's second factor (a lost phone and lost recovery codes) and ends its
/// sessions; if a role requires one, the owner enrols a new phone at the next login.
pub async fn reset_second_factor(app: &App, actor: &Actor, id: UserId) -> AppResult<()> {
    let (account, proof) = find_to_administer(app, actor, id).await?;
    let now = app.now();
    let txn = app.begin().await?;
    crate::access::second_factor::clear(&txn, &account).await?;
    crate::access::auth::end_access(&txn, id.0, now).await?;
    let entry = Entry::new(AuditAction::SecondFactorReset, ObjectKind::User).object(id).within(&proof);
    audit::record(&txn, now, actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Ends every session of the account; its next request goes to the login page.
pub async fn end_sessions(app: &App, actor: &Actor, id: UserId) -> AppResult<u64> {
    let (_, proof) = find_to_administer(app, actor, id).await?;
    let txn = app.begin().await?;
    let ended = session::Entity::delete_many().filter(session::Column::UserId.eq(id.0)).exec(&txn).await?.rows_affected;
    let entry = Entry::new(AuditAction::SessionsEnded, ObjectKind::User)
        .object(id)
        .within(&proof)
        .after(json!({ "sessions": ended }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(ended)
}

/// The accounts the filter finds, as an xlsx workbook of text cells; audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let found = list(app, actor, &Filter { page: Some(page), ..filter.clone() }).await?;
        let done = !found.has_next();
        all.extend(found.items);
        crate::export::within_limit(all.len() as u64)?;
        if done {
            break;
        }
        page += 1;
    }
    let header = ["用户名", "姓名", "所属组织", "状态", "创建时间"];
    crate::export::audited(
        app,
        actor,
        Exported::of(ObjectKind::User, json!({})),
        "用户",
        &header,
        all.iter()
            .map(|u| {
                let status = if u.disabled { "已停用" } else { "正常" };
                vec![
                    u.username.clone(),
                    u.display_name.clone(),
                    u.org_name.clone(),
                    status.to_owned(),
                    u.created_local.clone(),
                ]
            })
            .collect(),
    )
    .await
}

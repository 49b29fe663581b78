//! The audit log: written inside the transaction of the change it records, read with filters,
//! exported to xlsx. There is no function here, or anywhere, that changes or deletes a row.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{AuditId, OrgId};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::time::{format_local, start_of_local_day};
use qingtuan_entity::audit_event;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::Value;

use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::page::{PER_PAGE, Page};
use crate::{Actor, App};

/// One audit row about to be written.
#[derive(Debug, Clone)]
pub struct Entry {
    action: AuditAction,
    kind: ObjectKind,
    object_id: Option<String>,
    scope_org: Option<OrgId>,
    before: Option<Value>,
    after: Option<Value>,
}

impl Entry {
    pub fn new(action: AuditAction, kind: ObjectKind) -> Self {
        Self { action, kind, object_id: None, scope_org: None, before: None, after: None }
    }

    pub fn object(mut self, id: impl ToString) -> Self {
        self.object_id = Some(id.to_string());
        self
    }

    /// The org the object belongs to: decides who may read this row.
    pub fn scope(mut self, org: OrgId) -> Self {
        self.scope_org = Some(org);
        self
    }

    /// The org the actor was checked over scopes the row; it is also the object unless one was
    /// named (a letter, a round, an opening… checked over its org).
    pub fn within(mut self, checked: &scope::InScope<OrgId>) -> Self {
        if self.object_id.is_none() {
            self.object_id = Some(checked.get().to_string());
        }
        self.scope(checked.get())
    }

    /// The object before the change; personal data must already be masked.
    pub fn before(mut self, value: Value) -> Self {
        self.before = Some(value);
        self
    }

    /// The object after the change; personal data must already be masked.
    pub fn after(mut self, value: Value) -> Self {
        self.after = Some(value);
        self
    }
}

/// Writes `entry` on `conn`, which is normally the transaction of the change being recorded.
pub async fn record<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>, actor: &Actor, entry: Entry) -> AppResult<()> {
    audit_event::ActiveModel {
        occurred_at: Set(now),
        actor_user_id: Set(actor.user_id().map(|u| u.0)),
        actor_name: Set(actor.name().chars().take(64).collect()),
        action: Set(entry.action.code().to_owned()),
        object_kind: Set(entry.kind.code().to_owned()),
        object_id: Set(entry.object_id),
        scope_org_id: Set(entry.scope_org.map(|o| o.0)),
        before_json: Set(entry.before.map(|v| v.to_string())),
        after_json: Set(entry.after.map(|v| v.to_string())),
        client_addr: Set(actor.client.addr.chars().take(64).collect()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The filters of the audit log page; every field is optional.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Filter {
    /// Part of the actor's username.
    pub actor: Option<String>,
    /// An action code, e.g. `user.create`.
    pub action: Option<String>,
    /// An object kind code, e.g. `user`.
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
    /// Local dates, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only login, logout and lock-out events: the login log.
    #[serde(default)]
    pub logins_only: bool,
    pub page: Option<u64>,
}

/// A row as users read it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub id: AuditId,
    pub occurred_at: DateTime<Utc>,
    pub occurred_local: String,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    pub object_kind: String,
    pub object_kind_label: String,
    pub object_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub client_addr: String,
}

impl From<audit_event::Model> for Row {
    fn from(m: audit_event::Model) -> Self {
        let action = AuditAction::parse(&m.action);
        let kind = ObjectKind::parse(&m.object_kind).ok();
        Self {
            id: AuditId(m.id),
            occurred_local: format_local(m.occurred_at),
            occurred_at: m.occurred_at,
            // The system actor on the command line (the demo, imports, `qingtuan user …`) by a
            // name people read; only a row without a user, written from the command line.
            actor: if m.actor_user_id.is_none() && m.actor_name == "system" && m.client_addr == "cli" {
                "系统（命令行）".into()
            } else {
                m.actor_name
            },
            action_label: action.map_or_else(|| m.action.clone(), |a| a.label().to_owned()),
            action: m.action,
            object_kind_label: kind.map_or_else(|| m.object_kind.clone(), |k| k.label().to_owned()),
            object_kind: m.object_kind,
            object_id: m.object_id,
            before: m.before_json,
            after: m.after_json,
            client_addr: m.client_addr,
        }
    }
}

/// One changed field as people read it: `名称: 旧值 → 新值` (or only the value, for a creation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Row {
    /// The before/after JSON as changed fields in Chinese: every key of either side, labelled,
    /// codes shown by their names; fields equal on both sides are left out. Raw JSON stays in
    /// the export.
    pub fn changes(&self) -> Vec<Change> {
        let parse = |j: &Option<String>| -> serde_json::Map<String, Value> {
            j.as_deref()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
                .and_then(|v| match v {
                    Value::Object(m) => Some(m),
                    _ => None,
                })
                .unwrap_or_default()
        };
        let (before, after) = (parse(&self.before), parse(&self.after));
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.dedup();
        let mut seen = std::collections::HashSet::new();
        keys.retain(|k| seen.insert(*k));
        keys.into_iter()
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| Change {
                field: field_label(k).to_owned(),
                before: before.get(k).map(|v| value_text(k, v)),
                after: after.get(k).map(|v| value_text(k, v)),
            })
            .collect()
    }

    /// Where the change came from: 命令行 for the server's command line, else the client address.
    pub fn source(&self) -> String {
        if self.client_addr == "cli" { "命令行".into() } else { format!("网页/接口（{}）", self.client_addr) }
    }
}

/// The Chinese name of a field of the audit rows' JSON.
fn field_label(key: &str) -> &str {
    match key {
        "name" => "名称",
        "code" => "代码",
        "kind" => "类型",
        "parent" | "parent_code" => "上级组织",
        "sector" | "sector_id" => "领域",
        "region" | "region_id" => "所在区域",
        "basis" => "组建方式",
        "founded_on" => "成立日期",
        "dissolved_on" => "撤销日期",
        "start_on" => "任职日期",
        "end_on" => "离任日期",
        "title" => "职务",
        "employment" => "任职方式",
        "source" => "来源",
        "serving_level" => "挂兼职层级",
        "username" => "用户名",
        "display_name" => "姓名",
        "role" => "角色",
        "scope" => "数据范围",
        "permissions" => "权限",
        "requires_second_factor" => "须两步验证",
        "disabled" => "已停用",
        "sessions" => "会话数",
        "social_domain" => "社会领域",
        "year" => "年份",
        "count" => "人数",
        "reason" => "原因",
        "left" => "剩余恢复码",
        "org" => "组织",
        "person" => "人员",
        "id_number" => "身份证号码",
        "phone" => "手机号码",
        other => other,
    }
}

/// A JSON value as people read it: text unquoted, yes/no, lists joined, codes by their names.
fn value_text(key: &str, value: &Value) -> String {
    use qingtuan_domain::org::OrgKind;
    use qingtuan_domain::position::{CadreSource, Employment, ServingLevel, Title};
    use qingtuan_domain::region::OrgBasis;
    match value {
        Value::Null => "（空）".into(),
        Value::Bool(b) => if *b { "是" } else { "否" }.into(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|v| value_text(key, v)).collect();
            if parts.is_empty() { "（无）".into() } else { parts.join("、") }
        }
        Value::String(s) => {
            let label = match key {
                "kind" => OrgKind::parse(s).ok().map(OrgKind::label),
                "basis" => OrgBasis::parse(s).ok().map(OrgBasis::label),
                "title" => Title::parse(s).ok().map(Title::label),
                "employment" => Employment::parse(s).ok().map(Employment::label),
                "source" => CadreSource::parse(s).ok().map(CadreSource::label),
                "serving_level" => ServingLevel::parse(s).ok().map(ServingLevel::label),
                _ => None,
            };
            match label {
                Some(l) => l.to_owned(),
                None if key == "founded_on" => {
                    s.parse().map_or_else(|_| s.clone(), qingtuan_domain::org::founding_text)
                }
                None if key == "permissions" => permission_label(s),
                None if s.is_empty() => "（空）".into(),
                None => s.clone(),
            }
        }
        other => other.to_string(),
    }
}

/// A permission code (`people.read`) as `人员·查看`.
fn permission_label(code: &str) -> String {
    match Permission::parse(code) {
        Ok(p) => format!("{}·{}", p.module.label(), p.action.label()),
        Err(_) => code.to_owned(),
    }
}

pub const READ: Permission = Permission::new(Module::Audit, Action::Read);
pub const EXPORT: Permission = Permission::new(Module::Audit, Action::Export);

const LOGIN_ACTIONS: [AuditAction; 4] =
    [AuditAction::LoginSucceeded, AuditAction::LoginFailed, AuditAction::AccountLocked, AuditAction::Logout];

async fn condition(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Condition> {
    let read = READ;
    let mut visible = Condition::any().add(scope::org_condition(actor, read, audit_event::Column::ScopeOrgId));
    if scope::covers_everything(&app.db, actor, read).await? {
        visible = visible.add(audit_event::Column::ScopeOrgId.is_null());
    }
    let mut cond = Condition::all().add(visible);
    if let Some(name) = filter.actor.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        cond = cond.add(audit_event::Column::ActorName.contains(name.to_lowercase()));
    }
    if let Some(action) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        cond = cond.add(audit_event::Column::Action.eq(action));
    }
    if filter.logins_only {
        cond = cond.add(audit_event::Column::Action.is_in(LOGIN_ACTIONS.map(AuditAction::code)));
    }
    if let Some(kind) = filter.object_kind.as_deref().filter(|s| !s.is_empty()) {
        cond = cond.add(audit_event::Column::ObjectKind.eq(kind));
    }
    if let Some(id) = filter.object_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        cond = cond.add(audit_event::Column::ObjectId.eq(id));
    }
    if let Some(from) = filter.from {
        cond = cond.add(audit_event::Column::OccurredAt.gte(start_of_local_day(from)));
    }
    if let Some(to) = filter.to {
        cond = cond.add(audit_event::Column::OccurredAt.lt(start_of_local_day(to) + TimeDelta::days(1)));
    }
    Ok(cond)
}

/// One page of the audit log as the actor may see it, newest first.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<Row>> {
    scope::require_somewhere(app, actor, READ).await?;
    let cond = condition(app, actor, filter).await?;
    let page = crate::page::page_number(filter.page);
    let query = audit_event::Entity::find().filter(cond);
    let total = query.clone().count(&app.db).await?;
    let items =
        query.order_by_desc(audit_event::Column::Id).offset((page - 1) * PER_PAGE).limit(PER_PAGE).all(&app.db).await?;
    Ok(Page { items: items.into_iter().map(Row::from).collect(), total, page, per_page: PER_PAGE, capped: false })
}

/// The filtered audit log as an xlsx workbook. Every cell is written as text, so nothing a user
/// typed can become a formula. The export itself is audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    scope::require_somewhere(app, actor, EXPORT).await?;
    scope::require_somewhere(app, actor, READ).await?;
    let cond = condition(app, actor, filter).await?;
    let found = audit_event::Entity::find().filter(cond).order_by_desc(audit_event::Column::Id);
    let rows: Vec<Row> = crate::export::rows_of(&app.db, found).await?.into_iter().map(Row::from).collect();

    let header = ["编号", "时间", "操作人", "操作", "对象类型", "对象编号", "变更前", "变更后", "来源地址"];
    let what = Exported::of(ObjectKind::AuditLog, serde_json::json!({ "filter": format!("{filter:?}") }));
    crate::export::audited(
        app,
        actor,
        what,
        "审计日志",
        &header,
        rows.iter()
            .map(|row| {
                vec![
                    row.id.to_string(),
                    row.occurred_local.clone(),
                    row.actor.clone(),
                    row.action_label.clone(),
                    row.object_kind_label.clone(),
                    row.object_id.clone().unwrap_or_default(),
                    row.before.clone().unwrap_or_default(),
                    row.after.clone().unwrap_or_default(),
                    row.client_addr.clone(),
                ]
            })
            .collect(),
    )
    .await
}

/// The distinct action codes, for the filter's drop-down.
pub fn action_options() -> Vec<(&'static str, &'static str)> {
    AuditAction::ALL.iter().map(|a| (a.code(), a.label())).collect()
}

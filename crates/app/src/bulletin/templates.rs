//! Bulletin templates as data: the built-in default (the seed report's structure) and the ones a
//! district admin saves — each save a new version of its name, checked by a dry run first (a
//! template that fails shows the line and the reason, and nothing is saved), audited.

use chrono::{DateTime, Utc};
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::bulletin_template;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use super::render;
use super::{READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::{Actor, App};

/// The name of the built-in template.
pub const DEFAULT_NAME: &str = "默认模板";
/// The built-in template: the seed report's four sections.
pub const DEFAULT_BODY: &str = include_str!("default.jinja");

/// A template's latest version, or one of its versions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TemplateView {
    pub name: String,
    pub version: i32,
    pub body: String,
    pub saved_at: Option<DateTime<Utc>>,
}

impl TemplateView {
    pub fn saved_text(&self) -> String {
        self.saved_at.map(qingtuan_domain::time::format_local_minute).unwrap_or_default()
    }
}

/// The default and the latest version of each saved template, by name.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<TemplateView>> {
    scope::require_somewhere(app, actor, READ).await?;
    let rows = bulletin_template::Entity::find()
        .order_by_asc(bulletin_template::Column::Name)
        .order_by_desc(bulletin_template::Column::Version)
        .all(&app.db)
        .await?;
    let mut out =
        vec![TemplateView { name: DEFAULT_NAME.into(), version: 0, body: DEFAULT_BODY.into(), saved_at: None }];
    for r in rows {
        if out.iter().all(|t| t.name != r.name) {
            out.push(view(r));
        }
    }
    Ok(out)
}

/// Whether the actor may save templates (`bulletins.write` over the whole tree).
pub async fn may_save(app: &App, actor: &Actor) -> AppResult<bool> {
    scope::covers_everything(&app.db, actor, WRITE).await
}

/// Every version of a template, newest first.
pub async fn versions(app: &App, actor: &Actor, name: &str) -> AppResult<Vec<TemplateView>> {
    scope::require_somewhere(app, actor, READ).await?;
    if name == DEFAULT_NAME {
        return Ok(vec![TemplateView {
            name: DEFAULT_NAME.into(),
            version: 0,
            body: DEFAULT_BODY.into(),
            saved_at: None,
        }]);
    }
    let rows = bulletin_template::Entity::find()
        .filter(bulletin_template::Column::Name.eq(name))
        .order_by_desc(bulletin_template::Column::Version)
        .all(&app.db)
        .await?;
    Ok(rows.into_iter().map(view).collect())
}

fn view(r: bulletin_template::Model) -> TemplateView {
    TemplateView { name: r.name, version: r.version, body: r.body, saved_at: Some(r.created_at) }
}

/// The source of the template named (its latest version), or the default's; with its version.
pub(super) async fn source(app: &App, name: Option<&str>) -> AppResult<Option<(String, i32)>> {
    let Some(name) = name.filter(|n| *n != DEFAULT_NAME) else {
        return Ok(Some((DEFAULT_BODY.to_owned(), 0)));
    };
    let latest = bulletin_template::Entity::find()
        .filter(bulletin_template::Column::Name.eq(name))
        .order_by_desc(bulletin_template::Column::Version)
        .one(&app.db)
        .await?;
    Ok(latest.map(|t| (t.body, t.version)))
}

/// A template as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TemplateForm {
    pub name: String,
    pub body: String,
}

/// Saves a template as the next version of its name (bulletins.write over the whole tree: the
/// district's admins). It must render: a dry run finds its syntax errors, unknown helpers and
/// figures, loops that run away — each shown with its line.
pub async fn save(app: &App, actor: &Actor, form: &TemplateForm) -> AppResult<i32> {
    scope::require_everywhere(app, actor, WRITE, (ObjectKind::BulletinTemplate, None)).await?;
    let name = form.name.trim();
    let mut problems = Vec::new();
    if name.is_empty() || name.chars().count() > 50 {
        problems.push(FieldError::new("name", "请填写模板名称（50 字以内）"));
    } else if name == DEFAULT_NAME {
        problems.push(FieldError::new("name", "默认模板不能修改，请另存为新的名称"));
    }
    if let Err(e) = render::check(&form.body) {
        problems.push(FieldError::new("body", e.to_string()));
    }
    if !problems.is_empty() {
        return Err(Invalid(problems).into());
    }
    let txn = app.begin().await?;
    let last = bulletin_template::Entity::find()
        .filter(bulletin_template::Column::Name.eq(name))
        .order_by_desc(bulletin_template::Column::Version)
        .one(&txn)
        .await?;
    let version = last.map_or(1, |t| t.version + 1);
    let row = bulletin_template::ActiveModel {
        name: Set(name.to_owned()),
        version: Set(version),
        body: Set(form.body.clone()),
        created_by: Set(actor.user_id().map(|u| u.0)),
        created_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::TemplateSaved, ObjectKind::BulletinTemplate)
        .object(row.id)
        .after(json!({ "name": name, "version": version, "bytes": form.body.len() }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(version)
}

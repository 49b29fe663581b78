//! Positions: a person holding a title in an org, with employment, source, serving level and dates.
//! The work force and the cadre figures are counted from these.

use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, PersonId, PositionId};
use qingtuan_domain::position::{CadreSource, Employment, ServingLevel, Title};
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{person, position};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::error::AppResult;
use crate::registry::people::WRITE;
use crate::registry::workforce::{self, Affected};
use crate::{Actor, App, AppError};

mod batch;

pub(crate) use batch::create_in;
pub use batch::{create_batch, create_batch_with_progress};

/// A position as typed in a form or a spreadsheet row. The person is named by ID number, or by id
/// (a picker, the API, a generator) — checked all the same: someone the actor may read, and not a
/// child withheld from them (only a registration's first post and an appointment, which vetted the
/// person themselves, take an id as given: `create_in`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewPosition {
    pub id_number: String,
    /// The person's name as registered: needed (and checked) only for a person registered
    /// outside the actor's scope, so that an ID number alone tells nothing about anyone.
    pub name: String,
    #[serde(skip)]
    pub person_id: Option<PersonId>,
    pub org_code: String,
    pub title: String,
    pub employment: String,
    pub source: String,
    pub serving_level: String,
    pub start_on: String,
    pub end_on: String,
}

pub const COLUMNS: [(&str, &str); 9] = [
    ("id_number", "身份证号码"),
    ("name", "姓名"),
    ("org_code", "组织代码"),
    ("title", "职务"),
    ("employment", "任职方式"),
    ("source", "来源"),
    ("serving_level", "挂兼职层级"),
    ("start_on", "任职日期"),
    ("end_on", "离任日期"),
];

/// What a form says of a child whose record the actor may not see: no post for them.
pub(crate) const CHILD_WITHHELD: &str = "此人未满十四周岁，须经未成年人信息查看审批后方可登记职务";

/// The newest post of a person in an org from a source (the one just made for them).
pub(crate) async fn latest_of(app: &App, person: i64, org: i64, source: &str) -> AppResult<Option<i64>> {
    Ok(position::Entity::find()
        .filter(position::Column::PersonId.eq(person))
        .filter(position::Column::OrgId.eq(org))
        .filter(position::Column::Source.eq(source))
        .order_by_desc(position::Column::Id)
        .one(&app.db)
        .await?
        .map(|p| p.id))
}

/// A post's first day.
pub(crate) async fn start_of(app: &App, id: i64) -> AppResult<Option<NaiveDate>> {
    Ok(position::Entity::find_by_id(id).one(&app.db).await?.map(|p| p.start_on))
}

/// Records one position typed in a form, with the problems named by field: the same checks as a
/// spreadsheet row, where the person may also be named as the person picker
/// names them ("姓名 #编号", or a name only one person the actor may read bears).
pub async fn create(app: &App, actor: &Actor, form: &NewPosition) -> AppResult<()> {
    let mut form = form.clone();
    if form.person_id.is_none() {
        form.person_id =
            crate::registry::pick::person_named(app, actor, "id_number", &form.id_number).await?.map(PersonId);
    }
    create_batch(app, actor, std::slice::from_ref(&form)).await.map(|_| ()).map_err(as_fields)
}

/// Records a post through the API: the org named by code or name (people.write over it), the person
/// by ID number or, when given, by id — someone the actor may read (else missing) and not a child
/// withheld from them. Returns the org's code.
pub async fn create_named(app: &App, actor: &Actor, person: Option<PersonId>, form: &NewPosition) -> AppResult<String> {
    let org = scope::org_by_code(app, actor, WRITE, &form.org_code).await?;
    let code = crate::tree::code_of(&app.db, org.get()).await?;
    let mut post = NewPosition { org_code: code.clone(), ..form.clone() };
    if let Some(person) = person {
        if crate::registry::people::show(app, actor, person).await?.withheld {
            return Err(Invalid::one("person_id", CHILD_WITHHELD).into());
        }
        post.id_number.clear();
        post.person_id = Some(person);
    }
    create(app, actor, &post).await?;
    Ok(code)
}

/// One form's row problems as the form's field errors.
pub(crate) fn as_fields(e: AppError) -> AppError {
    match e {
        AppError::Rows(problems) => {
            let field_of = |label: &str| COLUMNS.iter().find(|(_, l)| *l == label).map_or("id_number", |(f, _)| *f);
            let errors = problems.into_iter().map(|p| FieldError { field: field_of(&p.column), message: p.message });
            Invalid(errors.collect()).into()
        }
        e => e,
    }
}

/// The org of a position the actor may change (404 otherwise, audited as a denial).
pub async fn org_of(app: &App, actor: &Actor, id: PositionId) -> AppResult<OrgId> {
    Ok(changeable(app, actor, id).await?.get())
}

/// The proof that the actor may change a position: people.write over its org.
async fn changeable(app: &App, actor: &Actor, id: PositionId) -> AppResult<InScope<OrgId>> {
    let found = position::Entity::find_by_id(id.0).one(&app.db).await?;
    let org = found.as_ref().map_or(OrgId(0), |p| OrgId(p.org_id));
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Position, id.to_string()), org).await?;
    found.map(|_| proof).ok_or(AppError::NotFound)
}

/// What ending a post would change, shown before it is done.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EndImpact {
    pub post: PositionView,
    pub on: NaiveDate,
    /// Nobody else holds the same title in the org on that day: it falls vacant.
    pub falls_vacant: bool,
}

/// What ending post `id` on `on` would change (people.write over its org), refused for what `end` refuses.
pub async fn end_impact(app: &App, actor: &Actor, id: PositionId, on: NaiveDate) -> AppResult<EndImpact> {
    let org = org_of(app, actor, id).await?;
    let posts = list(app, actor, None, Some(org)).await?;
    let post = posts.iter().find(|p| p.id == id).cloned().ok_or(AppError::NotFound)?;
    may_end(post.start_on, post.end_on, on)?;
    let falls_vacant = !posts
        .iter()
        .any(|p| p.id != id && p.title == post.title && p.start_on <= on && p.end_on.is_none_or(|e| e > on));
    Ok(EndImpact { post, on, falls_vacant })
}

/// A post that started on `start` (and ended on `ended`, if it did) can end on `on`: not one
/// already ended by then, nor on or before its start.
fn may_end(start: NaiveDate, ended: Option<NaiveDate>, on: NaiveDate) -> Result<(), Invalid> {
    if let Some(ended) = ended.filter(|e| *e <= on) {
        return Err(Invalid::one("end_on", format!("该职务已于 {ended} 离任")));
    }
    if on <= start {
        return Err(Invalid::one("end_on", "离任日期应晚于任职日期"));
    }
    Ok(())
}

/// Ends a position on `on` (the first day it no longer holds); returns its org.
pub async fn end(app: &App, actor: &Actor, id: PositionId, on: NaiveDate) -> AppResult<OrgId> {
    let proof = changeable(app, actor, id).await?;
    let found = position::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    may_end(found.start_on, found.end_on, on)?;
    let txn = app.begin().await?;
    workforce::lock(&txn).await?;
    let before = json!({ "end_on": found.end_on });
    let person = found.person_id;
    let mut active: position::ActiveModel = found.into();
    active.end_on = Set(Some(on));
    active.update(&txn).await?;
    let entry = Entry::new(AuditAction::PositionEnded, ObjectKind::Position)
        .object(id)
        .within(&proof)
        .before(before)
        .after(json!({ "end_on": on }));
    audit::record(&txn, app.now(), actor, entry).await?;
    workforce::refresh(&txn, Affected::People(vec![person])).await?;
    txn.commit().await?;
    Ok(proof.get())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PositionView {
    pub id: PositionId,
    pub person_id: PersonId,
    pub person_name: String,
    pub org_id: OrgId,
    pub org_name: String,
    pub title: String,
    pub employment: String,
    pub source: String,
    pub serving_level: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

/// Positions in orgs the actor may read, of one person or in one org (not its subtree).
pub async fn list(
    app: &App,
    actor: &Actor,
    person_id: Option<PersonId>,
    org_id: Option<OrgId>,
) -> AppResult<Vec<PositionView>> {
    let mut q = readable(actor);
    if let Some(PersonId(p)) = person_id {
        q = q.filter(position::Column::PersonId.eq(p));
    }
    if let Some(OrgId(o)) = org_id {
        q = q.filter(position::Column::OrgId.eq(o));
    }
    views(app, actor, q, person_id.is_some()).await
}

/// An org's staff: the posts held there today, as its page lists them.
pub(crate) async fn current_staff(app: &App, actor: &Actor, OrgId(org): OrgId) -> AppResult<Vec<PositionView>> {
    let today = qingtuan_domain::time::local_date(app.now());
    let q =
        readable(actor).filter(position::Column::OrgId.eq(org)).filter(position::Column::StartOn.lte(today)).filter(
            sea_orm::Condition::any().add(position::Column::EndOn.is_null()).add(position::Column::EndOn.gt(today)),
        );
    views(app, actor, q, false).await
}

/// The posts in orgs where the actor reads people.
fn readable(actor: &Actor) -> sea_orm::Select<position::Entity> {
    let read = crate::registry::people::READ;
    position::Entity::find().filter(scope::org_condition(actor, read, position::Column::OrgId))
}

/// The posts a query finds, with their holders' names (a child's masked without an approval;
/// `one_person`: they go with that person's record, whose view is audited on its own).
async fn views(
    app: &App,
    actor: &Actor,
    q: sea_orm::Select<position::Entity>,
    one_person: bool,
) -> AppResult<Vec<PositionView>> {
    use sea_orm::QueryOrder;
    let rows = q.order_by_asc(position::Column::StartOn).all(&app.db).await?;
    let org_ids: Vec<i64> = rows.iter().map(|r| r.org_id).collect();
    let person_ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
    let orgs = crate::tree::names(&app.db, org_ids).await?;
    let found = person::Entity::find().filter(person::Column::Id.is_in(person_ids)).all(&app.db).await?;
    let view = if one_person { None } else { Some("staff") };
    let children =
        crate::registry::minors::children(app, actor, found.iter().map(|p| (p.id, p.birth_on)), view).await?;
    let people: HashMap<i64, String> = found
        .into_iter()
        .map(|p| {
            let name = if children.get(&p.id) == Some(&false) {
                crate::registry::minors::masked_name(&p.name)
            } else {
                p.name
            };
            (p.id, name)
        })
        .collect();
    let label = |code: &str, parse: fn(&str) -> Option<&'static str>| parse(code).unwrap_or("").to_owned();
    Ok(rows
        .into_iter()
        .map(|r| PositionView {
            id: PositionId(r.id),
            person_name: people.get(&r.person_id).cloned().unwrap_or_default(),
            person_id: PersonId(r.person_id),
            org_name: orgs.get(&r.org_id).cloned().unwrap_or_default(),
            org_id: OrgId(r.org_id),
            title: label(&r.title, |c| Title::parse(c).ok().map(Title::label)),
            employment: label(&r.employment, |c| Employment::parse(c).ok().map(Employment::label)),
            source: label(&r.source, |c| CadreSource::parse(c).ok().map(CadreSource::label)),
            serving_level: r
                .serving_level
                .as_deref()
                .map(|c| label(c, |c| ServingLevel::parse(c).ok().map(ServingLevel::label)))
                .unwrap_or_default(),
            start_on: r.start_on,
            end_on: r.end_on,
        })
        .collect())
}

impl crate::batch::Importable for NewPosition {
    const COLUMNS: &'static [(&'static str, &'static str)] = &COLUMNS;
    const REQUIRED: &'static [&'static str] = &["id_number", "org_code", "title", "employment", "start_on"];
    const EXAMPLE: &'static [&'static str] =
        &["370214199505041234", "张三", "CY01-23B", "书记", "兼职", "两委委员", "", "2022-05-04", ""];

    fn choices(field: &str) -> Option<Vec<&'static str>> {
        match field {
            "title" => Some(Title::ALL.iter().map(|k| k.label()).collect()),
            "employment" => Some(Employment::ALL.iter().map(|k| k.label()).collect()),
            "source" => Some(CadreSource::ALL.iter().map(|k| k.label()).collect()),
            "serving_level" => Some(ServingLevel::ALL.iter().map(|k| k.label()).collect()),
            _ => None,
        }
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            id_number: cell("id_number"),
            name: cell("name"),
            person_id: None,
            org_code: cell("org_code"),
            title: cell("title"),
            employment: cell("employment"),
            source: cell("source"),
            serving_level: cell("serving_level"),
            start_on: cell("start_on"),
            end_on: cell("end_on"),
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        create_batch_with_progress(app, actor, rows, dry_run, progress).await
    }
}

//! People: one record per real person. The ID number is the identity: the same number is the same
//! person. Numbers and phones are encrypted at rest, found through keyed hashes, and masked on
//! screen and in exports unless the user holds `people.unmask` — and every unmask is audited.

mod import;
mod lists;

mod duplicates;
use std::collections::HashMap;

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::PersonId;
use qingtuan_domain::mask::{mask_id_number, mask_phone};
use qingtuan_domain::permission::{Action, Module, Permission};
use qingtuan_domain::person::{Gender, IdNumber, Phone, PoliticalStatus, is_minor_on};
use qingtuan_domain::region::pinyin_initials;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{person, position, region, signup, team_member, turnout, volunteer_team};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set};
use serde_json::json;

use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::forms::parse_date;
use crate::registry::positions::NewPosition;
use crate::registry::workforce::{self, Affected};
use crate::{Actor, App, AppError};
use import::checked;
use lists::{Shown, row};

pub use duplicates::*;
pub use import::{create_batch, create_batch_with_progress};
pub use lists::{AGE_BANDS, Filter, PersonRow, export, list, show, show_unmasked};
pub(crate) use lists::{read_condition, readable_among};

pub const READ: Permission = Permission::new(Module::People, Action::Read);
pub const WRITE: Permission = Permission::new(Module::People, Action::Write);
pub const UNMASK: Permission = Permission::new(Module::People, Action::Unmask);
pub const EXPORT: Permission = Permission::new(Module::People, Action::Export);

/// A person as typed in a form or a spreadsheet row.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewPerson {
    pub name: String,
    pub gender: String,
    pub birth_on: String,
    pub id_number: String,
    pub phone: String,
    pub member_since: String,
    pub political_status: String,
    pub region_code: String,
}

/// Column names as users see them, for problems and templates.
pub const COLUMNS: [(&str, &str); 8] = [
    ("name", "姓名"),
    ("gender", "性别"),
    ("birth_on", "出生日期"),
    ("id_number", "身份证号码"),
    ("phone", "手机号码"),
    ("member_since", "入团时间"),
    ("political_status", "政治面貌"),
    ("region_code", "所在区域代码"),
];

pub(super) struct ValidPerson {
    name: String,
    gender: Gender,
    birth_on: Option<NaiveDate>,
    id_number: Option<IdNumber>,
    phone: Option<Phone>,
    member_since: Option<NaiveDate>,
    political_status: PoliticalStatus,
    region_id: Option<i64>,
}

pub(super) fn validate(form: &NewPerson, regions: &HashMap<String, i64>) -> Result<ValidPerson, Invalid> {
    let mut problems = Vec::new();
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 50 {
        problems.push(FieldError { field: "name", message: "姓名不能为空，且不超过 50 个字".into() });
    }
    let id_number = if form.id_number.trim().is_empty() {
        None
    } else {
        IdNumber::parse(&form.id_number).map_err(|e| problems.extend(e.0)).ok()
    };
    let gender = if form.gender.trim().is_empty() {
        id_number.as_ref().map(IdNumber::gender).ok_or(())
    } else {
        Gender::parse(&form.gender).map_err(|e| problems.extend(e.0)).map_err(|_| ())
    };
    if form.gender.trim().is_empty() && id_number.is_none() {
        problems.push(FieldError { field: "gender", message: "请填写性别".into() });
    }
    let birth_on = parse_date("birth_on", &form.birth_on).map_err(|e| problems.push(e)).ok().flatten();
    let birth_on = birth_on.or_else(|| id_number.as_ref().and_then(IdNumber::birth_date));
    if let (Some(id), Some(b)) = (&id_number, birth_on)
        && id.birth_date() != Some(b)
    {
        problems.push(FieldError { field: "birth_on", message: "出生日期与身份证号码不一致".into() });
    }
    let phone = if form.phone.trim().is_empty() {
        None
    } else {
        Phone::parse(&form.phone).map_err(|e| problems.extend(e.0)).ok()
    };
    let member_since = parse_date("member_since", &form.member_since).map_err(|e| problems.push(e)).ok().flatten();
    let political_status = if form.political_status.trim().is_empty() {
        Ok(PoliticalStatus::LeagueMember)
    } else {
        PoliticalStatus::parse(&form.political_status).map_err(|e| problems.extend(e.0))
    };
    let region_id = match form.region_code.trim() {
        "" => None,
        code => {
            let id = regions.get(code).copied();
            if id.is_none() {
                problems
                    .push(FieldError { field: "region_code", message: format!("区域代码“{code}”不存在") });
            }
            id
        }
    };
    match (gender, political_status) {
        (Ok(gender), Ok(political_status)) if problems.is_empty() => {
            Ok(ValidPerson { name, gender, birth_on, id_number, phone, member_since, political_status, region_id })
        }
        _ => Err(Invalid(problems)),
    }
}

/// Regions by code, and by name where only one region bears it (a form may type the name).
pub(super) async fn region_codes(app: &App) -> AppResult<HashMap<String, i64>> {
    let regions = region::Entity::find().all(&app.db).await?;
    let mut names: HashMap<&str, Option<i64>> = HashMap::new();
    for r in &regions {
        names.entry(r.name.as_str()).and_modify(|id| *id = None).or_insert(Some(r.id));
    }
    let mut out: HashMap<String, i64> =
        names.into_iter().filter_map(|(name, id)| Some((name.to_owned(), id?))).collect();
    out.extend(regions.iter().map(|r| (r.code.clone(), r.id)));
    Ok(out)
}

/// The person registered with this ID number's keyed hash, if any (no scope: for a use-case that
/// registers the person it finds none of, such as an appointment).
pub(crate) async fn id_by_hash(app: &App, hash: &str) -> AppResult<Option<i64>> {
    Ok(person::Entity::find().filter(person::Column::IdNumberHash.eq(hash)).one(&app.db).await?.map(|p| p.id))
}

/// The person registered with this ID number under this name: for a form that names a registered
/// person (a society's leader, a venue's team, a community's admin). Both must be typed, and a
/// number registered under another name is answered as not found — so a number alone tells
/// nothing about who is registered.
pub(crate) async fn registered_as(app: &App, number: &IdNumber, name: &str) -> AppResult<Option<i64>> {
    let found = person::Entity::find()
        .filter(person::Column::IdNumberHash.eq(app.keys.lookup_hash(number.as_str())))
        .one(&app.db)
        .await?;
    Ok(found.filter(|p| p.name == name.trim()).map(|p| p.id))
}

/// The names and masked ID numbers of these people, for a page that lists them in a role (a
/// society's leaders, a venue's team) — the page's own scope check decided they may be shown.
pub(crate) async fn names_masked(app: &App, ids: Vec<i64>) -> AppResult<HashMap<i64, (String, String)>> {
    let mut out = HashMap::new();
    for p in person::Entity::find().filter(person::Column::Id.is_in(ids)).all(&app.db).await? {
        let masked = match &p.id_number_enc {
            Some(sealed) => mask_id_number(&app.keys.decrypt(sealed)?),
            None => String::new(),
        };
        out.insert(p.id, (p.name, masked));
    }
    Ok(out)
}

/// What a form says when `registered_as` finds no one.
pub(crate) const NOT_REGISTERED: &str = "未找到身份证号码和姓名一致的登记人员：请核对，或先在“人员”中登记";

/// Writes checked people on `txn`, their ID numbers and phones encrypted beside their keyed
/// hashes; one person gets an audit row of their own, a batch one row for the import.
pub(super) async fn write(
    txn: &crate::db::Write,
    app: &App,
    actor: &Actor,
    valid: &[(ValidPerson, Option<String>)],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> AppResult<Vec<i64>> {
    let now = app.now();
    let total = valid.len();
    let mut ids = Vec::with_capacity(total);
    let mut masked = Vec::new();
    if let [(v, _)] = valid {
        masked.push(json!({
            "name": v.name,
            "id_number": v.id_number.as_ref().map(|id| mask_id_number(id.as_str())),
            "phone": v.phone.as_ref().map(|p| mask_phone(p.as_str())),
        }));
    }
    // Encryption, too, runs on every core, a chunk at a time.
    for chunk in valid.chunks(1000) {
        let sealed = crate::par::map(chunk, |(v, hash)| -> AppResult<person::ActiveModel> {
            Ok(person::ActiveModel {
                initials: Set(pinyin_initials(&v.name)),
                name: Set(v.name.clone()),
                gender: Set(v.gender.code().to_owned()),
                birth_on: Set(v.birth_on),
                id_number_enc: Set(v.id_number.as_ref().map(|id| app.keys.encrypt(id.as_str())).transpose()?),
                id_number_hash: Set(hash.clone()),
                phone_enc: Set(v.phone.as_ref().map(|p| app.keys.encrypt(p.as_str())).transpose()?),
                phone_hash: Set(v.phone.as_ref().map(|p| app.keys.lookup_hash(p.as_str()))),
                member_since: Set(v.member_since),
                political_status: Set(v.political_status.code().to_owned()),
                region_id: Set(v.region_id),
                created_at: Set(now),
                ..Default::default()
            })
        });
        let rows = sealed.into_iter().collect::<AppResult<Vec<_>>>()?;
        ids.extend(person::Entity::insert_many(rows).exec_with_returning_keys(txn).await?);
        progress(ids.len(), total);
    }
    let entry = match (ids.first(), masked.pop()) {
        (Some(id), Some(after)) if total == 1 => {
            Entry::new(AuditAction::PersonCreated, ObjectKind::Person).object(id).after(after)
        }
        _ => Entry::new(AuditAction::Imported, ObjectKind::Person)
            .after(json!({ "rows": total, "first_id": ids.first(), "last_id": ids.last() })),
    };
    audit::record(txn, now, actor, entry).await?;
    Ok(ids)
}

/// Whether a person the actor registers needs a first post (`people.write` somewhere): it does
/// unless the actor reads everyone, since people are read through the posts they hold.
pub async fn post_required(app: &App, actor: &Actor) -> AppResult<bool> {
    scope::require_somewhere(app, actor, WRITE).await?;
    Ok(!scope::covers_everything(&app.db, actor, READ).await?)
}

/// Registers one person typed in the form, with their first post in the same transaction. The
/// post is required of a user who does not read everyone: people are read through the posts they
/// hold in the user's scope, so without one the person would vanish from the user's view.
pub async fn register(app: &App, actor: &Actor, form: &NewPerson, post: &NewPosition) -> AppResult<PersonId> {
    let with_post = !post.org_code.trim().is_empty() || !post.title.trim().is_empty();
    if !with_post && post_required(app, actor).await? {
        return Err(
            Invalid::one("org_code", "请同时填写任职组织、职务和任职日期：您只能查看在本范围内任职的人员").into()
        );
    }
    guard_outside_holders(app, actor, &[&form.id_number], None).await?;
    let valid = checked(app, std::slice::from_ref(form)).await.map_err(|e| match e {
        AppError::Rows(rows) => AppError::Invalid(Invalid(
            rows.into_iter().map(|p| FieldError::new(field_of(&p.column), p.message)).collect(),
        )),
        e => e,
    })?;
    // The post's org as typed (a code or a name of the scope); outside the scope it is missing.
    let org_code = match with_post {
        true => {
            let org = scope::org_by_code(app, actor, WRITE, &post.org_code).await?;
            // A child gets a post only from someone who may see the child's record there.
            let today = qingtuan_domain::time::local_date(app.now());
            let child = valid.first().and_then(|(v, _)| v.birth_on).is_some_and(|b| is_minor_on(b, today));
            if child && !crate::registry::minors::approved_over(app, actor, org.get()).await? {
                return Err(Invalid::one("id_number", crate::registry::positions::CHILD_WITHHELD).into());
            }
            crate::tree::code_of(&app.db, org.get()).await?
        }
        false => String::new(),
    };
    let txn = app.begin().await?;
    let id = write(&txn, app, actor, &valid, &|_, _| {}).await?.pop().ok_or(AppError::NotFound)?;
    if with_post {
        let first = NewPosition { person_id: Some(PersonId(id)), org_code, ..post.clone() };
        crate::registry::positions::create_in(&txn, app, actor, std::slice::from_ref(&first))
            .await
            .map_err(crate::registry::positions::as_fields)?;
    }
    txn.commit().await?;
    Ok(PersonId(id))
}

/// How many times an hour a user may type an ID number that someone outside their scope holds.
const OUTSIDE_COLLISIONS_PER_HOUR: i32 = 10;

/// ID numbers typed to register or correct people (a form, or an import's rows) that someone the
/// actor may not read already holds: the refusal itself tells that a number is registered, so each
/// is audited (the numbers masked) and counts against a user's few an hour — no cheap look-up, one
/// by one or by the spreadsheet, of who is registered district-wide. `except`: the person being
/// corrected.
pub(super) async fn guard_outside_holders(
    app: &App,
    actor: &Actor,
    typed: &[&str],
    except: Option<i64>,
) -> AppResult<()> {
    if scope::covers_everything(&app.db, actor, READ).await? {
        return Ok(());
    }
    let numbers: Vec<IdNumber> = typed.iter().filter_map(|t| IdNumber::parse(t).ok()).collect();
    let mut holders: Vec<(i64, String)> = Vec::new();
    for chunk in numbers.chunks(500) {
        let hashes: Vec<String> = chunk.iter().map(|n| app.keys.lookup_hash(n.as_str())).collect();
        let mut found = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .column(person::Column::IdNumberHash)
            .filter(person::Column::IdNumberHash.is_in(hashes.clone()));
        if let Some(id) = except {
            found = found.filter(person::Column::Id.ne(id));
        }
        // Only who holds each number: the rest of their record is not read.
        let holding: Vec<(i64, Option<String>)> = found.into_tuple().all(&app.db).await?;
        for (id, hash) in holding {
            let number = chunk.iter().zip(&hashes).find(|(_, h)| hash.as_ref() == Some(*h));
            holders.extend(number.map(|(n, _)| (id, mask_id_number(n.as_str()))));
        }
    }
    if holders.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = holders.iter().map(|(id, _)| *id).collect();
    let readable = readable_among(app, actor, &ids).await?;
    let outside: Vec<String> =
        holders.into_iter().filter(|(id, _)| !readable.contains(id)).map(|(_, masked)| masked).collect();
    if outside.is_empty() {
        return Ok(());
    }
    let now = app.now();
    let listed: Vec<&String> = outside.iter().take(20).collect();
    let entry = Entry::new(AuditAction::PersonLookedUp, ObjectKind::Person)
        .after(json!({ "query": listed, "registered_outside_scope": outside.len() }));
    audit::record(app.writer(), now, actor, entry).await?;
    let key = format!("people:outside:{}", actor.user_id().map_or(0, |u| u.0));
    for _ in &outside {
        if !crate::access::limits::allow(app.writer(), &key, OUTSIDE_COLLISIONS_PER_HOUR, now).await? {
            return Err(AppError::TooManyRequests { retry_after_secs: 3600 });
        }
    }
    Ok(())
}

fn field_of(label: &str) -> &'static str {
    COLUMNS.iter().find(|(_, l)| *l == label).map_or("name", |(f, _)| *f)
}

/// A person's record the actor may change (people.write over them), and as the actor sees it,
/// masked: a child's record is changed only by someone who may see it.
async fn writable(app: &App, actor: &Actor, id: PersonId) -> AppResult<(person::Model, PersonRow)> {
    scope::require_person(app, actor, WRITE, id).await?;
    let found = person::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let mut shown = [row(app, found.clone(), Shown::Masked)];
    crate::registry::minors::withhold(app, actor, &mut shown, "detail").await?;
    let [shown] = shown;
    if shown.withheld {
        return Err(AppError::Forbidden);
    }
    Ok((found, shown))
}

/// Corrects a person's record (people.write over them): the same checks as registering, an ID
/// number another person holds refused, an ID number or phone left empty kept; audited with what
/// changed (ID number and phone masked).
pub async fn update(app: &App, actor: &Actor, id: PersonId, form: &NewPerson) -> AppResult<()> {
    let (found, shown) = writable(app, actor, id).await?;
    // An ID number or phone left empty stays as it is (the form never shows them in full).
    let kept = |typed: &str, sealed: &Option<String>| -> AppResult<String> {
        match (typed.trim(), sealed) {
            ("", Some(sealed)) => Ok(app.keys.decrypt(sealed)?),
            (typed, _) => Ok(typed.to_owned()),
        }
    };
    let form = NewPerson {
        id_number: kept(&form.id_number, &found.id_number_enc)?,
        phone: kept(&form.phone, &found.phone_enc)?,
        ..form.clone()
    };
    guard_outside_holders(app, actor, &[&form.id_number], Some(id.0)).await?;
    let regions = region_codes(app).await?;
    let v = validate(&form, &regions)?;
    let hash = v.id_number.as_ref().map(|n| app.keys.lookup_hash(n.as_str()));
    if let Some(h) = &hash
        && person::Entity::find()
            .filter(person::Column::IdNumberHash.eq(h.as_str()))
            .filter(person::Column::Id.ne(id.0))
            .count(&app.db)
            .await?
            > 0
    {
        return Err(Invalid::one("id_number", "该身份证号码已登记为另一人：如为同一人，请用“疑似重复”合并").into());
    }
    let before = shown_json(&shown, found.member_since, found.region_id);
    let txn = app.begin().await?;
    workforce::lock(&txn).await?;
    let birth_changed = found.birth_on != v.birth_on;
    let mut active: person::ActiveModel = found.into();
    active.initials = Set(pinyin_initials(&v.name));
    active.name = Set(v.name.clone());
    active.gender = Set(v.gender.code().to_owned());
    active.birth_on = Set(v.birth_on);
    active.id_number_enc = Set(v.id_number.as_ref().map(|n| app.keys.encrypt(n.as_str())).transpose()?);
    active.id_number_hash = Set(hash);
    active.phone_enc = Set(v.phone.as_ref().map(|p| app.keys.encrypt(p.as_str())).transpose()?);
    active.phone_hash = Set(v.phone.as_ref().map(|p| app.keys.lookup_hash(p.as_str())));
    active.member_since = Set(v.member_since);
    active.political_status = Set(v.political_status.code().to_owned());
    active.region_id = Set(v.region_id);
    let saved = sea_orm::ActiveModelTrait::update(active, &txn).await?;
    let after = shown_json(&row(app, saved.clone(), Shown::Masked), saved.member_since, saved.region_id);
    let entry = Entry::new(AuditAction::PersonUpdated, ObjectKind::Person).object(id).before(before).after(after);
    audit::record(&txn, app.now(), actor, entry).await?;
    if birth_changed {
        // The work force counts ages on each date: a birth date moves its kept periods.
        workforce::refresh(&txn, Affected::People(vec![id.0])).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// A person's record as the edit form starts (people.write over them): the ID number and phone
/// left empty (kept unless typed), the masked record beside it for what they are now.
pub async fn edit_form(app: &App, actor: &Actor, id: PersonId) -> AppResult<(NewPerson, PersonRow)> {
    let (found, shown) = writable(app, actor, id).await?;
    let region_code = match found.region_id {
        Some(r) => region::Entity::find_by_id(r).one(&app.db).await?.map(|r| r.code).unwrap_or_default(),
        None => String::new(),
    };
    let form = NewPerson {
        name: found.name,
        gender: found.gender,
        birth_on: found.birth_on.map(|d| d.to_string()).unwrap_or_default(),
        member_since: found.member_since.map(|d| d.to_string()).unwrap_or_default(),
        political_status: found.political_status,
        region_code,
        ..NewPerson::default()
    };
    Ok((form, shown))
}

fn shown_json(p: &PersonRow, member_since: Option<NaiveDate>, region_id: Option<i64>) -> serde_json::Value {
    json!({
        "name": p.name, "gender": p.gender, "birth_on": p.birth_on, "id_number": p.id_number, "phone": p.phone,
        "political_status": p.political_status, "member_since": member_since, "region_id": region_id,
    })
}

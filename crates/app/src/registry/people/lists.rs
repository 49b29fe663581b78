//! People as the actor may read them: the paged, filtered list (database paging), one person
//! masked or, audited, unmasked, and the list as a workbook.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::PersonId;
use qingtuan_domain::mask::{mask_id_number, mask_phone};
use qingtuan_domain::permission::Permission;
use qingtuan_domain::person::{Gender, IdNumber, Phone, PoliticalStatus};
use qingtuan_entity::{person, position};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::{EXPORT, READ, UNMASK};
use crate::access::audit::{self, Entry};
use crate::access::scope::{self, InScope};
use crate::error::AppResult;
use crate::page::{COUNT_CAP, PER_PAGE, Page, page_number};
use crate::{Actor, App, AppError};

/// The people the actor may read (none without `people.read`), as a condition on `people`.
pub(crate) async fn read_condition(app: &App, actor: &Actor) -> AppResult<Condition> {
    if !actor.can_somewhere(READ) {
        return Ok(Condition::all().add(sea_orm::sea_query::Expr::value(false)));
    }
    visible(app, actor).await
}

/// Which of `ids` the actor may read.
pub(crate) async fn readable_among(app: &App, actor: &Actor, ids: &[i64]) -> AppResult<HashSet<i64>> {
    Ok(scope::people_among(app, actor, READ, ids).await?.iter().map(|p| p.get().0).collect())
}

pub(super) async fn visible(app: &App, actor: &Actor) -> AppResult<Condition> {
    scope::people_condition(app, actor, READ).await
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PersonRow {
    pub id: PersonId,
    pub name: String,
    pub gender: String,
    pub birth_on: Option<NaiveDate>,
    /// Masked unless the viewer unmasked it (and that was audited).
    pub id_number: String,
    pub phone: String,
    pub political_status: String,
    /// Under 14 today.
    pub child: bool,
    /// A child's record the viewer has no approval for: name masked, the rest withheld.
    pub withheld: bool,
}

/// How a person's ID number and phone are shown: masked, or in full under a proof that the actor
/// holds `people.unmask` over that very person.
#[derive(Clone, Copy)]
pub(super) enum Shown<'a> {
    Masked,
    Full(&'a InScope<PersonId>),
}

pub(super) fn row(app: &App, p: person::Model, shown: Shown<'_>) -> PersonRow {
    let unmasked = matches!(shown, Shown::Full(proof) if proof.get() == PersonId(p.id) && proof.permission() == UNMASK);
    let reveal = |sealed: &Option<String>, mask: fn(&str) -> String| {
        sealed
            .as_ref()
            .and_then(|s| app.keys.decrypt(s).ok())
            .map(|plain| if unmasked { plain } else { mask(&plain) })
            .unwrap_or_default()
    };
    PersonRow {
        id: PersonId(p.id),
        gender: Gender::parse(&p.gender).map(Gender::label).unwrap_or("").to_owned(),
        birth_on: p.birth_on,
        id_number: reveal(&p.id_number_enc, mask_id_number),
        phone: reveal(&p.phone_enc, mask_phone),
        political_status: PoliticalStatus::parse(&p.political_status)
            .map(PoliticalStatus::label)
            .unwrap_or("")
            .to_owned(),
        name: p.name,
        child: false,
        withheld: false,
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct Filter {
    /// The beginning of a name (`张` finds 张三), or of its pinyin initials (`zs` finds 张三).
    pub q: Option<String>,
    /// An org code: only people holding (or having held) a post in its subtree.
    pub org: Option<String>,
    /// `male` or `female`.
    #[serde(default)]
    pub gender: String,
    /// An age band today: `under14`, `14to28`, `28to35`, `over35`.
    #[serde(default)]
    pub age: String,
    /// Holding today a post of this title, employment or source (their codes).
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub employment: String,
    #[serde(default)]
    pub source: String,
    pub page: Option<u64>,
}

/// The age bands of the people filter: (code, label, youngest, oldest) in whole years today.
pub const AGE_BANDS: [(&str, &str, u32, u32); 4] = [
    ("under14", "未满14周岁", 0, 13),
    ("14to28", "14至28周岁", 14, 28),
    ("28to35", "29至35周岁", 29, 35),
    ("over35", "35周岁以上", 36, 150),
];

/// The filter's gender, age band and post conditions (unknown codes find nobody).
fn detail_conditions(filter: &Filter, today: NaiveDate) -> Condition {
    let mut cond = Condition::all();
    if !filter.gender.trim().is_empty() {
        cond = cond.add(person::Column::Gender.eq(filter.gender.trim()));
    }
    if !filter.age.trim().is_empty() {
        match AGE_BANDS.iter().find(|(code, ..)| *code == filter.age.trim()) {
            Some((_, _, youngest, oldest)) => {
                // Born after the day `oldest + 1` years ago and on or before the day `youngest` years ago.
                let born_by = today.checked_sub_months(chrono::Months::new(youngest * 12)).unwrap_or(today);
                let born_after = today.checked_sub_months(chrono::Months::new((oldest + 1) * 12)).unwrap_or(today);
                cond = cond.add(person::Column::BirthOn.lte(born_by)).add(person::Column::BirthOn.gt(born_after));
            }
            None => cond = cond.add(sea_orm::sea_query::Expr::value(false)),
        }
    }
    let post_fields = [
        (position::Column::Title, &filter.title),
        (position::Column::Employment, &filter.employment),
        (position::Column::Source, &filter.source),
    ];
    if post_fields.iter().any(|(_, v)| !v.trim().is_empty()) {
        let mut held = Query::select()
            .column(position::Column::PersonId)
            .from(position::Entity)
            .and_where(position::Column::StartOn.lte(today))
            .cond_where(Condition::any().add(position::Column::EndOn.is_null()).add(position::Column::EndOn.gt(today)))
            .take();
        for (column, value) in post_fields {
            if !value.trim().is_empty() {
                held.and_where(column.eq(value.trim()));
            }
        }
        cond = cond.add(person::Column::Id.in_subquery(held));
    }
    cond
}

/// One page of the people the filter finds, children withheld unless approved.
pub async fn list(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Page<PersonRow>> {
    let mut page = find_page(app, actor, filter, READ).await?;
    crate::registry::minors::withhold(app, actor, &mut page.items, "list").await?;
    Ok(page)
}

/// One page of the people the filter finds among those over whom the actor holds `permission`.
async fn find_page(app: &App, actor: &Actor, filter: &Filter, permission: Permission) -> AppResult<Page<PersonRow>> {
    scope::require_somewhere(app, actor, permission).await?;
    let mut cond = scope::people_condition(app, actor, permission).await?;
    let typed = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    // A full ID number or mobile number finds its person exactly (by the keyed hash), for those
    // who may see them in full — among the people over whom they may — and the look-up is audited.
    let exact = typed.filter(|_| actor.can_somewhere(UNMASK)).and_then(|q| {
        IdNumber::parse(q)
            .ok()
            .map(|id| (person::Column::IdNumberHash, app.keys.lookup_hash(id.as_str()), mask_id_number(id.as_str())))
            .or_else(|| {
                Phone::parse(q)
                    .ok()
                    .map(|p| (person::Column::PhoneHash, app.keys.lookup_hash(p.as_str()), mask_phone(p.as_str())))
            })
    });
    if let Some((column, hash, masked)) = exact {
        cond = cond.add(scope::people_condition(app, actor, UNMASK).await?).add(column.eq(hash));
        let entry = Entry::new(AuditAction::PersonLookedUp, ObjectKind::Person).after(json!({ "query": masked }));
        audit::record(app.writer(), app.now(), actor, entry).await?;
    } else if let Some(q) = typed {
        let backend = app.db.get_database_backend();
        let name_or_initials = Condition::any().add(starts_with(backend, "name", q)).add(starts_with(
            backend,
            "initials",
            &q.to_lowercase(),
        ));
        // A child whose name is masked for the actor is not found by a guessed name.
        cond = cond.add(name_or_initials).add(crate::registry::minors::name_searchable(app, actor).await?);
    }
    if let Some(code) = filter.org.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let found = scope::named(&app.db, actor, READ, "org", code).await?.ok();
        let org_id = found.as_ref().map_or(0, |o| o.id);
        scope::require(app, actor, READ, (ObjectKind::Org, org_id.to_string()), qingtuan_domain::ids::OrgId(org_id))
            .await?;
        let in_subtree = Query::select()
            .column(position::Column::PersonId)
            .from(position::Entity)
            .and_where(
                position::Column::OrgId.in_subquery(
                    Query::select()
                        .column(qingtuan_entity::org_closure::Column::DescendantId)
                        .from(qingtuan_entity::org_closure::Entity)
                        .and_where(qingtuan_entity::org_closure::Column::AncestorId.eq(org_id))
                        .take(),
                ),
            )
            .take();
        cond = cond.add(person::Column::Id.in_subquery(in_subtree));
    }
    cond = cond.add(detail_conditions(filter, qingtuan_domain::time::local_date(app.now())));
    let page = page_number(filter.page);
    let query = person::Entity::find().filter(cond);
    // Counting a million people would scan them: count up to the cap and say "1000+" beyond.
    let counted = query.clone().limit(COUNT_CAP + 1).count(&app.db).await?;
    let capped = counted > COUNT_CAP;
    let found =
        query.order_by_asc(person::Column::Id).offset((page - 1) * PER_PAGE).limit(PER_PAGE).all(&app.db).await?;
    Ok(Page {
        items: found.into_iter().map(|p| row(app, p, Shown::Masked)).collect(),
        total: counted.min(COUNT_CAP),
        page,
        per_page: PER_PAGE,
        capped,
    })
}

/// `people.{column}` starts with `prefix`, as a range on the column's index — a search never
/// scans everyone — in which `%` and `_` are plain characters. PostgreSQL compares in the "C"
/// collation (byte order, where a prefix's strings are contiguous), which migration m0015 indexes.
fn starts_with(backend: DbBackend, column: &str, prefix: &str) -> sea_orm::sea_query::SimpleExpr {
    // sea-query's placeholders for custom SQL: numbered on PostgreSQL.
    let (collate, low, high) =
        if backend == DbBackend::Postgres { (" COLLATE \"C\"", "$1", "$2") } else { ("", "?", "?") };
    let col = format!("\"people\".\"{column}\"{collate}");
    sea_orm::sea_query::Expr::cust_with_values(
        format!("({col} >= {low} AND {col} < {high})"),
        [prefix.to_owned(), format!("{prefix}{}", char::MAX)],
    )
}

pub(super) async fn find_visible(app: &App, actor: &Actor, id: PersonId) -> AppResult<person::Model> {
    scope::require_somewhere(app, actor, READ).await?;
    let cond = visible(app, actor).await?;
    match person::Entity::find_by_id(id.0).filter(cond).one(&app.db).await? {
        Some(p) => Ok(p),
        None => scope::deny(app, actor, READ, ObjectKind::Person, Some(id.to_string()), AppError::NotFound).await,
    }
}

/// One person, masked (a child withheld unless approved).
pub async fn show(app: &App, actor: &Actor, id: PersonId) -> AppResult<PersonRow> {
    let mut one = [row(app, find_visible(app, actor, id).await?, Shown::Masked)];
    crate::registry::minors::withhold(app, actor, &mut one, "detail").await?;
    let [found] = one;
    Ok(found)
}

/// One person with the full ID number and phone; needs `people.unmask` and is audited.
pub async fn show_unmasked(app: &App, actor: &Actor, id: PersonId) -> AppResult<PersonRow> {
    let found = find_visible(app, actor, id).await?;
    scope::require_somewhere(app, actor, UNMASK).await?;
    let proof = scope::require_person(app, actor, UNMASK, id).await?;
    audit::record(
        app.writer(),
        app.now(),
        actor,
        Entry::new(AuditAction::PersonUnmasked, ObjectKind::Person).object(id),
    )
    .await?;
    let mut one = [row(app, found, Shown::Full(&proof))];
    crate::registry::minors::withhold(app, actor, &mut one, "unmask").await?;
    let [found] = one;
    Ok(found)
}

/// Everyone the filter finds (masked, or unmasked for users who may), as an xlsx workbook of text
/// cells; audited.
pub async fn export(app: &App, actor: &Actor, filter: &Filter) -> AppResult<Vec<u8>> {
    let export = EXPORT;
    scope::require_somewhere(app, actor, export).await?;
    let unmask = actor.can_somewhere(UNMASK);
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        // The people over whom the actor holds the export permission, not merely read.
        let found = find_page(app, actor, &Filter { page: Some(page), ..filter.clone() }, export).await?;
        let done = !found.has_next();
        all.extend(found.items);
        crate::export::within_limit(all.len() as u64)?;
        if done {
            break;
        }
        page += 1;
    }
    // The rows in full: the audit row counts them, not merely that the actor may unmask.
    let mut in_full = HashSet::new();
    if unmask {
        // In full only the people over whom the actor holds the unmask permission.
        let ids: Vec<i64> = all.iter().map(|r| r.id.0).collect();
        let proofs = scope::people_among(app, actor, UNMASK, &ids).await?;
        let mut full: HashMap<i64, PersonRow> = HashMap::with_capacity(proofs.len());
        for chunk in proofs.chunks(500) {
            let found = person::Entity::find()
                .filter(person::Column::Id.is_in(chunk.iter().map(|p| p.get().0)))
                .all(&app.db)
                .await?;
            let by_id: HashMap<i64, &InScope<PersonId>> = chunk.iter().map(|proof| (proof.get().0, proof)).collect();
            for p in found {
                if let Some(proof) = by_id.get(&p.id) {
                    full.insert(p.id, row(app, p, Shown::Full(proof)));
                }
            }
        }
        for r in &mut all {
            if let Some(f) = full.remove(&r.id.0) {
                *r = f;
                in_full.insert(r.id);
            }
        }
    }
    crate::registry::minors::withhold(app, actor, &mut all, "export").await?;
    let unmasked = all.iter().filter(|p| !p.withheld && in_full.contains(&p.id)).count();
    let header = ["编号", "姓名", "性别", "出生日期", "身份证号码", "手机号码", "政治面貌"];
    let what = crate::export::Exported::of(
        ObjectKind::Person,
        json!({ "unmasked": unmasked, "filter": format!("{filter:?}") }),
    );
    crate::export::audited(
        app,
        actor,
        what,
        "人员",
        &header,
        all.iter()
            .map(|p| {
                vec![
                    p.id.to_string(),
                    p.name.clone(),
                    p.gender.clone(),
                    p.birth_on.map(|d| d.to_string()).unwrap_or_default(),
                    p.id_number.clone(),
                    p.phone.clone(),
                    p.political_status.clone(),
                ]
            })
            .collect(),
    )
    .await
}

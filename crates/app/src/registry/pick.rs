//! Pickers: what a typed name, code or pinyin initials can mean. The forms' suggestion lists
//! (`/pick/*`) are read here; the forms themselves take a code or an exact name where they ask for
//! a code — the search step that works without a script: anything else has its matches named
//! back (orgs in `access::scope::named`, people in `person_named`), never taken on a guess.

use qingtuan_domain::ids::PersonId;
use qingtuan_domain::org::OrgKind;
use qingtuan_domain::permission::Permission;
use qingtuan_domain::person::IdNumber;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{org, person, region};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::access::scope;
use crate::error::AppResult;
use crate::registry::people;
use crate::{Actor, App, AppError};

/// At most this many suggestions.
pub const LIMIT: u64 = 20;
/// At most this many people named back for a name several bear.
const NAMED_BACK: usize = crate::tree::NAMED_BACK;

/// One suggestion: what the field takes, and what the person choosing reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Nothing typed to suggest from: spaces and control characters only.
fn blank(q: &str) -> bool {
    q.chars().all(|c| c.is_whitespace() || c.is_control())
}

/// Active orgs over which the actor holds `permission` whose name or code contains `q`, or whose
/// pinyin initials begin with it, in tree order.
pub async fn orgs(app: &App, actor: &Actor, permission: Permission, q: &str) -> AppResult<Vec<Choice>> {
    if blank(q) {
        return Ok(Vec::new());
    }
    let found = org::Entity::find()
        .filter(scope::org_condition(actor, permission, org::Column::Id))
        .filter(org::Column::DissolvedOn.is_null())
        .filter(crate::tree::matching(q))
        .order_by_asc(org::Column::Path)
        .limit(LIMIT)
        .all(&app.db)
        .await?;
    Ok(found
        .into_iter()
        .map(|o| {
            let kind = OrgKind::parse(&o.kind).map(OrgKind::label).unwrap_or_default();
            Choice { value: o.code, label: format!("{}（{kind}）", o.name) }
        })
        .collect())
}

/// Regions whose name or code contains `q` (district-wide reference data, for staff of any scope).
pub async fn regions(app: &App, actor: &Actor, q: &str) -> AppResult<Vec<Choice>> {
    let q = q.trim();
    if blank(q) || !actor.can_somewhere(crate::registry::orgs::READ) {
        return Ok(Vec::new());
    }
    let like = |column: region::Column| crate::forms::like_text(column, q, false);
    let found = region::Entity::find()
        .filter(Condition::any().add(like(region::Column::Name)).add(like(region::Column::Code)))
        .order_by_asc(region::Column::Path)
        .limit(LIMIT)
        .all(&app.db)
        .await?;
    Ok(found
        .into_iter()
        .map(|r| {
            let kind = qingtuan_domain::region::RegionKind::parse(&r.kind)
                .map(qingtuan_domain::region::RegionKind::label)
                .unwrap_or_default();
            Choice { value: r.code, label: format!("{}（{kind}）", r.name) }
        })
        .collect())
}

/// People the actor may read whose name or pinyin initials begin with `q`, as "name #number" with
/// the ID number masked; children withheld from the actor are never suggested.
pub async fn people(app: &App, actor: &Actor, q: &str) -> AppResult<Vec<Choice>> {
    let q = q.trim();
    // Digits are an ID number or a phone being typed: the list would look them up (audited) on
    // every keystroke; names have none.
    if blank(q) || q.chars().any(|c| c.is_ascii_digit()) || !actor.can_somewhere(people::READ) {
        return Ok(Vec::new());
    }
    let found = people::list(app, actor, &people::Filter { q: Some(q.to_owned()), ..Default::default() }).await?;
    Ok(found.items.iter().filter(|p| !p.withheld).take(LIMIT as usize).map(person_choice).collect())
}

fn person_choice(p: &people::PersonRow) -> Choice {
    Choice { value: format!("{} #{}", p.name, p.id), label: [p.id_number.as_str(), p.gender.as_str()].join(" ") }
}

/// The person a form's text names among those the actor may read, when it is not an ID number:
/// "name #number" (as suggested), or a name that only one readable person bears. A child withheld
/// from the actor is never found this way. `None` when the text is an ID number (the caller looks
/// it up by its keyed hash).
pub(crate) async fn person_named(app: &App, actor: &Actor, field: &'static str, text: &str) -> AppResult<Option<i64>> {
    let text = text.trim();
    if text.is_empty()
        || IdNumber::parse(text).is_ok()
        || text.chars().all(|c| c.is_ascii_alphanumeric()) && text.len() >= 15
    {
        return Ok(None);
    }
    let not_found = || -> AppError {
        Invalid(vec![FieldError {
            field,
            message: format!("没有找到“{text}”：请填写身份证号码，或输入姓名后从建议中选择（须为您可查看的人员）"),
        }])
        .into()
    };
    if let Some((name, number)) = text.rsplit_once('#') {
        let id: PersonId = number.trim().parse().map_err(|_| not_found())?;
        return match people::show(app, actor, id).await {
            Ok(p) if !p.withheld && (name.trim().is_empty() || name.trim() == p.name) => Ok(Some(p.id.0)),
            Ok(_) | Err(AppError::NotFound | AppError::Forbidden) => Err(not_found()),
            Err(e) => Err(e),
        };
    }
    // Exactly this name, among the people the actor may read whose names the actor may see.
    let found: Vec<i64> = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(people::read_condition(app, actor).await?)
        .filter(crate::registry::minors::name_searchable(app, actor).await?)
        .filter(person::Column::Name.eq(text))
        .order_by_asc(person::Column::Id)
        .limit(NAMED_BACK as u64 + 1)
        .into_tuple()
        .all(&app.db)
        .await?;
    match found.as_slice() {
        [one] => Ok(Some(*one)),
        [] => Err(not_found()),
        several => {
            let mut listed = Vec::new();
            for id in several.iter().take(NAMED_BACK) {
                let p = people::show(app, actor, PersonId(*id)).await?;
                listed.push(format!("{} #{}（{}）", p.name, p.id, p.id_number));
            }
            let more = if several.len() > NAMED_BACK { "等" } else { "" };
            Err(Invalid(vec![FieldError {
                field,
                message: format!("有多人名为“{text}”：{}{more}，请填写“姓名 #编号”或身份证号码", listed.join("、")),
            }])
            .into())
        }
    }
}

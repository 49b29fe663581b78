//! The data-quality work list: what keeps the figures from being right, within the user's scope,
//! each with the way to fix it — orgs without a region, a sector or a founding date, posts still
//! held in dissolved orgs, people without a birth date, regions without a youth population for
//! this year (suspected duplicate people have their own page, linked from here).

use chrono::Datelike;
use qingtuan_domain::ids::{PersonId, PositionId, RegionId};
use qingtuan_domain::org::UNKNOWN_FOUNDING;
use qingtuan_domain::permission::Permission;
use qingtuan_entity::{org, person, position, region, youth_population};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::access::scope;
use crate::error::AppResult;
use crate::registry::orgs::{OrgView, view};
use crate::{Actor, App};

/// At most this many rows of each list are shown; the total says how many there are.
pub const SHOWN: u64 = 50;

/// One list of the work list: its total and its first rows.
#[derive(Debug, Clone)]
pub struct Items<T> {
    pub total: u64,
    pub rows: Vec<T>,
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Self { total: 0, rows: Vec::new() }
    }
}

/// A post still held in an org that has been dissolved (it should have ended by then).
#[derive(Debug, Clone)]
pub struct StrandedPost {
    pub position_id: PositionId,
    pub person_id: PersonId,
    pub person_name: String,
    /// The viewer may open the person's page.
    pub person_visible: bool,
    pub org: OrgView,
    pub dissolved_on: chrono::NaiveDate,
}

#[derive(Debug, Clone)]
pub struct PersonItem {
    pub id: PersonId,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct RegionItem {
    pub id: RegionId,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub orgs_without_region: Items<OrgView>,
    pub orgs_without_sector: Items<OrgView>,
    pub orgs_founding_unknown: Items<OrgView>,
    pub stranded_posts: Items<StrandedPost>,
    pub people_without_birth_date: Items<PersonItem>,
    /// Only for users who see the whole tree (regions are district-wide).
    pub regions_without_population: Option<Items<RegionItem>>,
    pub year: i32,
}

impl Report {
    /// Nothing to fix.
    pub fn is_clean(&self) -> bool {
        self.orgs_without_region.total == 0
            && self.orgs_without_sector.total == 0
            && self.orgs_founding_unknown.total == 0
            && self.stranded_posts.total == 0
            && self.people_without_birth_date.total == 0
            && self.regions_without_population.as_ref().is_none_or(|r| r.total == 0)
    }
}

const READ: Permission = crate::registry::orgs::READ;

/// The work list for the actor's scope.
pub async fn report(app: &App, actor: &Actor) -> AppResult<Report> {
    scope::require_somewhere(app, actor, READ).await?;
    let in_scope = || scope::org_condition(actor, READ, org::Column::Id);
    let live = || org::Column::DissolvedOn.is_null();
    let orgs_where = |cond: Condition| async move {
        let query = org::Entity::find().filter(in_scope()).filter(live()).filter(cond);
        let total = query.clone().count(&app.db).await?;
        let rows = query.order_by_asc(org::Column::Code).limit(SHOWN).all(&app.db).await?;
        AppResult::Ok(Items { total, rows: rows.iter().map(|o| view(o, 0)).collect() })
    };
    let orgs_without_region = orgs_where(Condition::all().add(org::Column::RegionId.is_null())).await?;
    let orgs_without_sector = orgs_where(Condition::all().add(org::Column::SectorId.is_null())).await?;
    let orgs_founding_unknown = orgs_where(Condition::all().add(org::Column::FoundedOn.eq(UNKNOWN_FOUNDING))).await?;

    // Posts held on or after their org's dissolution.
    let dissolved: Vec<org::Model> =
        org::Entity::find().filter(in_scope()).filter(org::Column::DissolvedOn.is_not_null()).all(&app.db).await?;
    let mut stranded = Items::default();
    let today = qingtuan_domain::time::local_date(app.now());
    // Each listed person is read once: the name, and whether they are a child today.
    let mut children = Vec::new();
    for o in &dissolved {
        let Some(on) = o.dissolved_on else { continue };
        let held = position::Entity::find()
            .filter(position::Column::OrgId.eq(o.id))
            .filter(Condition::any().add(position::Column::EndOn.is_null()).add(position::Column::EndOn.gt(on)));
        stranded.total += held.clone().count(&app.db).await?;
        if (stranded.rows.len() as u64) < SHOWN {
            for p in held.limit(SHOWN).all(&app.db).await? {
                let person = person::Entity::find_by_id(p.person_id).one(&app.db).await?;
                children.push(
                    person
                        .as_ref()
                        .and_then(|x| x.birth_on)
                        .is_some_and(|b| qingtuan_domain::person::is_minor_on(b, today)),
                );
                stranded.rows.push(StrandedPost {
                    position_id: PositionId(p.id),
                    person_id: PersonId(p.person_id),
                    person_name: person.map(|x| x.name).unwrap_or_default(),
                    person_visible: true,
                    org: view(o, 0),
                    dissolved_on: on,
                });
            }
        }
    }
    stranded.rows.truncate(SHOWN as usize);
    // Names only of people the viewer may read, and never a child's: the rest as 人员（无权查看）.
    let ids: Vec<i64> = stranded.rows.iter().map(|p| p.person_id.0).collect();
    let readable = crate::registry::people::readable_among(app, actor, &ids).await?;
    for (row, child) in stranded.rows.iter_mut().zip(children) {
        if !readable.contains(&row.person_id.0) || child {
            row.person_name = "人员（无权查看姓名）".into();
            row.person_visible = false;
        }
    }

    // People holding or having held a post in scope, without a birth date (age-based figures and
    // the children's rules need it).
    let posted_in_scope = Query::select()
        .column(position::Column::PersonId)
        .from(position::Entity)
        .and_where(scope::org_condition(actor, READ, position::Column::OrgId))
        .take();
    let people = person::Entity::find()
        .filter(person::Column::BirthOn.is_null())
        .filter(person::Column::Id.in_subquery(posted_in_scope))
        .filter(crate::registry::people::read_condition(app, actor).await?);
    let people_without_birth_date = Items {
        total: people.clone().count(&app.db).await?,
        rows: people
            .order_by_asc(person::Column::Id)
            .limit(SHOWN)
            .all(&app.db)
            .await?
            .into_iter()
            // Without a birth date nobody can be told to be a child: the name is the list's own.
            .map(|p| PersonItem { id: PersonId(p.id), name: p.name })
            .collect(),
    };

    let year = today.year();
    let regions_without_population = if scope::covers_everything(&app.db, actor, READ).await? {
        let with_record = Query::select()
            .column(youth_population::Column::RegionId)
            .from(youth_population::Entity)
            .and_where(youth_population::Column::Year.eq(year))
            .take();
        let missing = region::Entity::find().filter(region::Column::Id.not_in_subquery(with_record));
        Some(Items {
            total: missing.clone().count(&app.db).await?,
            rows: missing
                .order_by_asc(region::Column::Code)
                .limit(SHOWN)
                .all(&app.db)
                .await?
                .into_iter()
                .map(|r| RegionItem { id: RegionId(r.id), code: r.code, name: r.name })
                .collect(),
        })
    } else {
        None
    };
    Ok(Report {
        orgs_without_region,
        orgs_without_sector,
        orgs_founding_unknown,
        stranded_posts: stranded,
        people_without_birth_date,
        regions_without_population,
        year,
    })
}

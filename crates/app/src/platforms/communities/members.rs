//! A community's reach: member counts by date (typed or imported) and member lists read from the
//! group's export, of which only each phone's keyed hash is kept.

use std::collections::HashSet;

use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{CommunityId, OrgId};
use qingtuan_domain::person::Phone;
use qingtuan_domain::time::local_date;
use qingtuan_domain::{FieldError, Invalid};
use qingtuan_entity::{community, community_count, community_member};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::owned;
use crate::access::audit::{self, Entry};
use crate::access::scope::InScope;
use crate::db::Write;
use crate::error::AppResult;
use crate::forms::required_date;
use crate::platforms::{MemberCount, WRITE, members, org_for_write};
use crate::sheet::{Cell, Limits};
use crate::{Actor, App, AppError};

/// A member count as a spreadsheet row: the community named by its owning org and name.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewCommunityCount {
    pub org_code: String,
    pub name: String,
    pub count: MemberCount,
}

/// The columns of the member-counts spreadsheet.
pub const COUNT_COLUMNS: [(&str, &str); 4] =
    [("org_code", "所属组织代码"), ("name", "社群名称"), ("on_date", "统计日期"), ("members", "成员数")];

/// Records a community's member count on a date (platforms.write over its owning org).
pub async fn count_members(app: &App, actor: &Actor, id: CommunityId, form: &MemberCount) -> AppResult<()> {
    let (c, proof) = owned(app, actor, id, WRITE).await?;
    let txn = app.begin().await?;
    count(&txn, app, actor, &c, &proof, form).await?;
    txn.commit().await?;
    Ok(())
}

async fn count(
    conn: &Write,
    app: &App,
    actor: &Actor,
    c: &community::Model,
    proof: &InScope<OrgId>,
    form: &MemberCount,
) -> AppResult<()> {
    let mut problems = Vec::new();
    let on =
        required_date("on_date", &form.on_date, "统计日期", local_date(app.now())).map_err(|e| problems.push(e)).ok();
    if on.is_some_and(|d| d < c.created_on) {
        problems.push(FieldError::new("on_date", format!("统计日期不能早于建立日期 {}", c.created_on)));
    }
    if let (Some(d), Some(end)) = (on, c.closed_on)
        && d >= end
    {
        problems.push(FieldError::new("on_date", format!("{}已于 {end} 关闭", c.name)));
    }
    let n = members("members", &form.members).map_err(|e| problems.push(e)).ok();
    let (Some(on), Some(n), true) = (on, n, problems.is_empty()) else {
        return Err(Invalid(problems).into());
    };
    let taken = format!("{}已登记 {on} 的成员数", c.name);
    // Checked first: on PostgreSQL a refused insert would end a batch's transaction.
    let held = community_count::Entity::find()
        .filter(community_count::Column::CommunityId.eq(c.id))
        .filter(community_count::Column::OnDate.eq(on))
        .count(conn)
        .await?;
    if held > 0 {
        return Err(Invalid::one("on_date", taken).into());
    }
    community_count::ActiveModel { community_id: Set(c.id), on_date: Set(on), members: Set(n), ..Default::default() }
        .insert(conn)
        .await
        .map_err(|e| AppError::on_unique(e, "on_date", &taken))?;
    let entry = Entry::new(AuditAction::CommunityCounted, ObjectKind::Community)
        .object(c.id)
        .within(proof)
        .after(json!({ "name": c.name, "on_date": on, "members": n }));
    audit::record(conn, app.now(), actor, entry).await
}

impl crate::batch::Importable for NewCommunityCount {
    const COLUMNS: &'static [(&'static str, &'static str)] = &COUNT_COLUMNS;
    const REQUIRED: &'static [&'static str] = &["org_code", "name", "on_date", "members"];
    const EXAMPLE: &'static [&'static str] = &["CY01T", "城阳街道青年互助群", "2022-05-31", "356"];

    fn choices(_: &str) -> Option<Vec<&'static str>> {
        None
    }

    fn from_row(cell: &dyn Fn(&str) -> String) -> Self {
        Self {
            org_code: cell("org_code"),
            name: cell("name"),
            count: MemberCount { on_date: cell("on_date"), members: cell("members") },
        }
    }

    async fn write(
        app: &App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: crate::batch::Progress<'_>,
    ) -> AppResult<usize> {
        crate::batch::row_by_row(app, actor, rows, &COUNT_COLUMNS, dry_run, progress, |txn, app, actor, row| {
            Box::pin(async move {
                let (owner, proof) =
                    org_for_write(txn, actor, &row.org_code, "所属组织").await?.map_err(|e| Invalid(vec![e]))?;
                let c = community::Entity::find()
                    .filter(community::Column::OrgId.eq(owner.id))
                    .filter(community::Column::Name.eq(row.name.trim()))
                    .order_by_desc(community::Column::Id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        Invalid::one("name", format!("{}没有登记名为“{}”的社群", owner.name, row.name.trim()))
                    })?;
                count(txn, app, actor, &c, &proof, &row.count).await
            })
        })
        .await
    }
}

/// What reading a member list did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    /// Different phones found in the file.
    pub read: usize,
    /// Of those, the ones the community's list did not hold yet.
    pub added: usize,
}

/// The most rows a member list may have (a WeChat group holds 500 members, a QQ group 3,000).
const LIST_ROWS: u32 = 20_000;

/// Reads a member list exported from the group (.xlsx or .csv): every cell that is a mobile
/// number counts as a member. Only the keyed hash of each phone is kept, dated `listed_on`; the
/// file itself is not kept (platforms.write over the owning org).
pub async fn list_members(
    app: &App,
    actor: &Actor,
    id: CommunityId,
    listed_on: &str,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<Listed> {
    let (c, proof) = owned(app, actor, id, WRITE).await?;
    let on = required_date("listed_on", listed_on, "名单日期", local_date(app.now())).map_err(|e| Invalid(vec![e]))?;
    if on < c.created_on {
        return Err(Invalid::one("listed_on", format!("名单日期不能早于建立日期 {}", c.created_on)).into());
    }
    let sheet = crate::sheet::read(file_name, bytes, Limits { max_rows: LIST_ROWS, max_columns: 60 })?;
    let phones: HashSet<String> = sheet
        .rows
        .iter()
        .flatten()
        .filter_map(|cell| match cell {
            Cell::Text(t) => Phone::parse(t).ok(),
            Cell::Number(n) if n.fract() == 0.0 && *n > 0.0 && *n < 1e11 => {
                Phone::parse(&format!("{}", *n as i64)).ok()
            }
            _ => None,
        })
        .map(|p| app.keys.lookup_hash(p.as_str()))
        .collect();
    if phones.is_empty() {
        return Err(Invalid::one("file", "文件中没有找到手机号码（应为 11 位数字，以 13–19 开头）").into());
    }
    let txn = app.begin().await?;
    // Taken first, so two lists read at once are added one after the other.
    txn.take::<community::Entity>(community::Column::Id, sea_orm::Condition::all().add(community::Column::Id.eq(c.id)))
        .await?;
    let held: HashSet<String> = community_member::Entity::find()
        .select_only()
        .column(community_member::Column::PhoneHash)
        .filter(community_member::Column::CommunityId.eq(c.id))
        .into_tuple::<String>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let new: Vec<community_member::ActiveModel> = phones
        .iter()
        .filter(|h| !held.contains(*h))
        .map(|h| community_member::ActiveModel {
            community_id: Set(c.id),
            phone_hash: Set(h.clone()),
            listed_on: Set(on),
            ..Default::default()
        })
        .collect();
    let added = new.len();
    // An older list read after a newer one dates its people back: a person counts from the
    // earliest list that names them, whatever order the lists came in.
    let again: Vec<String> = phones.iter().filter(|h| held.contains(*h)).cloned().collect();
    for chunk in again.chunks(500) {
        community_member::Entity::update_many()
            .col_expr(community_member::Column::ListedOn, Expr::value(on))
            .filter(community_member::Column::CommunityId.eq(c.id))
            .filter(community_member::Column::PhoneHash.is_in(chunk.to_vec()))
            .filter(community_member::Column::ListedOn.gt(on))
            .exec(&txn)
            .await?;
    }
    for chunk in new.chunks(500) {
        community_member::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    let entry = Entry::new(AuditAction::CommunityListed, ObjectKind::Community)
        .object(c.id)
        .within(&proof)
        .after(json!({ "name": c.name, "listed_on": on, "read": phones.len(), "added": added }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(Listed { read: phones.len(), added })
}

//! Every figure opens its records: the organisations, people, turn-outs, ledger lines … that make
//! it up for the scope and dates, paged and exportable, read through the same rule and the same
//! SQL conditions as the engine (`engine`), so the list's count (or its sum, on the figure's scale)
//! is the figure. A stock figure also lists what entered and what left since the baseline (their
//! difference is its change); a flow lists the period before as well; a coverage lists the regions
//! still uncovered; a share lists its whole.
//!
//! Records of a module the viewer may not read over the scope are counted, not listed. Names are
//! shown in full only of the cadres a people figure counts, to people readers; volunteers,
//! applicants, guests and children are always masked; a consultation is listed by its category and
//! a hope cabin by its child's initial, never by what they are about.

mod select;

use chrono::NaiveDate;
use qingtuan_domain::audit::ObjectKind;
use qingtuan_domain::indicator::{Flow, Indicator, Rule, Scale};
use qingtuan_domain::mask::mask_middle;
use qingtuan_domain::permission::Module;
use qingtuan_domain::position::Title;
use sea_orm::ConnectionTrait;

use super::engine::{self, Tally};
use super::sql::{Scope, post_held, quoted, statement};
use super::{EXPORT, Figure, Params, READ, ReportRequest, evaluate_report, resolve, targets};
use crate::access::scope;
use crate::error::AppResult;
use crate::export::Exported;
use crate::page::{PER_PAGE, Page, page_number};
use crate::registry::people;
use crate::{Actor, App, AppError};
use select::{Listing, flow_listing, listings, totals, union};

/// Which of a figure's records to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// What the figure counts: on the as-of date, or in the period.
    #[default]
    Counted,
    /// Counted on the as-of date and not on the baseline date.
    Entered,
    /// Counted on the baseline date and not on the as-of date.
    Left,
    /// The regions of the level where nothing counts (a coverage figure).
    Uncovered,
    /// The records of a share's whole.
    Whole,
    /// What the period before counted (a flow's comparison).
    Previous,
}

impl Side {
    pub fn code(self) -> &'static str {
        match self {
            Self::Counted => "counted",
            Self::Entered => "entered",
            Self::Left => "left",
            Self::Uncovered => "uncovered",
            Self::Whole => "whole",
            Self::Previous => "previous",
        }
    }

    fn label(self, measure_flow: bool) -> &'static str {
        match self {
            Self::Counted if measure_flow => "统计期内",
            Self::Counted => "统计日",
            Self::Entered => "基准日后新增",
            Self::Left => "基准日后减少",
            Self::Uncovered => "尚未覆盖",
            Self::Whole => "分母",
            Self::Previous => "上一同长时段",
        }
    }
}

/// One record of a figure.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DrillRow {
    /// The record's id in its table (for a person, the person's; for a region, the region's).
    pub id: i64,
    /// The org it belongs to (for an org, the org itself).
    pub org: String,
    /// What it is: a title, a name, a category.
    pub what: String,
    /// Who it is about (masked but for the cadres a people figure counts, to people readers).
    pub who: Option<String>,
    pub on: Option<NaiveDate>,
    /// What it adds to the figure (before the figure's scale).
    pub value: i64,
}

/// A figure opened: the figure, which records are listed and their page, and their count and sum.
#[derive(Debug, Clone)]
pub struct Drill {
    pub params: Params,
    pub figure: Figure,
    /// The indicator whose records these are: the figure's own, or — for a figure per 10,000
    /// young people — the count it divides.
    pub records_of: Indicator,
    pub side: Side,
    /// The sides this figure can be opened on, with their labels.
    pub sides: Vec<(Side, &'static str)>,
    pub rows: Page<DrillRow>,
    /// The records listed, and the sum of their values.
    pub count: i64,
    pub sum: i64,
    /// The list's total as the figure is written: the sum on the figure's scale (for a count, the
    /// count; for a target completion, the letters' average).
    pub total: i64,
    /// The records have values of their own (minutes, fen, people served), shown in a column.
    pub valued: bool,
    /// For a figure that can be: how many records entered and how many left since the baseline.
    pub changes: Option<(i64, i64)>,
    /// Why the records are not listed (only counted): the viewer may not read them.
    pub withheld: Option<String>,
}

impl Drill {
    /// The records' values are money, in fen.
    fn in_fen(&self) -> bool {
        match self.records_of.rule {
            Rule::Sum(_, Scale::Yuan) => true,
            Rule::Share(part, whole) => in_fen(if self.side == Side::Whole { whole } else { part }),
            _ => false,
        }
    }

    /// A record's value as written: fen as yuan, minutes as they are.
    pub fn value_shown(&self, value: i64) -> String {
        if self.in_fen() { qingtuan_domain::money::Fen(value).yuan_text() } else { value.to_string() }
    }

    /// The heading of the values' column.
    pub fn value_label(&self) -> &'static str {
        match self.records_of.rule {
            _ if self.in_fen() => "金额（元）",
            Rule::Sum(_, Scale::Hours) => "分钟",
            Rule::TargetCompletion => "完成率（%）",
            _ => "数值",
        }
    }

    /// The list's total as written, with its unit.
    pub fn total_shown(&self) -> String {
        match self.records_of.rule {
            Rule::Sum(..) => format!("{} {}", self.total, self.records_of.unit),
            Rule::Share(..) if self.in_fen() => format!("{} 元", qingtuan_domain::money::Fen(self.sum).yuan_text()),
            Rule::Share(..) => self.sum.to_string(),
            Rule::TargetCompletion => format!("{} %（平均）", self.total),
            _ => format!("{} {}", self.total, self.records_of.unit),
        }
    }
}

/// Flows whose records are amounts of money, in fen.
fn in_fen(flow: Flow) -> bool {
    matches!(flow, Flow::Contributed(..) | Flow::ContributedFor(_) | Flow::ContractAmounts | Flow::LoanAmounts)
}

/// The modules whose records a rule lists: the viewer must read each over the scope to see them.
fn modules(rule: Rule) -> Vec<Module> {
    match rule {
        Rule::Orgs(_) | Rule::NewOrgs(_) | Rule::RegionsCovered(..) => vec![Module::Orgs],
        Rule::People(_) | Rule::WorkForce => vec![Module::People],
        Rule::Sum(flows, _) => flows.iter().map(|f| engine::module_of(*f)).collect(),
        Rule::Share(part, whole) => vec![engine::module_of(part), engine::module_of(whole)],
        Rule::Existing(r) => vec![engine::records(r).module],
        Rule::PerTenThousandYouth(of) => modules(of.rule),
        Rule::TargetCompletion => vec![Module::Accountability],
    }
}

/// The records of the figure `key` for the report asked for, on `side`, one page.
pub async fn drill(
    app: &App,
    actor: &Actor,
    key: &str,
    req: &ReportRequest,
    side: Side,
    q: Option<&str>,
    page: Option<u64>,
) -> AppResult<Drill> {
    let indicator = qingtuan_domain::indicator::find(key).ok_or(AppError::NotFound)?;
    let p = resolve(app, actor, req, READ).await?;
    open(app, actor, p, indicator, (side, q), Some(page_number(page))).await
}

/// Every record of the figure on `side` as an xlsx workbook, audited as an export.
pub async fn export(
    app: &App,
    actor: &Actor,
    key: &str,
    req: &ReportRequest,
    side: Side,
    q: Option<&str>,
) -> AppResult<(String, Vec<u8>)> {
    let indicator = qingtuan_domain::indicator::find(key).ok_or(AppError::NotFound)?;
    let p = resolve(app, actor, req, EXPORT).await?;
    let d = open(app, actor, p, indicator, (side, q), None).await?;
    if let Some(why) = &d.withheld {
        return Err(qingtuan_domain::Invalid::one("records", why.clone()).into());
    }
    crate::export::within_limit(d.rows.total)?;
    let rows: Vec<Vec<String>> = d
        .rows
        .items
        .iter()
        .map(|r| {
            vec![
                r.org.clone(),
                r.what.clone(),
                r.who.clone().unwrap_or_default(),
                r.on.map(|d| d.to_string()).unwrap_or_default(),
                d.value_shown(r.value),
            ]
        })
        .collect();
    let asked = serde_json::json!({
        "figure": indicator.key, "side": side.code(), "as_of": d.params.as_of, "baseline": d.params.baseline, "q": q,
    });
    let bytes = crate::export::audited(
        app,
        actor,
        Exported::of(ObjectKind::Org, asked).within(d.params.scope),
        "记录",
        &["组织", "记录", "人员", "日期", d.value_label()],
        rows,
    )
    .await?;
    Ok((format!("{}-{}-{}.xlsx", indicator.key, side.code(), d.params.as_of), bytes))
}

/// The sides a rule's records can be listed on.
fn sides(rule: Rule) -> Vec<Side> {
    match rule {
        Rule::Orgs(_) | Rule::People(_) | Rule::WorkForce => vec![Side::Counted, Side::Entered, Side::Left],
        Rule::Existing(r) if !matches!(engine::records(r).tally, Tally::Sum(_)) => {
            vec![Side::Counted, Side::Entered, Side::Left]
        }
        Rule::RegionsCovered(..) => vec![Side::Counted, Side::Entered, Side::Left, Side::Uncovered],
        Rule::Sum(..) => vec![Side::Counted, Side::Previous],
        Rule::Share(..) => vec![Side::Counted, Side::Whole],
        Rule::PerTenThousandYouth(of) => sides(of.rule),
        Rule::NewOrgs(_) | Rule::Existing(_) | Rule::TargetCompletion => vec![Side::Counted],
    }
}

async fn open(
    app: &App,
    actor: &Actor,
    p: Params,
    indicator: Indicator,
    (side, q): (Side, Option<&str>),
    page: Option<u64>,
) -> AppResult<Drill> {
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    let records_of = match indicator.rule {
        Rule::PerTenThousandYouth(of) => *of,
        _ => indicator,
    };
    let allowed = sides(records_of.rule);
    if !allowed.contains(&side) {
        return Err(qingtuan_domain::Invalid::one("side", "该指标没有这一类记录").into());
    }
    let report = evaluate_report(app, p.clone(), None).await?;
    let figure = report.figures.iter().find(|f| f.indicator.key == indicator.key).cloned().ok_or(AppError::NotFound)?;
    let scope = Scope::of(&app.db, &p).await?;
    let mut unreadable: Vec<&'static str> = Vec::new();
    for m in modules(records_of.rule) {
        let read = qingtuan_domain::permission::Permission::new(m, qingtuan_domain::permission::Action::Read);
        if !unreadable.contains(&m.label()) && !scope::covers(&app.db, actor, read, p.scope).await? {
            unreadable.push(m.label());
        }
    }
    let withheld =
        (!unreadable.is_empty()).then(|| format!("您没有查看“{}”记录的权限，这里只显示数目", unreadable.join("”“")));
    // Names in full: of the cadres a people figure counts, to those who read (and, for an export,
    // export) people; everyone else — volunteers, applicants, guests, children — masked.
    let cadres = matches!(records_of.rule, Rule::People(_) | Rule::WorkForce);
    let names = cadres
        && scope::covers(&app.db, actor, people::READ, p.scope).await?
        && (page.is_some() || scope::covers(&app.db, actor, people::EXPORT, p.scope).await?);
    let changes = match allowed.contains(&Side::Entered) {
        true => {
            let [entered, left] = [Side::Entered, Side::Left].map(|side| listings(records_of.rule, side, &p, &scope));
            let (entered, left) = tokio::try_join!(totals(&app.db, &entered), totals(&app.db, &left))?;
            Some((entered.0, left.0))
        }
        false => None,
    };
    let (mut rows, count, sum) = match records_of.rule {
        _ if withheld.is_some() && records_of.rule == Rule::TargetCompletion => {
            let (count, _) =
                totals(&app.db, &[flow_listing(Flow::LettersSigned, 0, p.period_start(), p.as_of, &scope)]).await?;
            (empty_page(count), count, figure.value)
        }
        _ if withheld.is_some() => {
            let (count, sum) = totals(&app.db, &listings(records_of.rule, side, &p, &scope)).await?;
            (empty_page(count), count, sum)
        }
        Rule::TargetCompletion => letters(app, &p, &scope, page).await?,
        rule => {
            let listings = listings(rule, side, &p, &scope);
            fetch(&app.db, &listings, page, q).await?
        }
    };
    if records_of.rule == Rule::WorkForce && scope.whole_tree {
        let on = if side == Side::Left { p.baseline } else { p.as_of };
        posts_of(&app.db, &mut rows.items, on).await?;
    }
    if !names {
        for r in &mut rows.items {
            r.who = r.who.as_deref().map(|n| mask_middle(n, 1, 0));
        }
    }
    let total = match records_of.rule {
        Rule::Sum(_, scale) => scale.apply(sum),
        _ => sum,
    };
    let flow = records_of.measure == qingtuan_domain::indicator::Measure::Flow;
    Ok(Drill {
        params: p,
        figure,
        records_of,
        side,
        sides: allowed.into_iter().map(|s| (s, s.label(flow))).collect(),
        rows,
        count,
        sum,
        total,
        valued: sum != count || matches!(records_of.rule, Rule::TargetCompletion),
        changes,
        withheld,
    })
}

/// The page of the listings' rows (all of them without a page), their count and their sum.
async fn fetch<C: ConnectionTrait>(
    conn: &C,
    listings: &[Listing],
    page: Option<u64>,
    q: Option<&str>,
) -> AppResult<(Page<DrillRow>, i64, i64)> {
    let backend = conn.get_database_backend();
    let (union, mut values) = union(listings);
    let (count, sum) = totals(conn, listings).await?;
    // A filter on the org or the record's text narrows the page, never the totals.
    let (filter, shown) = match q {
        Some(q) => {
            let q: String = q.chars().filter(|c| !c.is_control() && !matches!(c, '%' | '_')).take(50).collect();
            let like = format!("%{q}%");
            values.extend([like.clone().into(), like.into()]);
            // Coded text is stored as codes and shown by labels: a label typed finds its codes
            // (codes come from the domain's enums, safe as literals).
            let mut codes: Vec<&str> = listings
                .iter()
                .filter_map(|l| l.labels)
                .flat_map(|labels| labels())
                .filter(|(_, label)| label.contains(q.as_str()))
                .map(|(code, _)| code)
                .collect();
            codes.dedup();
            let coded = match codes.is_empty() {
                true => String::new(),
                false => format!(" OR what IN ({})", quoted(codes)),
            };
            let filter = format!(" WHERE org LIKE ? OR what LIKE ?{coded}");
            let sql = format!("SELECT COUNT(*) AS n FROM ({union}) x{filter}");
            let row = conn.query_one_raw(statement(backend, &sql, values.clone())).await?;
            (filter, row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
        }
        None => (String::new(), count),
    };
    let limit = match page {
        Some(n) => format!(" LIMIT {PER_PAGE} OFFSET {}", (n - 1) * PER_PAGE),
        None => format!(" LIMIT {}", crate::export::EXPORT_LIMIT),
    };
    let sql = format!(
        "SELECT id, lst, org, what, who, on_date, val FROM ({union}) x{filter} ORDER BY on_date DESC, lst, id DESC{limit}"
    );
    let mut items = Vec::new();
    for r in conn.query_all_raw(statement(backend, &sql, values)).await? {
        let lst: i64 = r.try_get("", "lst")?;
        let what: Option<String> = r.try_get("", "what")?;
        let labels = listings.get(lst as usize).and_then(|l| l.labels);
        let label = |w: &str| labels.and_then(|all| all().into_iter().find(|(code, _)| *code == w).map(|(_, l)| l));
        let what = what.map(|w| label(&w).map(str::to_owned).unwrap_or(w));
        items.push(DrillRow {
            id: r.try_get("", "id")?,
            org: r.try_get::<Option<String>>("", "org")?.unwrap_or_default(),
            what: what.unwrap_or_default(),
            who: r.try_get("", "who")?,
            on: r.try_get("", "on_date")?,
            value: r.try_get("", "val")?,
        });
    }
    let total = u64::try_from(shown).unwrap_or(0);
    let page = Page {
        items,
        total,
        page: page.unwrap_or(1),
        per_page: page.map_or(total.max(1), |_| PER_PAGE),
        capped: false,
    };
    Ok((page, count, sum))
}

/// Each person's post in a social-domain org held on `on` (the earliest begun), as the rows of the
/// whole tree's work force show it.
async fn posts_of<C: ConnectionTrait>(conn: &C, rows: &mut [DrillRow], on: NaiveDate) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    let sql = format!(
        "SELECT ps.person_id, o.name, ps.title, ps.start_on FROM positions ps JOIN orgs o ON o.id = ps.org_id \
         WHERE ps.person_id IN ({}) AND {} AND o.sector_id IN (SELECT id FROM sectors WHERE social_domain = TRUE) \
         ORDER BY ps.start_on DESC",
        ids.join(", "),
        post_held(on)
    );
    for r in conn.query_all_raw(statement(conn.get_database_backend(), &sql, Vec::new())).await? {
        let person: i64 = r.try_get_by_index(0)?;
        if let Some(row) = rows.iter_mut().find(|row| row.id == person) {
            row.org = r.try_get_by_index(1)?;
            let code: String = r.try_get_by_index(2)?;
            row.what = Title::of_code(&code).map_or(code, |t| t.label().to_owned());
        }
    }
    Ok(())
}

/// No rows, `count` of them.
fn empty_page(count: i64) -> Page<DrillRow> {
    Page { items: Vec::new(), total: u64::try_from(count).unwrap_or(0), page: 1, per_page: PER_PAGE, capped: false }
}

/// The letters a target-completion figure averages, each with its completion in whole per cent;
/// the sum is their average, computed as the figure is.
async fn letters(app: &App, p: &Params, scope: &Scope, page: Option<u64>) -> AppResult<(Page<DrillRow>, i64, i64)> {
    let listing = flow_listing(Flow::LettersSigned, 0, p.period_start(), p.as_of, scope);
    let (mut all, count, _) = fetch(&app.db, std::slice::from_ref(&listing), None, None).await?;
    let ids: Vec<i64> = all.items.iter().map(|row| row.id).collect();
    let completions = targets::completions(app, &ids, p.as_of).await?;
    let mut sum = 0.0;
    for row in &mut all.items {
        let completion = completions.get(&row.id).copied().unwrap_or(0.0);
        row.value = (completion * 100.0).round() as i64;
        sum += completion;
    }
    let average = if count == 0 { 0 } else { (sum * 100.0 / count as f64).round() as i64 };
    let items = match page {
        Some(n) => all.items.into_iter().skip(((n - 1) * PER_PAGE) as usize).take(PER_PAGE as usize).collect(),
        None => all.items,
    };
    let total = u64::try_from(count).unwrap_or(0);
    Ok((Page { items, total, page: page.unwrap_or(1), per_page: PER_PAGE, capped: false }, count, average))
}

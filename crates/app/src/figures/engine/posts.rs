//! The figures read from posts: the people counted by a post's rule (the cadre index's posts, as
//! SQLite's partial index reads them) and the work force on a date from its kept periods.

use chrono::NaiveDate;
use qingtuan_domain::indicator::{PostMatch, Rule};
use qingtuan_domain::position::{CadreSource, Employment, ServingLevel, Title};
use sea_orm::{ConnectionTrait, DbBackend};

use super::{Counts, Needed, counts_of};
use crate::error::AppResult;
use crate::figures::Params;
use crate::figures::sql::{Scope, post_held, quoted, statement};
use crate::registry::workforce;

/// The posts the partial index `ix_positions_cadres` (m0009, widened by m0027) holds, as its condition reads — the
/// query must repeat it word for word for SQLite to use the index — and as post matches.
pub(in crate::figures) const CADRE_POSTS: &str = "(ps.title = 'secretary' AND ps.source IN ('two_committees', 'good_rural_youth')) \
    OR (ps.source = 'social_selection' AND ps.serving_level IN ('district', 'street') \
    AND ps.employment IN ('seconded', 'part_time')) \
    OR (ps.source = 'purchased_service' AND ps.employment = 'social_worker')";
pub(in crate::figures) const CADRE_INDEX: [PostMatch; 3] = [
    PostMatch::ANY.titles(&[Title::Secretary]).sources(&[CadreSource::TwoCommittees, CadreSource::GoodRuralYouth]),
    PostMatch::ANY
        .sources(&[CadreSource::SocialSelection])
        .serving_levels(&[ServingLevel::District, ServingLevel::Street])
        .employments(&[Employment::Seconded, Employment::PartTime]),
    PostMatch::ANY.sources(&[CadreSource::PurchasedService]).employments(&[Employment::SocialWorker]),
];

/// A people rule's condition on the post `ps`, besides being held.
pub(in crate::figures) fn post_condition(m: &PostMatch) -> String {
    fn any_of<T: Copy>(column: &str, values: &[T], code: fn(T) -> &'static str) -> Option<String> {
        (!values.is_empty()).then(|| format!("{column} IN ({})", quoted(values.iter().map(|v| code(*v)))))
    }
    let parts: Vec<String> = [
        any_of("ps.title", m.titles, Title::code),
        any_of("ps.source", m.sources, CadreSource::code),
        any_of("ps.employment", m.employments, Employment::code),
        any_of("ps.serving_level", m.serving_levels, ServingLevel::code),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() { "1 = 1".into() } else { parts.join(" AND ") }
}

/// The people rules on both dates: each person counts once per rule, however many posts they hold.
/// The work force of the whole tree is counted from its merged periods (`workforce_spans`); of a
/// subtree or a street, its posts are grouped by person in two halves of the people (by the parity
/// of their id, so every person falls in exactly one half and the halves add up) on two of the
/// pool's connections. The other rules, which only a few posts can meet, come from those posts
/// alone, at the same time.
pub(super) async fn people_counts<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    p: &Params,
    needed: &Needed,
) -> AppResult<Counts> {
    let backend = conn.get_database_backend();
    let work_force: Vec<usize> =
        needed.entries().filter(|(_, ind)| ind.rule == Rule::WorkForce).map(|(i, _)| i).collect();
    let rules: Vec<(usize, &PostMatch)> = needed
        .entries()
        .filter_map(|(i, ind)| match &ind.rule {
            Rule::People(m) => Some((i, m)),
            _ => None,
        })
        .collect();
    let work_force_counts = async {
        if work_force.is_empty() {
            return AppResult::Ok(None);
        }
        Ok(Some(work_force_on(conn, scope, [p.as_of, p.baseline]).await?))
    };
    let few = async {
        if rules.is_empty() {
            return AppResult::Ok(Counts::new());
        }
        let (d, b) = (p.as_of, p.baseline);
        let mut flags = Vec::new();
        for (i, m) in &rules {
            let cond = post_condition(m);
            for (suffix, on) in [("d", d), ("b", b)] {
                flags.push((format!("c{i}_{suffix}"), format!("{} AND {cond}", post_held(on))));
            }
        }
        let inner: Vec<String> =
            flags.iter().map(|(name, cond)| format!("MAX(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {name}")).collect();
        let outer: Vec<String> = flags.iter().map(|(name, _)| format!("SUM({name}) AS {name}")).collect();
        // When every rule lies within the partial index, the query reads only its posts; SQLite's
        // planner would rather range over the covering index by start date, so it is named.
        let indexed = rules.iter().all(|(_, m)| CADRE_INDEX.iter().any(|wide| m.within(wide)));
        let (index, posts) = if indexed {
            (if backend == DbBackend::Sqlite { "INDEXED BY ix_positions_cadres" } else { "" }, CADRE_POSTS.to_owned())
        } else {
            let any: Vec<String> = rules.iter().map(|(_, m)| format!("({})", post_condition(m))).collect();
            ("", any.join(" OR "))
        };
        let sql = format!(
            "SELECT {} FROM (SELECT {} FROM positions ps {index} JOIN orgs o ON o.id = ps.org_id \
             WHERE {} AND ps.start_on <= '{}' AND ({posts}) GROUP BY ps.person_id) per_person",
            outer.join(", "),
            inner.join(", "),
            scope.sql,
            d.max(b),
        );
        counts_of(conn, &sql, scope, rules.iter().map(|(i, _)| *i)).await
    };
    let (work_force_counts, few) = tokio::join!(work_force_counts, few);
    let mut out: Counts = few?;
    if let Some(counts) = work_force_counts? {
        out.extend(work_force.iter().map(|i| (*i, counts)));
    }
    Ok(out)
}

/// The work force on two dates (see `people_counts`).
async fn work_force_on<C: ConnectionTrait>(conn: &C, scope: &Scope, [d, b]: [NaiveDate; 2]) -> AppResult<[i64; 2]> {
    if scope.whole_tree {
        return workforce::count_on(conn, [d, b]).await;
    }
    let backend = conn.get_database_backend();
    let half = |half: i64| {
        let sql = format!(
            "SELECT SUM(wf_d) AS wf_d, SUM(wf_b) AS wf_b \
             FROM (SELECT MAX(CASE WHEN {} THEN 1 ELSE 0 END) AS wf_d, MAX(CASE WHEN {} THEN 1 ELSE 0 END) AS wf_b \
             FROM positions ps JOIN orgs o ON o.id = ps.org_id \
             WHERE {} AND o.sector_id IN (SELECT id FROM sectors WHERE social_domain = TRUE) \
             AND ps.start_on <= '{}' AND ps.person_id % 2 = {half} GROUP BY ps.person_id) per_person",
            post_held(d),
            post_held(b),
            scope.sql,
            d.max(b),
        );
        conn.query_one_raw(statement(backend, &sql, scope.values.clone()))
    };
    let (even, odd) = tokio::join!(half(0), half(1));
    let mut sums = [0, 0];
    for row in [even?, odd?].into_iter().flatten() {
        for (sum, name) in sums.iter_mut().zip(["wf_d", "wf_b"]) {
            *sum += row.try_get::<Option<i64>>("", name)?.unwrap_or(0);
        }
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use qingtuan_domain::indicator::{CATALOGUE, Rule};

    use super::CADRE_INDEX;

    #[test]
    fn every_people_rule_of_the_catalogue_reads_only_the_cadre_index() {
        for ind in CATALOGUE {
            if let Rule::People(m) = &ind.rule {
                assert!(CADRE_INDEX.iter().any(|wide| m.within(wide)), "{} lies outside ix_positions_cadres", ind.key);
            }
        }
    }
}

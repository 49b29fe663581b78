//! The demo's people and their posts, dated so the work force and the selected cadres reproduce the seed.

use super::*;

/// The work force (O8) and the cadres (C1, C2), and the young people C4's open selection will
/// appoint.
pub(super) async fn people_and_positions(
    app: &App,
    g: &mut Gen,
    b: NaiveDate,
    d: NaiveDate,
) -> Result<Staff, AppError> {
    const AT_BASELINE: usize = 1517; // 41 per 10,000 of 370,000 youth
    const LEFT_SINCE: usize = 37; // held a post at the baseline, left before the as-of date
    const AT_AS_OF: usize = 4812; // 126 per 10,000 of 381,900 youth
    let newcomers = AT_AS_OF - (AT_BASELINE - LEFT_SINCE);
    let total = AT_BASELINE + newcomers + 11 + 60;

    let mut people_forms = Vec::with_capacity(total);
    for n in 0..total {
        // Birth day and sequence digits together are unique for n < 5800 (37 is prime to 5800).
        let birth = date(1988, 1, 1).checked_add_days(Days::new((n as u64 * 37) % 5800)).unwrap_or_default();
        let first17 = format!("370214{}{:03}", birth.format("%Y%m%d"), n % 1000);
        let id = format!("{first17}{}", check_char(&first17).unwrap_or('0'));
        let name = format!(
            "{}{}{}",
            SURNAMES.choose(&mut g.rng).copied().unwrap_or("王"),
            GIVEN.choose(&mut g.rng).copied().unwrap_or("伟"),
            if n % 3 == 0 { GIVEN.choose(&mut g.rng).copied().unwrap_or("") } else { "" }
        );
        people_forms.push(NewPerson {
            name,
            id_number: id,
            phone: format!("1{}{:09}", 3 + n % 7, 100_000_000 + n),
            political_status: if n % 5 == 0 { "party_member".into() } else { "league_member".into() },
            ..NewPerson::default()
        });
    }
    let ids = people::create_batch(app, &Actor::system(), &people_forms).await.map_err(fail)?;

    let old_social: Vec<usize> = (0..g.social.len()).filter(|i| g.social[*i].founded <= date(2020, 6, 30)).collect();
    let all_social: Vec<usize> = (0..g.social.len()).collect();
    let branch_codes: Vec<usize> =
        (0..g.social.len()).filter(|i| g.social[*i].code.ends_with('B') && g.social[*i].code.contains('-')).collect();
    let street_committees: Vec<usize> =
        (0..g.social.len()).filter(|i| g.social[*i].code.len() == 5 && g.social[*i].code.ends_with('T')).collect();

    let mut forms: Vec<NewPosition> = Vec::new();
    let position = |person: PersonId,
                    org: &str,
                    title: &str,
                    employment: &str,
                    source: &str,
                    level: &str,
                    start: NaiveDate,
                    end: Option<NaiveDate>| NewPosition {
        id_number: String::new(),
        name: String::new(),
        person_id: Some(person),
        org_code: org.into(),
        title: title.into(),
        employment: employment.into(),
        source: source.into(),
        serving_level: level.into(),
        start_on: start.to_string(),
        end_on: end.map(|e| e.to_string()).unwrap_or_default(),
    };
    let mut next = 0;
    let mut take = || {
        next += 1;
        ids[next - 1]
    };

    // C1, C2: a secretary for every community branch; 77 from the "two committees", 33 good rural youth.
    let mut sources: Vec<&str> = std::iter::repeat_n("two_committees", 77)
        .chain(std::iter::repeat_n("good_rural_youth", 33))
        .chain(std::iter::repeat_n("election", branch_codes.len().saturating_sub(110)))
        .collect();
    sources.shuffle(&mut g.rng);
    let mut veterans_used = 0;
    let mut newcomers_used = 0;
    // Secretaries are placed after the veterans and newcomers are split, so track both pools.
    let mut veteran_posts: Vec<(PersonId, usize, NaiveDate)> = Vec::new();
    let mut newcomer_posts: Vec<(PersonId, usize, NaiveDate)> = Vec::new();
    for (i, org) in branch_codes.iter().enumerate() {
        let founded = g.social[*org].founded;
        let source = sources.get(i).copied().unwrap_or("election");
        if founded <= date(2020, 6, 30) && i % 2 == 0 && veterans_used < AT_BASELINE - LEFT_SINCE {
            let start = g.day_between(founded.max(date(2016, 1, 1)), date(2020, 11, 30));
            veteran_posts.push((take(), *org, start));
            forms.push(position(
                veteran_posts.last().map_or(PersonId(0), |p| p.0),
                &g.social[*org].code,
                "secretary",
                "part_time",
                source,
                "",
                start,
                None,
            ));
            veterans_used += 1;
        } else {
            let start = g.day_between(founded.max(b).succ_opt().unwrap_or(b), d.pred_opt().unwrap_or(d));
            let who = ids[AT_BASELINE + newcomers_used];
            newcomers_used += 1;
            newcomer_posts.push((who, *org, start));
            forms.push(position(who, &g.social[*org].code, "secretary", "part_time", source, "", start, None));
        }
    }
    // The rest of the veterans: posts in organisations that existed before the reform; some left.
    while veterans_used < AT_BASELINE {
        let org = *old_social.choose(&mut g.rng).unwrap_or(&0);
        let start = g.day_between(g.social[org].founded.max(date(2015, 1, 1)), date(2020, 11, 30));
        let who = take();
        let end =
            (veterans_used >= AT_BASELINE - LEFT_SINCE).then(|| g.day_between(date(2021, 2, 1), date(2022, 4, 30)));
        let (title, employment) = [
            ("member", "part_time"),
            ("staff", "social_worker"),
            ("member", "volunteer_core"),
            ("deputy_secretary", "part_time"),
        ][veterans_used % 4];
        forms.push(position(who, &g.social[org].code, title, employment, "election", "", start, end));
        veteran_posts.push((who, org, start));
        veterans_used += 1;
    }
    // C4: 32 young people selected to street working committees, four per street — their posts
    // come from the open selection (`selection`), appointed in 2021 or 2022.
    let mut selected = Vec::with_capacity(43);
    let mut social_workers = Vec::new();
    for (i, org) in street_committees.iter().cycle().take(32).enumerate() {
        let n = AT_BASELINE + newcomers_used;
        newcomers_used += 1;
        let employment = if i % 2 == 0 { "seconded" } else { "part_time" };
        selected.push(Selected::of(&people_forms[n], &g.social[*org].code, employment, "street"));
        // The day drawn here once started the post; it still dates the person's second post below
        // (and keeps the generator's sequence, so the rest of the demo stays as it was).
        let start = g.day_between(date(2021, 3, 1), date(2022, 3, 31));
        newcomer_posts.push((ids[n], *org, start));
    }
    // The rest of the newcomers, in any social-domain organisation existing when they start.
    while newcomers_used < newcomers {
        let org = *all_social.choose(&mut g.rng).unwrap_or(&0);
        let start = g.day_between(g.social[org].founded.max(b).succ_opt().unwrap_or(b), d.pred_opt().unwrap_or(d));
        let who = ids[AT_BASELINE + newcomers_used];
        newcomers_used += 1;
        let (title, employment, source) = [
            ("member", "part_time", "election"),
            ("staff", "social_worker", "purchased_service"),
            ("member", "volunteer_core", "other"),
            ("director", "full_time", "social_selection"),
        ][newcomers_used % 4];
        if employment == "social_worker" {
            let n = AT_BASELINE + newcomers_used - 1;
            social_workers.push(Selected::of(&people_forms[n], &g.social[org].code, employment, ""));
        }
        forms.push(position(who, &g.social[org].code, title, employment, source, "", start, None));
        newcomer_posts.push((who, org, start));
    }
    // 300 people hold a second post: counted once.
    for (who, _, start) in newcomer_posts.iter().take(300) {
        let org = *all_social.choose(&mut g.rng).unwrap_or(&0);
        let second = (*start).max(g.social[org].founded).succ_opt().unwrap_or(*start);
        if second < d {
            forms.push(position(*who, &g.social[org].code, "member", "volunteer_core", "other", "", second, None));
        }
    }
    // C4: 11 young people selected to the district committee (not in the social domain).
    let base = AT_BASELINE + newcomers;
    for i in 0..11 {
        // Drawn as before, so the generator's sequence (and the rest of the demo) stays as it was.
        let _ = g.day_between(date(2021, 3, 1), date(2022, 3, 31));
        let employment = if i % 2 == 0 { "seconded" } else { "part_time" };
        selected.push(Selected::of(&people_forms[base + i], "CY", employment, "district"));
    }
    // Staff of schools and government bodies: not the social-domain work force.
    // (From 2020-09-01, or from the org's founding if it came later: no post predates its org.)
    let traditional: Vec<(String, NaiveDate)> = g
        .orgs
        .iter()
        .filter(|o| matches!(o.sector_code.as_str(), "education" | "government"))
        .map(|o| (o.code.clone(), o.founded_on.parse().unwrap_or(date(2020, 9, 1))))
        .collect();
    for i in 0..60 {
        let Some((org, founded)) = traditional.get(i % traditional.len().max(1)) else { break };
        forms.push(position(
            ids[base + 11 + i],
            org,
            if i % 6 == 0 { "secretary" } else { "member" },
            "full_time",
            "election",
            "",
            date(2020, 9, 1).max(*founded),
            None,
        ));
    }
    positions::create_batch(app, &Actor::system(), &forms).await.map_err(fail)?;
    Ok(Staff { ids, selected, social_workers })
}

/// The people the demo made, and those later steps name: who C4's selection appoints, and the
/// social workers bought services place (already in post).
pub(super) struct Staff {
    pub ids: Vec<PersonId>,
    pub selected: Vec<Selected>,
    pub social_workers: Vec<Selected>,
}

/// A young person the open selection will appoint, or a social worker in post: who, in which org,
/// how.
pub(super) struct Selected {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub org_code: String,
    pub employment: &'static str,
    pub level: &'static str,
}

impl Selected {
    fn of(p: &NewPerson, org_code: &str, employment: &'static str, level: &'static str) -> Self {
        Self {
            name: p.name.clone(),
            id_number: p.id_number.clone(),
            phone: p.phone.clone(),
            org_code: org_code.into(),
            employment,
            level,
        }
    }
}

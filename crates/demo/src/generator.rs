//! `qingtuan gen`: a large synthetic district for benchmarks — N organisations, M people and P
//! positions, through the same batch use-cases as imports. Deterministic for a given size.

use chrono::{Days, NaiveDate};
use qingtuan_domain::person::check_char;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use qingtuan_app::registry::orgs::{self, NewOrg};
use qingtuan_app::registry::people::{self, NewPerson};
use qingtuan_app::registry::positions::{self, NewPosition};
use qingtuan_app::registry::regions::{self, NewPopulation, NewRegion};
use qingtuan_app::{Actor, App, AppError};

#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub orgs: usize,
    pub people: usize,
    pub positions: usize,
}

pub const STREETS: usize = 20;

fn day(rng: &mut StdRng, from: NaiveDate, days: u64) -> NaiveDate {
    from.checked_add_days(Days::new(rng.gen_range(0..days))).unwrap_or(from)
}

/// A valid, unique synthetic ID number for every `n` below 5.8 million.
pub fn id_number(n: usize) -> String {
    let birth = NaiveDate::from_ymd_opt(1988, 1, 1)
        .and_then(|d| d.checked_add_days(Days::new((n as u64 * 37) % 5800)))
        .unwrap_or_default();
    let first17 = format!("370214{}{:03}", birth.format("%Y%m%d"), (n / 5800) % 1000);
    format!("{first17}{}", check_char(&first17).unwrap_or('0'))
}

/// Builds the district into an empty database; `progress(stage, done, total)` reports each stage.
pub async fn build(app: &App, size: Size, progress: &(dyn Fn(&str, usize, usize) + Sync)) -> Result<(), AppError> {
    let sys = Actor::system();
    let mut rng = StdRng::seed_from_u64(size.orgs as u64 ^ (size.people as u64) << 20);
    let communities = (size.orgs / 10).max(STREETS);

    let mut regions_rows = vec![NewRegion {
        code: "G".into(),
        name: "合成区".into(),
        kind: "district".into(),
        parent_code: String::new(),
    }];
    let mut populations = Vec::new();
    for s in 0..STREETS {
        regions_rows.push(NewRegion {
            code: format!("G{s:02}"),
            name: format!("合成第{}街道", s + 1),
            kind: "street".into(),
            parent_code: "G".into(),
        });
        for (year, base) in [(2020, 18_000), (2022, 19_000)] {
            populations.push(NewPopulation {
                region_code: format!("G{s:02}"),
                year: year.to_string(),
                count: (base + s * 100).to_string(),
                source: "合成数据".into(),
            });
        }
    }
    for c in 0..communities {
        regions_rows.push(NewRegion {
            code: format!("G{:02}-{c:05}", c % STREETS),
            name: format!("合成第{}社区", c + 1),
            kind: "community".into(),
            parent_code: format!("G{:02}", c % STREETS),
        });
    }
    progress("区域", 0, regions_rows.len());
    regions::create_batch(app, &sys, &regions_rows, false).await?;
    regions::set_populations(app, &sys, &populations, false).await?;

    let sectors = [
        "street_community",
        "non_public_enterprise",
        "social_organisation",
        "new_youth_group",
        "park_business",
        "education",
        "government",
        "soe",
    ];
    let kinds =
        ["branch", "branch", "branch", "general_branch", "committee", "youth_work_committee", "pioneer_work_committee"];
    let start = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let mut org_rows = vec![NewOrg {
        code: "G".into(),
        name: "合成区团委".into(),
        kind: "district_committee".into(),
        sector_code: "government".into(),
        region_code: "G".into(),
        founded_on: "1990-01-01".into(),
        ..NewOrg::default()
    }];
    for s in 0..STREETS {
        org_rows.push(NewOrg {
            code: format!("G{s:02}T"),
            name: format!("合成第{}街道团工委", s + 1),
            kind: "working_committee".into(),
            parent_code: "G".into(),
            sector_code: "street_community".into(),
            region_code: format!("G{s:02}"),
            founded_on: "2000-01-01".into(),
            ..NewOrg::default()
        });
    }
    let mut codes: Vec<String> = org_rows.iter().map(|o| o.code.clone()).collect();
    while org_rows.len() < size.orgs {
        let n = org_rows.len();
        let c = rng.gen_range(0..communities);
        let code = format!("GO{n:06}");
        org_rows.push(NewOrg {
            code: code.clone(),
            name: format!("合成组织{n}"),
            kind: kinds[n % kinds.len()].into(),
            parent_code: format!("G{:02}T", c % STREETS),
            sector_code: sectors[rng.gen_range(0..sectors.len())].into(),
            region_code: format!("G{:02}-{c:05}", c % STREETS),
            founded_on: day(&mut rng, start, 8000).to_string(),
            ..NewOrg::default()
        });
        codes.push(code);
    }
    let report = |stage: &'static str| move |done: usize, total: usize| progress(stage, done, total);
    orgs::create_batch(app, &sys, &org_rows, false, &report("组织")).await?;

    let people_rows: Vec<NewPerson> = (0..size.people)
        .map(|n| NewPerson {
            name: format!("合成{}", n % 10_000),
            id_number: id_number(n),
            phone: format!("13{:09}", n),
            ..NewPerson::default()
        })
        .collect();
    let ids = people::create_batch_with_progress(app, &sys, &people_rows, false, &report("人员")).await?;
    drop(people_rows);

    let titles = ["member", "member", "member", "secretary", "deputy_secretary", "staff"];
    let sources = ["election", "two_committees", "good_rural_youth", "social_selection", "purchased_service", "other"];
    let mut position_rows = Vec::with_capacity(size.positions);
    for n in 0..size.positions {
        let org = &org_rows[rng.gen_range(0..org_rows.len())];
        let founded = NaiveDate::parse_from_str(&org.founded_on, "%Y-%m-%d").unwrap_or(start);
        let begin = day(&mut rng, founded.max(NaiveDate::from_ymd_opt(2015, 1, 1).unwrap_or(start)), 2500);
        let end =
            (n % 10 == 0).then(|| day(&mut rng, begin.succ_opt().unwrap_or(begin), 900).succ_opt().unwrap_or(begin));
        position_rows.push(NewPosition {
            person_id: Some(ids[n % ids.len().max(1)]),
            org_code: org.code.clone(),
            title: titles[n % titles.len()].into(),
            employment: if n % 7 == 0 { "seconded".into() } else { "part_time".into() },
            source: sources[n % sources.len()].into(),
            serving_level: if n % 7 == 0 { ["district", "street"][n % 2].into() } else { String::new() },
            start_on: begin.to_string(),
            end_on: end.map(|e| e.to_string()).unwrap_or_default(),
            ..NewPosition::default()
        });
    }
    positions::create_batch_with_progress(app, &sys, &position_rows, false, &report("职务")).await?;
    qingtuan_app::db::checkpoint(app.writer()).await?;
    Ok(())
}

//! The demo's open selection (C4): the district committee and each street working committee
//! opened their places in 2021 or 2022; the young people the seed counts applied on the portal
//! with others, passed the check, ranked first in the written test and interview, stood on public
//! notice and were appointed — so C4's 11 district-level and 32 street-level cadres come from the
//! selection records. Each stage runs on a clock set to its day.

use std::collections::BTreeMap;

use qingtuan_app::registry::partners::{self, NewPartner};
use qingtuan_app::selection::{self, ApplicationForm, NewContract, NewOpening, NewWorker};
use qingtuan_app::{ClientInfo, ManualClock};
use qingtuan_domain::ids::OpeningId;

use super::staff::Selected;
use super::*;

/// An app whose clock reads 9 o'clock on `day`.
fn on(app: &App, day: NaiveDate) -> App {
    let mut then = app.clone();
    then.clock = std::sync::Arc::new(ManualClock::new(day.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc()));
    then
}

/// One opening's days: the window, the check and scores, the notice, the appointment.
struct Round {
    opens: NaiveDate,
    closes: NaiveDate,
    scored: NaiveDate,
    notice: NaiveDate,
    appointed: NaiveDate,
}

/// Seconded places were opened in 2021, part-time places in 2022.
fn rounds() -> [Round; 2] {
    [
        Round {
            opens: date(2021, 3, 1),
            closes: date(2021, 3, 12),
            scored: date(2021, 3, 19),
            notice: date(2021, 3, 22),
            appointed: date(2021, 4, 1),
        },
        Round {
            opens: date(2022, 2, 14),
            closes: date(2022, 2, 25),
            scored: date(2022, 2, 28),
            notice: date(2022, 3, 1),
            appointed: date(2022, 3, 10),
        },
    ]
}

pub(super) async fn open_selection(app: &App, rng: &mut StdRng, selected: Vec<Selected>) -> Result<(), AppError> {
    let system = Actor::system();
    // One opening per org and kind: seconded places in 2021, part-time places in 2022.
    let mut by_opening: BTreeMap<(String, &'static str, &'static str), Vec<Selected>> = BTreeMap::new();
    for s in selected {
        by_opening.entry((s.org_code.clone(), s.employment, s.level)).or_default().push(s);
    }
    let [seconded, part_time] = rounds();
    let mut applicant = 0u32;
    for ((org_code, employment, level), people) in by_opening {
        let round = if employment == "seconded" { &seconded } else { &part_time };
        let form = NewOpening {
            org_code: org_code.clone(),
            serving_level: level.into(),
            employment: employment.into(),
            places: people.len().to_string(),
            opens_on: round.opens.to_string(),
            closes_on: round.closes.to_string(),
            ..Default::default()
        };
        let opened = on(app, round.opens);
        let id = selection::open(&opened, &system, &form).await?;
        // Those the seed counts, and two more: one ranked below the places, one not qualified.
        let mut applicants: Vec<(String, String, String, bool)> =
            people.iter().map(|p| (p.name.clone(), p.id_number.clone(), p.phone.clone(), true)).collect();
        for _ in 0..2 {
            applicant += 1;
            let birth = date(1992, 1, 1).checked_add_days(Days::new(u64::from(applicant) * 53)).unwrap_or_default();
            let first17 = format!("370281{}{:03}", birth.format("%Y%m%d"), applicant);
            let id_number = format!("{first17}{}", check_char(&first17).unwrap_or('0'));
            let name = format!(
                "{}{}",
                SURNAMES.choose(rng).copied().unwrap_or("王"),
                GIVEN.choose(rng).copied().unwrap_or("伟")
            );
            applicants.push((name, id_number, format!("139{:08}", 10_000_000 + applicant), false));
        }
        for (k, (name, id_number, phone, _)) in applicants.iter().enumerate() {
            let client = ClientInfo { addr: format!("demo-{applicant}-{k}"), user_agent: "demo".into() };
            let form = ApplicationForm {
                name: name.clone(),
                id_number: id_number.clone(),
                phone: phone.clone(),
                education: "大学本科".into(),
                political_status: "league_member".into(),
                resume: "毕业后在辖区企业和社会组织工作，长期参与社区青年志愿服务。".into(),
            };
            selection::apply(&on(app, round.opens), &client, id, &form, None).await?;
        }
        stages(app, rng, id, round, &applicants).await?;
    }
    Ok(())
}

/// Checks and scores an opening's applicants (the last one not qualified), puts the first ranked
/// on notice and appoints them.
async fn stages(
    app: &App,
    rng: &mut StdRng,
    id: OpeningId,
    round: &Round,
    applicants: &[(String, String, String, bool)],
) -> Result<(), AppError> {
    let system = Actor::system();
    let scoring = on(app, round.scored);
    let detail = selection::opening(&scoring, &system, id).await?;
    for (row, (_, _, _, chosen)) in detail.applications.iter().zip(applicants) {
        let last = std::ptr::eq(row, detail.applications.last().unwrap_or(row));
        if last {
            selection::check(&scoring, &system, row.id, false, "工作经历不满两年").await?;
            continue;
        }
        selection::check(&scoring, &system, row.id, true, "").await?;
        let (low, high) = if *chosen { (82, 96) } else { (60, 75) };
        let written = rng.gen_range(low..high).to_string();
        let interview = rng.gen_range(low..high).to_string();
        selection::enter_scores(&scoring, &system, row.id, &written, &interview).await?;
    }
    selection::start_notice(&on(app, round.notice), &system, id).await?;
    selection::appoint(&on(app, round.appointed), &system, id, &round.appointed.to_string()).await.map(|_| ())
}

/// C5: two streets buy youth social work from social-work organisations; the social workers in
/// post in their communities are the contracts' (the work force stays as it was).
pub(super) async fn purchased_services(app: &App, social_workers: &[Selected]) -> Result<(), AppError> {
    let system = Actor::system();
    let buys = [
        ("CY03", "52370214MJD74313XN", "城阳区阳光青少年事务社会工作服务中心", "夏庄街道青少年事务社工服务", "300000"),
        ("CY08", "52370214MJD843218U", "城阳区益行社会工作服务中心", "河套街道青少年成长护航服务", "180000"),
    ];
    let periods = [(date(2021, 7, 1), date(2022, 6, 30)), (date(2022, 1, 1), date(2022, 12, 31))];
    for ((street, code, provider, title, amount), (from, to)) in buys.into_iter().zip(periods) {
        let partner = NewPartner {
            org_code: format!("{street}T"),
            name: provider.into(),
            credit_code: code.into(),
            kind: "social_organisation".into(),
            contact_name: "社工站负责人".into(),
            contact_phone: "13905320000".into(),
        };
        partners::create(app, &system, &partner).await?;
        let contract = NewContract {
            org_code: format!("{street}T"),
            partner_code: code.into(),
            title: title.into(),
            amount: amount.into(),
            starts_on: from.to_string(),
            ends_on: to.to_string(),
            deliverables: "每个社区每月开展青少年服务活动不少于 2 次；建立困境青少年台账；参与志愿服务项目".into(),
        };
        let id = selection::sign_contract(app, &system, &contract).await?;
        for w in social_workers.iter().filter(|w| w.org_code.starts_with(street)).take(4) {
            let worker = NewWorker {
                id_number: w.id_number.clone(),
                name: w.name.clone(),
                org_code: w.org_code.clone(),
                ..Default::default()
            };
            selection::place_worker(app, &system, id, &worker).await?;
        }
    }
    Ok(())
}

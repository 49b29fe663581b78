//! B4: the district's four youth stations (青年驿站), opened in the summer of 2021, and their guests
//! up to May 2022: 102 check-ins of young graduates looking for work, each staying two to six
//! nights with job information and career guidance; followed up after they left, 59 found work in
//! the district within the stations' 90 days, 16 elsewhere.

use super::*;
use chrono::Datelike;
use qingtuan_app::stations::{self, DeskStep, NewStation, NewStay};

pub(super) async fn stations(app: &App) -> Result<(), AppError> {
    let system = Actor::system();
    let mut ids = Vec::new();
    for (org, name, address, beds, opened) in [
        ("CY", "城阳区青年驿站（青年之家旗舰店）", "正阳路青年创业大厦三层", "8", "2021-06-18"),
        ("CY01T", "城阳街道青年驿站", "城阳街道文阳路 269 号", "6", "2021-07-01"),
        ("CY02T", "流亭街道青年驿站", "流亭街道双元路社区服务中心三层", "6", "2021-07-01"),
        ("CY05T", "棘洪滩街道青年驿站", "棘洪滩街道锦盛一路 12 号", "4", "2021-09-01"),
    ] {
        let form = NewStation {
            org_code: org.into(),
            name: name.into(),
            address: address.into(),
            beds: beds.into(),
            max_age: "35".into(),
            graduated_within_years: "2".into(),
            max_free_nights: "7".into(),
            employment_window_days: "90".into(),
            opened_on: opened.into(),
        };
        ids.push(stations::create(app, &system, &form).await?);
    }
    let first = date(2021, 9, 2);
    let follow_up = date(2022, 5, 30);
    for n in 0..102u64 {
        let station = ids[(n % 4) as usize];
        let arrives = first + Days::new(n * 26 / 10);
        let nights = 2 + n % 5;
        let leaves = arrives + Days::new(nights);
        let birth = date(1996 + (n % 6) as i32, (n % 12) as u32 + 1, (n % 28) as u32 + 1);
        let first17 = format!("370214{}{:03}", birth.format("%Y%m%d"), 600 + n);
        let form = NewStay {
            name: format!("{}{}", SURNAMES[n as usize % SURNAMES.len()], GIVEN[(n as usize * 7) % GIVEN.len()]),
            id_number: format!("{first17}{}", check_char(&first17).unwrap_or('0')),
            phone: format!("1370532{:04}", 3000 + n),
            school: ["山东某大学", "青岛某学院", "潍坊某职业学院", "烟台某大学"][(n % 4) as usize].into(),
            graduated: format!("{}-06", arrives.year() - (n % 2) as i32),
            arrives_on: arrives.to_string(),
            leaves_on: leaves.to_string(),
        };
        let stay = stations::book_at_desk(app, &system, station, &form).await?;
        let step = |action: &str, on: NaiveDate| DeskStep {
            action: action.into(),
            on_date: on.to_string(),
            ..DeskStep::default()
        };
        stations::act(app, &system, stay, &step("check_in", arrives)).await?;
        let out = DeskStep {
            job_info: "yes".into(),
            career_guidance: if n % 3 == 0 { String::new() } else { "yes".into() },
            counselling: if n % 10 == 0 { "yes".into() } else { String::new() },
            ..step("check_out", leaves)
        };
        stations::act(app, &system, stay, &out).await?;
        // 59 found work in the district within 90 days; others elsewhere, or not yet.
        let (employed, in_district, after) = match (n * 37) % 102 {
            0..59 => (true, true, 10 + n % 60),
            59..75 => (true, false, 20),
            _ => (false, false, 0),
        };
        let started = (leaves + Days::new(after)).min(follow_up);
        let follow = DeskStep {
            employed: if employed { "yes".into() } else { "no".into() },
            employer: if employed { "城阳区某企业".into() } else { String::new() },
            in_district: if in_district { "yes".into() } else { "no".into() },
            started_on: if employed { started.to_string() } else { String::new() },
            ..step("follow_up", follow_up)
        };
        stations::act(app, &system, stay, &follow).await?;
    }
    Ok(())
}

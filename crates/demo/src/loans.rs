//! P3: the Youth Pioneer Loan (青创先锋贷) with the rural commercial bank, since the reform: 85
//! loans disbursed for 10.35 million yuan by 2022-05-31 — 35 of 50,000, 30 of 100,000, 15 of
//! 200,000 and 5 of 520,000 yuan — across the eight streets, each recommended by its street's
//! working committee and approved, disbursed and followed up by the bank's own account; besides
//! them the applications the streets declined, the bank refused, and those still in the pipeline.

use super::*;
use qingtuan_app::loans::applications::{self, NewApplication};
use qingtuan_app::loans::pipeline::{self, Step};
use qingtuan_app::loans::products::{self, NewProduct};
use qingtuan_domain::loan::BusinessSector;

const BUSINESSES: &[&str] = &[
    "电商工作室",
    "农产品合作社",
    "民宿",
    "文创工作室",
    "餐饮店",
    "维修服务部",
    "科技工作室",
    "花卉种植园",
    "直播基地",
    "烘焙坊",
];

/// The bank's account (its username and password), which decided every loan.
pub(super) async fn loans(app: &App, rng: &mut StdRng) -> Result<(&'static str, String), AppError> {
    let system = Actor::system();
    let bank = platforms::bank_code();
    let product = NewProduct {
        org_code: "CY".into(),
        bank_code: bank.clone(),
        name: "青创先锋贷".into(),
        max_age: "35".into(),
        max_amount: "1000000".into(),
    };
    let product = products::create(app, &system, &product).await?;

    // The bank's own account: its page and the loans recommended to it.
    let username = "nongshang";
    let password = qingtuan_app::crypto::one_time_password();
    let account = NewUser {
        username: username.into(),
        display_name: "农商银行普惠金融部".into(),
        role_code: "partner_staff".into(),
        scope_code: String::new(),
        partner_code: bank,
        password: Some(password.clone()),
    };
    let created = users::create(app, &system, &account).await?;
    let more = users::NewAssignment { role_code: "bank_staff".into(), scope_code: String::new() };
    users::assign_role(app, &system, created.id, &more).await?;
    let teller = qingtuan_app::access::auth::load_actor(app, created.id, &qingtuan_app::ClientInfo::local())
        .await?
        .ok_or_else(|| AppError::Internal("the bank's account".into()))?;

    let amounts = [(35, 50_000), (30, 100_000), (15, 200_000), (5, 520_000)];
    let mut plan: Vec<i64> = amounts.iter().flat_map(|(n, yuan)| std::iter::repeat_n(*yuan, *n)).collect();
    plan.shuffle(rng);
    // What did not become a loan: declined by the street, refused by the bank, still under way.
    let outcomes = plan
        .iter()
        .map(|yuan| ("disbursed", *yuan))
        .chain(std::iter::repeat_n(("declined", 80_000), 9))
        .chain(std::iter::repeat_n(("refused", 150_000), 5))
        .chain(std::iter::repeat_n(("approved", 100_000), 3))
        .chain(std::iter::repeat_n(("recommended", 60_000), 4))
        .chain(std::iter::repeat_n(("applied", 50_000), 3));
    let start = date(2021, 3, 1);
    for (n, (outcome, yuan)) in outcomes.enumerate() {
        let street = format!("CY0{}T", n % 8 + 1);
        let under_way = matches!(outcome, "approved" | "recommended" | "applied");
        let applied = if under_way {
            date(2022, 5, 10) + Days::new(n as u64 % 10)
        } else {
            start + Days::new((n as u64 * 5) % 420)
        };
        let birth = date(1990 + (n % 10) as i32, (n % 12) as u32 + 1, (n % 27) as u32 + 1);
        let first17 = format!("370214{}{:03}", birth.format("%Y%m%d"), 800 + n);
        let id_number = format!("{first17}{}", check_char(&first17).unwrap_or('0'));
        let sector = BusinessSector::ALL[rng.gen_range(0..BusinessSector::ALL.len())];
        let form = NewApplication {
            product_id: product.to_string(),
            org_code: street,
            name: format!(
                "{}{}",
                SURNAMES.choose(rng).copied().unwrap_or("王"),
                GIVEN.choose(rng).copied().unwrap_or("伟")
            ),
            id_number,
            phone: format!("1390532{:04}", 2000 + n),
            business_name: format!("青年{}", BUSINESSES[n % BUSINESSES.len()]),
            business_credit_code: String::new(),
            sector: sector.code().into(),
            jobs_before: rng.gen_range(1..6).to_string(),
            amount: yuan.to_string(),
            purpose: "扩大经营、购置设备".into(),
            applied_on: applied.to_string(),
        };
        let id = applications::record(app, &system, &form).await?;
        let at = |days: u64| (applied + Days::new(days)).to_string();
        let act = |action: &str, on: String| Step { action: action.into(), on_date: on, ..Step::default() };
        if outcome == "applied" {
            continue;
        }
        if outcome == "declined" {
            let step = Step {
                note: "经营计划尚不成熟，建议参加创业培训后再申请".into(), ..act("decline", at(3))
            };
            pipeline::act(app, &system, id, &step).await?;
            continue;
        }
        pipeline::act(app, &system, id, &act("recommend", at(3))).await?;
        match outcome {
            "recommended" => continue,
            "refused" => {
                let step = Step { note: "征信记录不符合要求".into(), ..act("refuse", at(8)) };
                pipeline::act(app, &teller, id, &step).await?;
                continue;
            }
            _ => {}
        }
        let approve =
            Step { amount: yuan.to_string(), rate: "3.85".into(), term_months: "36".into(), ..act("approve", at(8)) };
        pipeline::act(app, &teller, id, &approve).await?;
        if outcome == "approved" {
            continue;
        }
        let disbursed = applied + Days::new(12 + n as u64 % 6);
        let disburse = Step { amount: yuan.to_string(), ..act("disburse", disbursed.to_string()) };
        pipeline::act(app, &teller, id, &disburse).await?;
        let repayment = match n % 20 {
            0 => "overdue",
            1..=4 if disbursed < date(2021, 9, 1) => "repaid",
            _ => "current",
        };
        let follow = Step {
            repayment: repayment.into(),
            jobs_created: rng.gen_range(1..7).to_string(),
            ..act("follow_up", date(2022, 5, 25).to_string())
        };
        pipeline::act(app, &teller, id, &follow).await?;
    }
    Ok((username, password))
}

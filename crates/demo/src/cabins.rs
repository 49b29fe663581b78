//! B6: nine hope cabins (希望小屋) built from May 2021 to May 2022 for children of the streets,
//! paid for by a company and a foundation — 351,000 yuan in the ledger, 39,000 a cabin — each child
//! paired with a social worker, visited through the spring of 2022.

use super::*;
use qingtuan_app::cabins::{self, Built, NewCabin, NewPair, NewVisit};
use qingtuan_app::platforms::ledger::{self, NewLine};

pub(super) async fn cabins(app: &App, social_workers: &[staff::Selected]) -> Result<(), AppError> {
    let system = Actor::system();
    let guardians = [
        "left_behind",
        "single_parent",
        "hardship",
        "left_behind",
        "orphan",
        "hardship",
        "single_parent",
        "left_behind",
        "hardship",
    ];
    let kinds = ["visit", "companionship", "counselling", "tutoring"];
    for n in 0..9u64 {
        let street = format!("CY0{}T", n % 8 + 1);
        let form = NewCabin {
            org_code: street.clone(),
            child_name: format!(
                "{}{}",
                SURNAMES[(n as usize * 5) % SURNAMES.len()],
                GIVEN[(n as usize * 3) % GIVEN.len()]
            ),
            birth_on: date(2010 + (n % 5) as i32, (n % 12) as u32 + 1, 10).to_string(),
            guardian: guardians[n as usize].into(),
            details: "家中居住空间狭小，没有独立的学习和休息空间".into(),
            address: format!("{street} 辖区某村"),
        };
        let id = cabins::open(app, &system, &form).await?;
        let built = date(2021, 5, 20) + Days::new(n * 40);
        let build =
            Built {
                built_on: built.to_string(), items: "书桌椅、台灯、书架、衣柜、床品".into(), cost: "12000".into()
            };
        cabins::build(app, &system, id, &build).await?;
        for (donor, amount) in [("company", "30000"), ("foundation", "9000")] {
            let line = NewLine {
                org_code: street.clone(),
                funding: "social".into(),
                donor_kind: "org".into(),
                donor_name: if donor == "company" {
                    "青岛某置业有限公司".into()
                } else {
                    "青岛某公益基金会".into()
                },
                kind: "money".into(),
                amount: amount.into(),
                purpose_kind: "cabin".into(),
                purpose_id: id.to_string(),
                on_date: (built - Days::new(20)).to_string(),
                ..NewLine::default()
            };
            ledger::record(app, &system, &line).await?;
        }
        if let Some(w) = social_workers.get(n as usize) {
            let pair = NewPair { id_number: w.id_number.clone(), name: w.name.clone(), since: built.to_string() };
            cabins::pair(app, &system, id, &pair).await?;
        }
        // Visits through the spring; the last cabin's child was last seen in February.
        let last = if n == 8 { date(2022, 2, 20) } else { date(2022, 5, 20) - Days::new(n) };
        let first = built.max(date(2022, 1, 5));
        let mut on = first;
        let mut k = n as usize;
        while on <= last {
            let visit = NewVisit {
                on_date: on.to_string(),
                kind: kinds[k % kinds.len()].into(),
                notes: "孩子在小屋里学习，状态良好".into(),
                by_name: "结对社工".into(),
            };
            cabins::visit(app, &system, id, &visit).await?;
            on = on + Days::new(30);
            k += 1;
        }
    }
    Ok(())
}

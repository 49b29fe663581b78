//! P4: "legal escort" (法律护航) for young entrepreneurs and the district's other consultations, since
//! the reform: a law firm's lawyer takes the legal cases with an account of the firm; the youth
//! home's staff handle employment, psychological and business questions. Most are resolved, a few
//! referred, the latest still open.

use super::*;
use qingtuan_app::consultations::{self, CaseStep, NewCase};
use qingtuan_app::registry::partners::{self, NewPartner};

/// The lawyer's account (username and password).
pub(super) async fn consultations(app: &App, rng: &mut StdRng) -> Result<(&'static str, String), AppError> {
    let system = Actor::system();
    let first17 = "31370000MD0K4L7P2";
    let firm = format!("{first17}{}", qingtuan_domain::partner::credit_check_char(first17).unwrap_or('0'));
    let partner = NewPartner {
        org_code: "CY".into(),
        name: "山东青和律师事务所".into(),
        credit_code: firm.clone(),
        kind: "social_organisation".into(),
        contact_name: "青年律师服务团".into(),
        contact_phone: "13905321888".into(),
    };
    partners::create(app, &system, &partner).await?;
    let username = "lvshi";
    let password = qingtuan_app::crypto::one_time_password();
    let account = NewUser {
        username: username.into(),
        display_name: "周律师".into(),
        role_code: "consultant".into(),
        scope_code: String::new(),
        partner_code: firm,
        password: Some(password.clone()),
    };
    let lawyer = users::create(app, &system, &account).await?;
    let lawyer_actor = qingtuan_app::access::auth::load_actor(app, lawyer.id, &qingtuan_app::ClientInfo::local())
        .await?
        .ok_or_else(|| AppError::Internal("the lawyer's account".into()))?;
    let plan: [(&str, usize, &[&str]); 4] = [
        ("legal", 18, &["劳动合同纠纷", "店铺租赁合同审查", "商标注册咨询", "网店知识产权投诉应对", "合伙协议起草"]),
        ("employment", 6, &["简历和面试指导", "灵活就业社保缴纳", "求职被收取押金"]),
        ("psychological", 4, &["创业压力大、失眠", "与家人关于择业的矛盾"]),
        ("business", 5, &["个体户转公司", "申请青创先锋贷的准备", "直播带货的税务处理"]),
    ];
    let mut n = 0u64;
    for (category, count, topics) in plan {
        for k in 0..count {
            n += 1;
            let opened = date(2021, 4, 6) + Days::new(n * 12 % 400);
            let legal = category == "legal";
            let form = NewCase {
                org_code: if legal { "CY".into() } else { format!("CY0{}T", k % 8 + 1) },
                category: category.into(),
                channel: ["visit", "phone", "online", "outreach"][rng.gen_range(0..4)].into(),
                asker_name: if rng.gen_bool(0.3) {
                    String::new()
                } else {
                    format!("{}先生", SURNAMES[k % SURNAMES.len()])
                },
                asker_phone: String::new(),
                summary: topics[k % topics.len()].into(),
                opened_on: opened.to_string(),
                consultant: if legal { lawyer.id.0.to_string() } else { String::new() },
                ..NewCase::default()
            };
            let id = consultations::open(app, &system, &form).await?;
            let handler = if legal { &lawyer_actor } else { &system };
            if n.is_multiple_of(11) {
                continue;
            }
            let outcome = if n.is_multiple_of(7) { "referred" } else { "resolved" };
            let close = CaseStep {
                on_date: (opened + Days::new(3 + n % 10)).to_string(),
                note: if outcome == "referred" {
                    "已转介专业机构".into()
                } else {
                    "已答复并跟进落实".into()
                },
                outcome: outcome.into(),
            };
            consultations::step(app, handler, id, &close).await?;
        }
    }
    Ok((username, password))
}

//! Platforms: youth societies with their dated link level (figures read the level in force on each
//! date, at the edges), leaders from the registry, dissolution on a confirmed form; online
//! communities with member counts (the latest not after the date), member lists kept as hashes and
//! reached once across communities, closing; imports of both with their histories; scope and bad
//! input on both. The contributions ledger: fiscal and social lines valued as typed or as units at a
//! rate, donations among them, the leverage on a hand-built ledger, scope. Venues: spaces booked at
//! the desk and on the portal within their hours, never overlapping (end = next start allowed), the
//! private link that shows and cancels, the desk's approval, check-in and no-show, scope. A
//! partner's account: opened by the staff over the org that registered it, sees its own records
//! and nothing of the registry or of other partners, requests and cancels its bookings. A venue's
//! photos (on the portal while it is open), its team members' leaving, its spaces changed.

use crate::kit::{credit_code, id_number, post_form};
use qingtuan_testkit::{TestApp, TestClient, TestResponse, db_tests};

db_tests!(
    spaces_are_booked_without_overlap_on_the_portal_and_at_the_desk,
    the_ledger_sums_fiscal_and_social_resources_and_their_leverage,
    a_society_counts_at_the_link_level_in_force_on_each_date,
    communities_count_their_latest_members_and_reach_each_person_once,
    a_partner_account_sees_only_its_partner_and_books_for_it,
    a_venue_keeps_its_photos_its_team_as_it_was_and_its_spaces_as_changed
);

async fn figures(client: &TestClient, scope: &str, as_of: &str, baseline: &str) -> serde_json::Value {
    let res = client.get(&format!("/api/v1/reports?as_of={as_of}&baseline={baseline}&scope={scope}")).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

fn value(report: &serde_json::Value, key: &str) -> i64 {
    report[key]["value"].as_i64().unwrap_or_else(|| panic!("{key}: {report}"))
}

async fn import(client: &TestClient, kind: &str, csv: &str) -> TestResponse {
    client.get("/imports").await;
    client.post_multipart("/imports", &[("kind", kind)], ("file", "rows.csv", csv.as_bytes())).await
}

async fn register_person(admin: &TestClient, name: &str, id: &str, phone: &str) {
    let csv =
        format!("姓名,性别,出生日期,身份证号码,手机号码,入团时间,政治面貌,所在区域代码\n{name},男,,{id},{phone},,,\n");
    let res = import(admin, "people", &csv).await;
    assert_eq!(res.status, 200, "{}", res.text());
}

async fn a_society_counts_at_the_link_level_in_force_on_each_date(t: TestApp) {
    t.seed_tree().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let register = |fields: Vec<(&'static str, &'static str)>| {
        let street = &street;
        async move {
            let mut form = vec![
                ("org_code", "C11"),
                ("name", "一社区青年摄影协会"),
                ("kind", "interest"),
                ("founded_on", "2025-05-04"),
                ("level", "effective"),
                ("linked_on", "2025-06-01"),
                ("members", "40"),
                ("counted_on", "2026-01-01"),
            ];
            for (k, v) in fields {
                form.retain(|(key, _)| *key != k);
                form.push((k, v));
            }
            post_form(street, "/societies", "/societies", &form).await
        }
    };
    for (fields, message) in [
        (vec![("kind", "party")], "未知的社团类型“party”"),
        (vec![("level", "close")], "未知的联系程度“close”"),
        (vec![("linked_on", "2025-05-01")], "联系程度起始日期应在成立日期与今天之间"),
        (vec![("members", "-3")], "成员人数应为 0 到 1000000 的整数"),
        (vec![("founded_on", "2026-03-03")], "成立日期不能晚于今天"),
        (vec![("name", " ")], "社团名称不能为空"),
    ] {
        let res = register(fields.clone()).await;
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    assert_eq!(register(vec![("org_code", "C21")]).await.status, 404, "another street's org");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM societies").await, 0, "nothing written by a refused form");

    let res = register(vec![]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let id = t.scalar("SELECT id FROM societies").await;
    let page = format!("/societies/{id}");
    let again = register(vec![]).await;
    assert!(again.text().contains("已登记名为“一社区青年摄影协会”的青年社团"));

    // Raised to direct on 2026-02-01: the day before it is effective, from that day direct.
    let link = |level: &'static str, on: &'static str, reason: &'static str| {
        let street = &street;
        let page = page.clone();
        async move {
            let action = format!("{page}/links");
            post_form(street, &page, &action, &[("level", level), ("on_date", on), ("reason", reason)]).await
        }
    };
    let early = link("direct", "2025-05-01", "建立团支部").await;
    assert_eq!(early.status, 422);
    assert!(early.text().contains("变更日期不能早于成立日期 2025-05-04"));
    let same = link("effective", "2025-12-01", "复核").await;
    assert!(same.text().contains("在 2025-12-01 的联系程度已是“有效联系”"), "{}", same.text());
    assert_eq!(link("direct", "2026-02-01", "建立团支部").await.status, 303);
    let shown = street.get(&page).await;
    assert!(shown.text_of_id("level").expect("level").contains("直接联系（自 2026-02-01）"));
    assert!(shown.text().contains("<td>2026-02-01</td><td>直接联系</td><td>建立团支部</td>"), "the history is kept");

    let admin = t.admin().await;
    let r = figures(&admin, "S1", "2026-01-31", "2025-05-31").await;
    assert_eq!((value(&r, "societies.direct"), value(&r, "societies.effective")), (0, 1));
    assert_eq!(r["societies.effective"]["delta"], 1, "not yet linked on the baseline date");
    let r = figures(&admin, "S1", "2026-02-01", "2025-12-31").await;
    assert_eq!((value(&r, "societies.direct"), value(&r, "societies.effective")), (1, 0));
    assert_eq!(
        (r["societies.direct"]["delta"].as_i64(), r["societies.effective"]["delta"].as_i64()),
        (Some(1), Some(-1))
    );
    assert_eq!(
        value(&figures(&admin, "S2", "2026-02-01", "2025-12-31").await, "societies.direct"),
        0,
        "another street"
    );

    // A leader must be in the registry; the ID number is shown masked.
    let leader_id = id_number("19950401", 13);
    let leader = |id: String| {
        let street = &street;
        let page = page.clone();
        async move {
            let action = format!("{page}/leaders");
            let form = [("id_number", id.as_str()), ("name", "林会长"), ("role", "会长"), ("since", "2025-05-04")];
            post_form(street, &page, &action, &form).await
        }
    };
    let unknown = leader(leader_id.clone()).await;
    assert!(unknown.text().contains("未找到身份证号码和姓名一致的登记人员"), "{}", unknown.text());
    register_person(&admin, "林会长", &leader_id, "13900001111").await;
    let wrong_name = [("id_number", leader_id.as_str()), ("name", "别人"), ("role", "会长"), ("since", "2025-05-04")];
    let res = post_form(&street, &page, &format!("{page}/leaders"), &wrong_name).await;
    assert!(res.text().contains("未找到身份证号码和姓名一致的登记人员"), "the number alone finds no one");
    assert_eq!(leader(leader_id.clone()).await.status, 303);
    let shown = street.get(&page).await.text();
    assert!(shown.contains("林会长") && !shown.contains(&leader_id), "masked: {shown}");

    // A history imported for a second society: registration and two changes, all or nothing.
    let societies = "联系指导组织代码,社团名称,类型,所在区域代码,成立日期,联系程度,联系程度起始日期,成员人数,人数统计日期\n\
                     S1,街道青年读书会,兴趣爱好类,,2024-01-01,未联系,,25,2025-01-01\n";
    assert_eq!(import(&street, "societies", societies).await.status, 200);
    let header = "联系指导组织代码,社团名称,联系程度,变更日期,变更原因\n";
    let bad = format!(
        "{header}S1,街道青年读书会,有效联系,2025-03-01,纳入联系\nS1,不存在的社团,直接联系,2025-03-01,纳入联系\n"
    );
    let res = import(&street, "society_links", &bad).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("没有登记名为“不存在的社团”的青年社团"), "{}", res.text());
    let good = format!(
        "{header}S1,街道青年读书会,有效联系,2025-03-01,纳入联系\nS1,街道青年读书会,直接联系,2026-01-15,选派联络员\n"
    );
    assert_eq!(import(&street, "society_links", &good).await.status, 200);
    let r = figures(&admin, "S1", "2026-02-28", "2025-12-31").await;
    assert_eq!((value(&r, "societies.direct"), value(&r, "societies.effective")), (2, 0));
    let r = figures(&admin, "S1", "2025-03-01", "2024-12-31").await;
    assert_eq!((value(&r, "societies.direct"), value(&r, "societies.effective")), (0, 1));
    let filtered = street.get("/societies?level=direct").await.text();
    assert!(filtered.contains("街道青年读书会") && filtered.contains("一社区青年摄影协会"));
    assert!(street.get("/societies?level=effective").await.text().contains("没有符合条件的青年社团"));

    // Dissolving says what it changes first; then the society counts at no level.
    let confirm = post_form(&street, &page, &format!("{page}/dissolve"), &[("dissolved_on", "2026-03-01")]).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.text_of_id("dissolve-impact").expect("impact").contains("当日联系程度为“直接联系”"));
    assert_eq!(value(&figures(&admin, "S1", "2026-03-02", "2025-12-31").await, "societies.direct"), 2);
    let done = street.post(&format!("{page}/dissolve"), &[("dissolved_on", "2026-03-01"), ("confirm", "yes")]).await;
    assert_eq!(done.status, 303);
    assert_eq!(value(&figures(&admin, "S1", "2026-03-02", "2025-12-31").await, "societies.direct"), 1);
    assert_eq!(value(&figures(&admin, "S1", "2026-02-28", "2025-12-31").await, "societies.direct"), 2);

    // Another street sees none of it.
    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert_eq!(other.get(&page).await.status, 404);
    assert!(!other.get("/societies?all=true").await.text().contains("街道青年读书会"));
    let res = post_form(
        &other,
        "/societies",
        &format!("{page}/links"),
        &[("level", "none"), ("on_date", "2026-03-01"), ("reason", "x")],
    )
    .await;
    assert_eq!(res.status, 404);
    let export = street.get("/societies/export.xlsx?all=true").await;
    assert_eq!(export.status, 200);
    assert_eq!(t.audit_count("society.create").await, 2);
    assert_eq!(t.audit_count("society.link").await, 3);
    assert_eq!(t.audit_count("society.dissolve").await, 1);
}

async fn communities_count_their_latest_members_and_reach_each_person_once(t: TestApp) {
    t.seed_tree().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let register =
        |name: &'static str, level: &'static str, kind: &'static str, extra: Vec<(&'static str, &'static str)>| {
            let street = &street;
            async move {
                let mut form = vec![
                    ("org_code", "S1"),
                    ("name", name),
                    ("platform", "wechat"),
                    ("level", level),
                    ("community_type", kind),
                    ("created_on", "2025-01-01"),
                ];
                form.extend(extra);
                post_form(street, "/communities", "/communities", &form).await
            }
        };
    let bad = register("一街道互助群", "county", "mutual_aid", vec![]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("未知的社群层级“county”"));
    let bad = register("一街道互助群", "street", "mutual_aid", vec![("admin_id_number", "370214199504011230")]).await;
    assert_eq!(bad.status, 422, "a wrong check digit");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM communities").await, 0);
    let res =
        register("一街道互助群", "street", "mutual_aid", vec![("members", "300"), ("counted_on", "2025-06-30")]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_eq!(register("一社区兴趣群", "community", "interest", vec![]).await.status, 303);

    let a = t.scalar("SELECT id FROM communities WHERE name = '一街道互助群'").await;
    let b = t.scalar("SELECT id FROM communities WHERE name = '一社区兴趣群'").await;
    let count = |id: i64, on: &'static str, n: &'static str| {
        let street = &street;
        async move {
            let page = format!("/communities/{id}");
            post_form(street, &page, &format!("{page}/counts"), &[("on_date", on), ("members", n)]).await
        }
    };
    assert_eq!(count(a, "2025-12-31", "320").await.status, 303);
    let twice = count(a, "2025-12-31", "321").await;
    assert!(twice.text().contains("已登记 2025-12-31 的成员数"), "{}", twice.text());
    assert_eq!(count(b, "2026-02-01", "80").await.status, 303);
    assert!(count(b, "2024-12-31", "80").await.text().contains("统计日期不能早于建立日期 2025-01-01"));

    let admin = t.admin().await;
    // The latest count not after each date, summed.
    for (on, members) in [("2025-06-29", 0), ("2025-06-30", 300), ("2026-01-31", 320), ("2026-02-01", 400)] {
        let r = figures(&admin, "S1", on, "2024-12-31").await;
        assert_eq!(value(&r, "communities.members"), members, "{on}");
    }
    let r = figures(&admin, "D", "2026-03-01", "2024-12-31").await;
    assert_eq!(value(&r, "communities.count"), 2);
    assert_eq!(r["communities.count"]["delta"], 2);
    assert_eq!(value(&r, "communities.level.street"), 1);
    assert_eq!(value(&r, "communities.level.community"), 1);
    assert_eq!(value(&r, "communities.type.interest"), 1);
    assert_eq!(value(&r, "communities.type.industry"), 0);

    // Member lists: phones read from any cell, one person in both groups reached once.
    let upload = |id: i64, on: &'static str, csv: &'static str| {
        let street = &street;
        async move {
            let page = format!("/communities/{id}");
            street.get(&page).await;
            street
                .post_multipart(
                    &format!("{page}/members"),
                    &[("listed_on", on)],
                    ("document", "members.csv", csv.as_bytes()),
                )
                .await
        }
    };
    let none = upload(a, "2026-02-01", "昵称,备注\n小王,你好\n").await;
    assert_eq!(none.status, 422);
    assert!(none.text().contains("文件中没有找到手机号码"));
    let res = upload(a, "2026-02-01", "昵称,手机\n小王,13800000001\n小李,138 0000 0002\n小王,13800000001\n").await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(res.text_of_id("listed").expect("listed").contains("读到 2 个不同的手机号码，其中 2 个为新增成员"));
    assert_eq!(upload(b, "2026-02-15", "手机\n13800000002\n13800000003\n").await.status, 200);
    let again = upload(b, "2026-02-20", "手机\n13800000003\n13800000004\n").await;
    assert!(again.text_of_id("listed").expect("listed").contains("其中 1 个为新增成员"));
    let stored = t.strings("SELECT phone_hash FROM community_members").await;
    assert_eq!(stored.len(), 5);
    assert!(stored.iter().all(|h| !h.contains("1380000")), "no phone in clear");
    for (on, reach) in [("2026-01-31", 0), ("2026-02-01", 2), ("2026-02-15", 3), ("2026-02-20", 4)] {
        assert_eq!(value(&figures(&admin, "S1", on, "2024-12-31").await, "communities.reach"), reach, "{on}");
    }
    // An older list read later dates its people back.
    let older = upload(a, "2026-01-15", "手机\n13800000001\n").await;
    assert!(older.text_of_id("listed").expect("listed").contains("其中 0 个为新增成员"));
    assert_eq!(value(&figures(&admin, "S1", "2026-01-31", "2024-12-31").await, "communities.reach"), 1);

    // Closing says what it changes; then neither the community nor its members count.
    let page = format!("/communities/{b}");
    let confirm = post_form(&street, &page, &format!("{page}/close"), &[("closed_on", "2026-03-01")]).await;
    assert!(confirm.text_of_id("close-impact").expect("impact").contains("社群成员数相应减少 80 人"));
    let closed = street.post(&format!("{page}/close"), &[("closed_on", "2026-03-01"), ("confirm", "yes")]).await;
    assert_eq!(closed.status, 303);
    let r = figures(&admin, "S1", "2026-03-01", "2024-12-31").await;
    assert_eq!(
        (value(&r, "communities.count"), value(&r, "communities.members"), value(&r, "communities.reach")),
        (1, 320, 2)
    );

    // Imports: communities with a count, then later counts; rows outside the scope refused.
    let header = "所属组织代码,社群名称,平台,层级,类型,管理员身份证号码,管理员姓名,建立日期,成员数,成员数统计日期\n";
    let outside = format!("{header}C21,二街道行业群,微信群,社区级,行业,,,2025-01-01,50,2025-12-31\n");
    let res = import(&street, "communities", &outside).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("所属组织不在您的数据范围内"), "{}", res.text());
    let rows = format!("{header}C11,一社区行业群,QQ群,社区级,行业,,,2025-01-01,50,2025-12-31\n");
    assert_eq!(import(&street, "communities", &rows).await.status, 200);
    let counts = "所属组织代码,社群名称,统计日期,成员数\nC11,一社区行业群,2026-02-01,70\n";
    assert_eq!(import(&street, "community_counts", counts).await.status, 200);
    let r = figures(&admin, "S1", "2026-03-01", "2024-12-31").await;
    assert_eq!((value(&r, "communities.members"), value(&r, "communities.type.industry")), (390, 1));

    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert_eq!(other.get(&format!("/communities/{a}")).await.status, 404);
    assert!(other.get("/communities").await.text().contains("没有符合条件的网上青年社群"));
    let list = street.get("/communities?level=street").await.text();
    assert!(list.contains("一街道互助群") && !list.contains("一社区行业群"));
    assert_eq!(street.get("/communities/export.xlsx").await.status, 200);
    assert_eq!(t.audit_count("community.list").await, 4);
}

async fn the_ledger_sums_fiscal_and_social_resources_and_their_leverage(t: TestApp) {
    t.seed_tree().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let code = credit_code("91370214MA3C8E1X5");
    let partner = [
        ("org_code", "S1"),
        ("name", "城阳青年创业孵化器有限公司"),
        ("credit_code", code.as_str()),
        ("kind", "enterprise"),
        ("contact_name", "王经理"),
        ("contact_phone", "13800002222"),
    ];
    assert_eq!(post_form(&street, "/partners", "/partners", &partner).await.status, 303);
    let line = |fields: Vec<(&'static str, String)>| {
        let street = &street;
        async move {
            let mut form: Vec<(&str, String)> = vec![
                ("org_code", "C11".into()),
                ("funding", "social".into()),
                ("purpose_kind", "venue".into()),
                ("on_date", "2026-02-10".into()),
            ];
            for (k, v) in fields {
                form.retain(|(key, _)| *key != k);
                form.push((k, v));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(street, "/ledger", "/ledger", &form).await
        }
    };
    let wrong = format!("{}{}", &code[..17], if code.ends_with('0') { '1' } else { '0' });
    for (fields, message) in [
        (vec![("funding", "fiscal".into()), ("kind", "money".into()), ("amount", "100".into())], "预算科目不能为空"),
        (
            vec![
                ("funding", "fiscal".into()),
                ("budget", "团建经费".into()),
                ("donor_kind", "org".into()),
                ("kind", "money".into()),
                ("amount", "1".into()),
            ],
            "财政投入不填写提供方",
        ),
        (
            vec![
                ("donor_kind", "partner".into()),
                ("partner_code", wrong),
                ("kind", "money".into()),
                ("amount", "1".into()),
            ],
            "不是已登记的合作伙伴",
        ),
        (
            vec![
                ("donor_kind", "partner".into()),
                ("partner_code", code.clone()),
                ("kind", "space".into()),
                ("rate", "3000".into()),
            ],
            "数量应为 1 到 100000 的整数",
        ),
        (
            vec![("donor_kind", "person".into()), ("kind", "money".into()), ("amount", "-3".into())],
            "请填写大于 0 的金额",
        ),
        (
            vec![
                ("donor_kind", "person".into()),
                ("kind", "money".into()),
                ("amount", "3".into()),
                ("purpose_id", "7".into()),
            ],
            "用途为“阵地建设”时不填写用途对象编号",
        ),
        (
            vec![
                ("donor_kind", "person".into()),
                ("kind", "money".into()),
                ("amount", "3".into()),
                ("purpose_kind", "project".into()),
                ("purpose_id", "999".into()),
            ],
            "项目编号“999”不存在",
        ),
    ] {
        let res = line(fields.clone()).await;
        assert_eq!(res.status, 422, "{fields:?}");
        assert!(res.text().contains(message), "{message}: {}", res.text());
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM contributions").await, 0, "nothing written by a refused form");
    let other_street = line(vec![
        ("org_code", "C21".into()),
        ("donor_kind", "person".into()),
        ("kind", "money".into()),
        ("amount", "5".into()),
    ])
    .await;
    assert_eq!(other_street.status, 404);

    // 100,000 fiscal; social: 12 months of space at 3,000, 100 hours of service at 200, 4,000 from an anonymous person.
    for fields in [
        vec![
            ("funding", "fiscal".into()),
            ("budget", "区级团建工作经费".into()),
            ("kind", "money".into()),
            ("amount", "100000".into()),
        ],
        vec![
            ("donor_kind", "partner".into()),
            ("partner_code", code.clone()),
            ("kind", "space".into()),
            ("units", "12".into()),
            ("rate", "3000".into()),
        ],
        vec![
            ("donor_kind", "partner".into()),
            ("partner_code", code.to_lowercase()),
            ("kind", "service".into()),
            ("units", "100".into()),
            ("rate", "200".into()),
            ("purpose_kind", "general".into()),
        ],
        vec![
            ("donor_kind", "person".into()),
            ("kind", "money".into()),
            ("amount", "4000".into()),
            ("purpose_kind", "general".into()),
        ],
    ] {
        let res = line(fields.clone()).await;
        assert_eq!(res.status, 303, "{fields:?}: {}", res.text());
    }
    // A donation recorded by volunteering is a line of the same ledger.
    street.get("/volunteering").await;
    let gift = [
        ("org_code", "C11"),
        ("donor_kind", "org"),
        ("donor_name", "城阳某超市"),
        ("kind", "goods"),
        ("yuan", "2000"),
        ("purpose", "防疫物资"),
        ("donated_on", "2026-02-20"),
        ("receipt_no", "JZ-9"),
    ];
    assert_eq!(street.post("/volunteering/donations", &gift).await.status, 303);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM contributions").await, 5);

    let admin = t.admin().await;
    let r = admin.get("/api/v1/reports?as_of=2026-02-28&baseline=2025-12-31&from=2026-01-01&scope=S1").await.json();
    assert_eq!(value(&r, "ledger.fiscal_yuan"), 100_000);
    assert_eq!(value(&r, "ledger.social_yuan"), 36_000 + 20_000 + 4_000 + 2_000);
    assert_eq!(value(&r, "ledger.leverage"), 62, "62,000 social to 100,000 fiscal");
    assert_eq!((value(&r, "ledger.social.space_yuan"), value(&r, "ledger.social.service_yuan")), (36_000, 20_000));
    assert_eq!((value(&r, "donations.cash_yuan"), value(&r, "donations.goods_yuan")), (4_000, 2_000));
    let before =
        admin.get("/api/v1/reports?as_of=2026-01-31&baseline=2025-12-31&from=2026-01-01&scope=S1").await.json();
    assert!(
        before["ledger.leverage"]["unavailable"].is_string(),
        "no fiscal money, no leverage: {}",
        before["ledger.leverage"]
    );

    let page = street.get("/ledger").await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("12 月 × 3000.00 元") && text.contains("100 小时 × 200.00 元"), "valuations shown");
    assert!(text.contains("匿名个人") && text.contains("城阳某超市"));
    assert!(text.contains(r#"<span class="number">62</span>"#), "the page's leverage");
    assert!(text.contains("<td>合作伙伴：企业</td><td>56000</td><td>90%</td>"), "by giver: {text}");
    // A line's voucher: a PDF or an image, checked by its content.
    let line_id = t.scalar("SELECT id FROM contributions WHERE funding = 'fiscal'").await;
    street.get("/ledger").await;
    let fake =
        street.post_multipart(&format!("/ledger/{line_id}/upload"), &[], ("document", "收据.pdf", b"<script>")).await;
    assert_eq!(fake.status, 422);
    let png = b"\x89PNG\r\n\x1a\n receipt";
    let up = street.post_multipart(&format!("/ledger/{line_id}/upload"), &[], ("document", "收据.png", png)).await;
    assert_eq!(up.status, 303, "{}", up.text());
    assert!(street.get("/ledger?funding=fiscal").await.text().contains("收据.png"));
    assert_eq!(street.get(&format!("/ledger/{line_id}/document")).await.status, 200);
    let social = street.get(&format!("/ledger?funding=social&partner={code}")).await.text();
    assert!(social.contains("共 2 条") && !social.contains("<td>区级团建工作经费</td>"), "filtered by partner");
    assert_eq!(street.get("/ledger/export.xlsx?funding=social").await.status, 200);

    // The partner's page: what it gave and its share, its agreements with their signed copies.
    let pid = t.scalar("SELECT id FROM partners").await;
    let ppage = format!("/partners/{pid}");
    let shown = street.get(&ppage).await;
    assert_eq!(shown.status, 200);
    assert!(shown.text().contains(r#"<span class="number">56000</span>"#) && shown.text().contains("占社会资源的 90%"));
    let agreement = |ends: &'static str| {
        let street = &street;
        let ppage = ppage.clone();
        async move {
            let form = [
                ("org_code", "S1"),
                ("title", "青年之家共建协议"),
                ("scope", "共享工位与公益直播间共建"),
                ("starts_on", "2026-01-01"),
                ("ends_on", ends),
            ];
            post_form(street, &ppage, &format!("{ppage}/agreements"), &form).await
        }
    };
    assert!(agreement("2025-12-31").await.text().contains("结束日期不能早于开始日期"));
    assert_eq!(agreement("2027-12-31").await.status, 303);
    let aid = t.scalar("SELECT id FROM agreements").await;
    street.get(&ppage).await;
    let hostile = street
        .post_multipart(
            &format!("/agreements/{aid}/upload"),
            &[],
            ("document", "协议.pdf", b"<html><script>alert(1)</script>"),
        )
        .await;
    assert_eq!(hostile.status, 422, "not a PDF or an image");
    let pdf = street
        .post_multipart(&format!("/agreements/{aid}/upload"), &[], ("document", "协议.pdf", b"%PDF-1.7 signed"))
        .await;
    assert_eq!(pdf.status, 303, "{}", pdf.text());
    let text = street.get(&ppage).await.text();
    assert!(text.contains("青年之家共建协议") && text.contains("有效") && text.contains("协议.pdf"), "{text}");
    let copy = street.get(&format!("/agreements/{aid}/document")).await;
    assert_eq!(copy.status, 200);

    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert!(other.get("/ledger").await.text().contains("没有符合条件的台账记录"));
    assert_eq!(other.get(&ppage).await.status, 404, "another street's partner");
    let sign = [
        ("org_code", "S2"),
        ("title", "借签协议"),
        ("scope", "x"),
        ("starts_on", "2026-01-01"),
        ("ends_on", "2026-12-31"),
    ];
    other.get("/ledger").await;
    assert_eq!(other.post(&format!("{ppage}/agreements"), &sign).await.status, 404, "no signing one's way in");
    assert_eq!(other.get(&format!("/ledger/{line_id}/document")).await.status, 404, "another street's voucher");
    assert_eq!(other.get(&format!("/agreements/{aid}/document")).await.status, 404);
    assert_eq!(t.audit_count("contribution.record").await, 4);
    assert_eq!(t.audit_count("agreement.sign").await, 1);

    // A line entered by mistake is reversed, never edited: the book keeps both, every sum nets it.
    let mistake = t.scalar("SELECT id FROM contributions WHERE donor_kind = 'person' AND kind = 'money'").await;
    other.get("/ledger").await;
    assert_eq!(other.post(&format!("/ledger/{mistake}/reverse"), &[("reason", "x")]).await.status, 404);
    street.get("/ledger").await;
    let no_reason = street.post(&format!("/ledger/{mistake}/reverse"), &[("reason", " ")]).await;
    assert!(no_reason.text().contains("冲销原因不能为空"), "{}", no_reason.text());
    let reversed = street.post(&format!("/ledger/{mistake}/reverse"), &[("reason", "重复登记")]).await;
    assert_eq!(reversed.status, 303, "{}", reversed.text());
    let again = street.post(&format!("/ledger/{mistake}/reverse"), &[("reason", "再冲")]).await;
    assert!(again.text().contains("该记录已冲销"), "{}", again.text());
    let reversing = t.scalar(&format!("SELECT id FROM contributions WHERE reverses_id = {mistake}")).await;
    let back = street.post(&format!("/ledger/{reversing}/reverse"), &[("reason", "撤销冲销")]).await;
    assert!(back.text().contains("冲销记录不能再冲销"));
    let text = street.get("/ledger?funding=social&kind=money").await.text();
    assert!(text.contains(&format!("冲销第 {mistake} 号记录：重复登记")) && text.contains("已冲销"), "{text}");
    assert!(text.contains("-4000.00"), "the reversing line's value");
    let r = admin.get("/api/v1/reports?as_of=2026-02-28&baseline=2025-12-31&from=2026-01-01&scope=S1").await.json();
    assert_eq!(value(&r, "ledger.social_yuan"), 36_000 + 20_000 + 2_000, "netted out");
    assert_eq!(value(&r, "donations.cash_yuan"), 0);
    assert_eq!(t.audit_count("contribution.reverse").await, 1);
}

async fn spaces_are_booked_without_overlap_on_the_portal_and_at_the_desk(t: TestApp) {
    t.seed_tree().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let venue = [
        ("org_code", "S1"),
        ("name", "一街道青年之家"),
        ("kind", "youth_home"),
        ("flagship", "true"),
        ("address", "一街道正阳路 1 号"),
        ("hours", "周一至周五 9:00–18:00"),
        ("honours", "全国五四红旗团支部"),
        ("opened_on", "2026-01-01"),
    ];
    let bad = post_form(&street, "/venues", "/venues", &[&venue[..2], &[("kind", "park")], &venue[3..]].concat()).await;
    assert!(bad.text().contains("未知的阵地类型“park”"));
    assert_eq!(
        post_form(&street, "/venues", "/venues", &[&[("org_code", "S2")], &venue[1..]].concat()).await.status,
        404
    );
    assert_eq!(post_form(&street, "/venues", "/venues", &venue).await.status, 303);
    let id = t.scalar("SELECT id FROM venues").await;
    let page = format!("/venues/{id}");
    let space = |fields: &[(&str, &str)]| {
        let street = &street;
        let page = page.clone();
        let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            post_form(street, &page, &format!("{page}/spaces"), &fields).await
        }
    };
    let closes_first = space(&[
        ("name", "共享工位"),
        ("capacity", "20"),
        ("opens", "18:00"),
        ("closes", "09:00"),
        ("weekdays", "12345"),
    ])
    .await;
    assert!(closes_first.text().contains("关闭时间应晚于开放时间"));
    let sunday8 =
        space(&[("name", "共享工位"), ("capacity", "20"), ("opens", "09:00"), ("closes", "18:00"), ("weekdays", "8")])
            .await;
    assert!(sunday8.text().contains("开放日应为 1 到 7 的数字"));
    assert_eq!(
        space(&[
            ("name", "公益直播间"),
            ("capacity", "6"),
            ("opens", "09:00"),
            ("closes", "18:00"),
            ("weekdays", "12345")
        ])
        .await
        .status,
        303
    );
    let room = t.scalar("SELECT id FROM venue_spaces").await.to_string();

    // A project names the venue it runs in.
    let project = |venue: String| {
        let street = &street;
        async move {
            let fields = [
                ("org_code", "S1"),
                ("name", "青年电商直播孵化"),
                ("category", "entrepreneurship"),
                ("starts_on", "2026-01-01"),
                ("venue_id", venue.as_str()),
            ];
            post_form(street, "/projects", "/projects", &fields).await
        }
    };
    assert!(project("999".into()).await.text().contains("所选阵地不存在"));
    assert_eq!(project(id.to_string()).await.status, 303);
    assert!(street.get("/projects").await.text().contains("<td>一街道青年之家</td>"), "the project's venue");

    // The desk books for an org: approved at once; the next booking may start when it ends.
    let desk = |on: &'static str, starts: &'static str, ends: &'static str, attendees: &'static str| {
        let street = &street;
        let page = page.clone();
        let room = room.clone();
        async move {
            let form = [
                ("space_id", room.as_str()),
                ("booker_kind", "org"),
                ("org_code", "C11"),
                ("name", "王老师"),
                ("on_date", on),
                ("starts", starts),
                ("ends", ends),
                ("attendees", attendees),
                ("purpose", "青年电商直播培训"),
            ];
            post_form(street, &page, &format!("{page}/bookings"), &form).await
        }
    };
    assert_eq!(desk("2026-03-03", "14:00", "16:00", "5").await.status, 303);
    let clash = desk("2026-03-03", "15:00", "17:00", "5").await;
    assert_eq!(clash.status, 422);
    assert!(clash.text().contains("公益直播间在 2026-03-03 14:00–16:00 已被预约"), "{}", clash.text());
    assert_eq!(desk("2026-03-03", "16:00", "17:00", "5").await.status, 303, "end = next start is allowed");
    assert_eq!(desk("2026-03-03", "13:00", "14:00", "5").await.status, 303, "and the one before");
    let late = desk("2026-03-03", "17:00", "19:00", "5").await;
    assert!(late.text().contains("所约时段不在开放时间内"), "{}", late.text());
    assert!(desk("2026-03-07", "10:00", "11:00", "5").await.text().contains("所约时段不在开放时间内"), "a Saturday");
    assert!(desk("2026-03-03", "09:00", "10:00", "7").await.text().contains("最多容纳 6 人"));
    assert!(desk("2026-03-01", "10:00", "11:00", "5").await.text().contains("预约日期不能早于今天"));
    assert!(desk("2026-03-02", "08:00", "09:30", "5").await.text().contains("所约时段不在开放时间内"));
    assert!(desk("2026-12-01", "10:00", "11:00", "5").await.text().contains("最多可预约 180 天以内的时段"));
    assert_eq!(
        street.get(&format!("{page}?week=%2B262142-12-31")).await.status,
        200,
        "a week out of range shows this week"
    );

    // A young person books on the portal; the private link shows and cancels it.
    let portal = t.client();
    let public = portal.get(&format!("/portal/venues/{id}")).await;
    assert_eq!(public.status, 200);
    assert!(public.text().contains("14:00–16:00 已约") && !public.text().contains("王老师"), "taken times, no names");
    let book = |starts: &'static str, ends: &'static str| {
        let portal = &portal;
        let room = room.clone();
        async move {
            portal.get(&format!("/portal/venues/{id}")).await;
            let form = [
                ("space_id", room.as_str()),
                ("on_date", "2026-03-04"),
                ("starts", starts),
                ("ends", ends),
                ("attendees", "3"),
                ("purpose", "创业项目直播"),
                ("name", "赵青"),
                ("phone", "13800003333"),
            ];
            portal.post(&format!("/portal/venues/{id}/book"), &form).await
        }
    };
    let made = book("10:00", "12:00").await;
    assert_eq!(made.status, 200, "{}", made.text());
    let link = made.text_of_id("private-link").expect("the private link");
    let path = link[link.find("/portal/bookings/").expect("path")..].to_owned();
    assert_eq!(portal.get(&path).await.text_of_id("booking-state").as_deref(), Some("待审核"));
    let twice = book("11:00", "13:00").await;
    assert_eq!(twice.status, 422, "a requested booking holds its time");
    assert!(
        twice.text().contains("已被预约") && twice.text().contains("value=\"赵青\""),
        "the form keeps what was typed"
    );

    // The desk approves it; then the young person cancels and the time is free again.
    let booking = t.scalar("SELECT id FROM venue_bookings WHERE booker_kind = 'person'").await;
    street.get(&page).await;
    let refuse = street.post(&format!("/bookings/{booking}/act"), &[("action", "refuse")]).await;
    assert!(refuse.text().contains("请在备注中填写原因"));
    assert_eq!(street.post(&format!("/bookings/{booking}/act"), &[("action", "approve")]).await.status, 303);
    assert_eq!(portal.get(&path).await.text_of_id("booking-state").as_deref(), Some("已通过"));
    portal.get(&path).await;
    assert_eq!(portal.post(&format!("{path}/cancel"), &[("confirm", "yes")]).await.status, 303);
    assert_eq!(portal.get(&path).await.text_of_id("booking-state").as_deref(), Some("已取消"));
    assert_eq!(book("11:00", "13:00").await.status, 200, "the cancelled time is free");

    // The desk cancels an approved booking before it begins, saying why.
    let tuesday = t.scalar("SELECT id FROM venue_bookings WHERE on_date = '2026-03-03' ORDER BY id DESC LIMIT 1").await;
    street.get(&page).await;
    assert!(
        street
            .post(&format!("/bookings/{tuesday}/act"), &[("action", "cancel")])
            .await
            .text()
            .contains("请在备注中填写原因")
    );
    let cancelled =
        street.post(&format!("/bookings/{tuesday}/act"), &[("action", "cancel"), ("note", "场地检修")]).await;
    assert_eq!(cancelled.status, 303);
    assert_eq!(
        t.strings(&format!("SELECT state FROM venue_bookings WHERE id = {tuesday}")).await,
        vec!["cancelled".to_owned()]
    );

    // Today: checked in on use; a no-show only once the time has begun.
    assert_eq!(desk("2026-03-02", "10:00", "11:00", "4").await.status, 303);
    assert_eq!(desk("2026-03-02", "11:00", "12:00", "4").await.status, 303);
    let first = t.scalar("SELECT id FROM venue_bookings WHERE on_date = '2026-03-02' ORDER BY id LIMIT 1").await;
    let second = t.scalar("SELECT id FROM venue_bookings WHERE on_date = '2026-03-02' ORDER BY id DESC LIMIT 1").await;
    street.get(&page).await;
    let early = street.post(&format!("/bookings/{second}/act"), &[("action", "no_show")]).await;
    assert!(early.text().contains("预约时段开始后才能登记未到场"));
    assert_eq!(street.post(&format!("/bookings/{first}/act"), &[("action", "check_in")]).await.status, 303);
    let again = street.post(&format!("/bookings/{first}/act"), &[("action", "check_in")]).await;
    assert!(again.text().contains("该预约当前为“已使用”，不能登记使用"), "{}", again.text());
    t.clock.advance(chrono::TimeDelta::hours(3));
    // One phone holds at most three requests waiting for the desk.
    assert_eq!(book("15:00", "16:00").await.status, 200);
    assert_eq!(book("16:00", "17:00").await.status, 200);
    let fourth = book("17:00", "18:00").await;
    assert_eq!(fourth.status, 422);
    assert!(fourth.text().contains("此手机号已有 3 个待审核的预约"), "{}", fourth.text());
    let street = t.login("s1admin").await;
    street.get(&page).await;
    assert_eq!(street.post(&format!("/bookings/{second}/act"), &[("action", "no_show")]).await.status, 303);
    let calendar = street.get(&format!("{page}?week=2026-03-03")).await.text();
    assert!(calendar.contains("14:00–16:00") && calendar.contains("周二"), "the week's calendar");
    assert!(!calendar.contains("13:00–14:00"), "a cancelled booking frees its time");

    // An activity that names the space holds its time, or is not published.
    let activity = |start: &'static str, end: &'static str, capacity: &'static str| {
        let street = &street;
        let room = room.clone();
        async move {
            let fields = [
                ("org_code", "C11"),
                ("title", "青年电商直播分享会"),
                ("category", "entrepreneurship"),
                ("audience", "youth"),
                ("on_date", "2026-03-05"),
                ("start", start),
                ("end", end),
                ("place", ""),
                ("capacity", capacity),
                ("signup_opens_on", "2026-03-02"),
                ("signup_closes_on", "2026-03-05"),
                ("space_id", room.as_str()),
            ];
            post_form(street, "/activities/new", "/activities", &fields).await
        }
    };
    assert!(activity("10:00", "12:00", "20").await.text().contains("最多容纳 6 人"));
    assert_eq!(activity("10:00", "12:00", "6").await.status, 303);
    let clash = activity("11:00", "13:00", "6").await;
    assert!(clash.text().contains("公益直播间在 2026-03-05 10:00–12:00 已被预约"), "{}", clash.text());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM activities").await, 1, "the refused activity is not published");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM venue_bookings WHERE activity_id IS NOT NULL AND state = 'approved'").await,
        1
    );
    assert_eq!(t.strings("SELECT place FROM activities").await, vec!["一街道青年之家 公益直播间".to_owned()]);

    let admin = t.admin().await;
    let r = admin.get("/api/v1/reports?as_of=2026-03-31&baseline=2025-12-31&from=2026-03-01&scope=S1").await.json();
    assert_eq!((value(&r, "venues.count"), value(&r, "venues.uses"), value(&r, "venues.no_shows")), (1, 1, 1));

    // Closing waits for the bookings still holding a time, then says what it changes.
    street.get(&page).await;
    let held = street.post(&format!("{page}/close"), &[("closed_on", "2026-03-02")]).await;
    assert!(held.text().contains("及以后还有") && held.text().contains("请先取消这些预约再停用"), "{}", held.text());
    t.execute_sql("UPDATE venue_bookings SET state = 'cancelled' WHERE state IN ('requested', 'approved')")
        .await
        .expect("cancel all");
    let confirm = street.post(&format!("{page}/close"), &[("closed_on", "2026-03-02")]).await;
    assert!(confirm.text_of_id("close-impact").expect("impact").contains("自 2026-03-02 起不再计入阵地数"));
    let closed = street.post(&format!("{page}/close"), &[("closed_on", "2026-03-02"), ("confirm", "yes")]).await;
    assert_eq!(closed.status, 303);
    let late_booking = [
        ("space_id", room.as_str()),
        ("booker_kind", "org"),
        ("org_code", "C11"),
        ("name", "王老师"),
        ("on_date", "2026-03-03"),
        ("starts", "09:00"),
        ("ends", "10:00"),
        ("attendees", "5"),
        ("purpose", "培训"),
    ];
    let refused = post_form(&street, &page, &format!("{page}/bookings"), &late_booking).await;
    assert!(refused.text().contains("已于 2026-03-02 停用"), "{}", refused.text());
    let r = admin.get("/api/v1/reports?as_of=2026-03-02&baseline=2026-03-01&scope=S1").await.json();
    assert_eq!((value(&r, "venues.count"), r["venues.count"]["delta"].as_i64()), (0, Some(-1)));

    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert_eq!(other.get(&page).await.status, 404);
    other.get("/venues").await;
    assert_eq!(other.post(&format!("/bookings/{first}/act"), &[("action", "approve")]).await.status, 404);
    assert_eq!(street.get("/venues/export.xlsx").await.status, 200);
}

async fn a_partner_account_sees_only_its_partner_and_books_for_it(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let partner = |org: &'static str, name: &'static str, code: String| {
        let client = if org == "S1" { street.clone() } else { admin.clone() };
        async move {
            let form = [
                ("org_code", org),
                ("name", name),
                ("credit_code", code.as_str()),
                ("kind", "bank"),
                ("contact_name", "李经理"),
                ("contact_phone", "13800004444"),
            ];
            assert_eq!(post_form(&client, "/partners", "/partners", &form).await.status, 303);
        }
    };
    let ours = credit_code("91370214MA3C8E1X5");
    let theirs = credit_code("91370214MA3C9F2Y6");
    partner("S1", "青岛农商银行城阳支行", ours.clone()).await;
    partner("S2", "另一家银行", theirs.clone()).await;
    let p1 = t.scalar(&format!("SELECT id FROM partners WHERE credit_code = '{ours}'")).await;
    let p2 = t.scalar(&format!("SELECT id FROM partners WHERE credit_code = '{theirs}'")).await;
    for (client, partner, org, title) in [(&street, p1, "C11", "青创先锋贷合作协议"), (&admin, p2, "S2", "另一份协议")]
    {
        let page = format!("/partners/{partner}");
        let form = [
            ("org_code", org),
            ("title", title),
            ("scope", "创业贷款推荐"),
            ("starts_on", "2026-01-01"),
            ("ends_on", "2027-12-31"),
        ];
        assert_eq!(post_form(client, &page, &format!("{page}/agreements"), &form).await.status, 303);
    }
    for (client, org, code, amount) in [(&street, "C11", &ours, "5000"), (&admin, "C21", &theirs, "7000")] {
        let form = [
            ("org_code", org),
            ("funding", "social"),
            ("donor_kind", "partner"),
            ("partner_code", code.as_str()),
            ("kind", "money"),
            ("amount", amount),
            ("purpose_kind", "general"),
            ("on_date", "2026-02-10"),
        ];
        assert_eq!(post_form(client, "/ledger", "/ledger", &form).await.status, 303);
    }
    let venue = [
        ("org_code", "S1"),
        ("name", "一街道青年之家"),
        ("kind", "youth_home"),
        ("address", "一街道正阳路 1 号"),
        ("hours", "周一至周五 9:00–18:00"),
        ("opened_on", "2026-01-01"),
    ];
    assert_eq!(post_form(&street, "/venues", "/venues", &venue).await.status, 303);
    let venue = t.scalar("SELECT id FROM venues").await;
    let space =
        [("name", "会议室"), ("capacity", "12"), ("opens", "09:00"), ("closes", "18:00"), ("weekdays", "12345")];
    let page = format!("/venues/{venue}");
    assert_eq!(post_form(&street, &page, &format!("{page}/spaces"), &space).await.status, 303);
    let room = t.scalar("SELECT id FROM venue_spaces").await.to_string();

    // The street opens an account for the partner it registered, with a role made for partners.
    let open = |role: &'static str, username: &'static str| {
        let street = &street;
        async move {
            let form = [("username", username), ("display_name", "李经理"), ("role_code", role)];
            post_form(street, &format!("/partners/{p1}"), &format!("/partners/{p1}/accounts"), &form).await
        }
    };
    let wrong_role = open("org_viewer", "bank2").await;
    assert_eq!(wrong_role.status, 422);
    assert!(wrong_role.text().contains("合作单位的账户不能授予“组织查看员”"), "{}", wrong_role.text());
    let opened = open("partner_staff", "bank1").await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    assert!(opened.text_of_id("one-time-password").is_some_and(|p| p.len() >= 12), "a one-time password, once");
    assert!(street.get(&format!("/partners/{p1}")).await.text().contains("bank1"), "listed on the partner's page");
    let not_ours = post_form(
        &street,
        "/partners",
        &format!("/partners/{p2}/accounts"),
        &[("username", "bank3"), ("display_name", "王"), ("role_code", "partner_staff")],
    )
    .await;
    assert_eq!(not_ours.status, 404, "a partner the street did not register");
    let org_account = post_form(
        &admin,
        "/users/new",
        "/users",
        &[("username", "orgp"), ("display_name", "赵"), ("role_code", "partner_staff"), ("scope_code", "C11")],
    )
    .await;
    assert!(org_account.text().contains("“合作单位工作人员”只能授予合作单位的账户"), "{}", org_account.text());

    // Its staff log in (here with a known password) and land on their partner's page.
    let form = qingtuan_app::access::users::NewUser {
        username: "bank9".into(),
        display_name: "钱经理".into(),
        role_code: "partner_staff".into(),
        partner_code: ours.clone(),
        password: Some(qingtuan_testkit::PASSWORD.into()),
        ..Default::default()
    };
    qingtuan_app::access::users::create(&t.app, &qingtuan_app::Actor::system(), &form).await.expect("account");
    let bank = t.login("bank9").await;
    let home = bank.get("/dashboard").await;
    assert_eq!((home.status, home.header("location")), (303, Some("/partner")));
    let own = bank.get("/partner").await;
    assert_eq!(own.status, 200, "{}", own.text());
    let text = own.text();
    assert!(text.contains("青岛农商银行城阳支行（合作单位工作人员）"), "its scope is its partner");
    assert!(text.contains("青创先锋贷合作协议") && !text.contains("另一份协议"), "its own agreements");
    assert!(text.contains("投入资源（1 笔）") && text.contains("5000"), "its own contributions");
    assert!(!text.contains("href=\"/ledger\"") && !text.contains("href=\"/orgs\""), "no registry in its menu");
    let lines = bank.get("/partner/ledger").await.text();
    assert!(lines.contains("5000.00") && !lines.contains("7000.00"), "{lines}");
    for closed in [
        "/orgs",
        "/ledger",
        "/venues",
        "/partners",
        "/users",
        "/imports",
        "/api/v1/reports?as_of=2026-03-01&baseline=2025-12-31",
        "/dashboard/export.xlsx",
    ] {
        assert_eq!(bank.get(closed).await.status, 403, "{closed}");
    }
    let denied = t.audit_count("security.denied").await;
    assert_eq!(bank.get(&format!("/partners/{p2}")).await.status, 404, "another partner does not exist for it");
    assert_eq!(bank.get(&page).await.status, 404, "a venue's desk neither");
    let theirs_agreement = t.scalar(&format!("SELECT id FROM agreements WHERE partner_id = {p2}")).await;
    assert_eq!(bank.get(&format!("/agreements/{theirs_agreement}/document")).await.status, 404);
    assert!(t.audit_count("security.denied").await >= denied + 3, "probes are audited");

    // It requests a booking for its partner; the venue's desk approves; it may cancel before.
    let request = |starts: &'static str, ends: &'static str| {
        let bank = &bank;
        let room = room.clone();
        async move {
            let form = [
                ("space_id", room.as_str()),
                ("name", "钱经理"),
                ("on_date", "2026-03-04"),
                ("starts", starts),
                ("ends", ends),
                ("attendees", "8"),
                ("purpose", "创业贷款政策宣讲"),
            ];
            post_form(bank, "/partner", "/partner/bookings", &form).await
        }
    };
    let late = request("17:00", "19:00").await;
    assert_eq!(late.status, 422);
    assert!(late.text().contains("所约时段不在开放时间内") && late.text().contains("value=\"钱经理\""));
    assert_eq!(request("10:00", "11:00").await.status, 303);
    assert!(request("10:30", "11:30").await.text().contains("已被预约"), "its request holds the time");
    let booking = t.scalar(&format!("SELECT id FROM venue_bookings WHERE partner_id = {p1}")).await;
    assert!(bank.get("/partner").await.text().contains("待审核"));
    street.get(&page).await;
    assert_eq!(street.post(&format!("/bookings/{booking}/act"), &[("action", "approve")]).await.status, 303);
    let desk_view = street.get(&format!("{page}?week=2026-03-04")).await.text();
    assert!(desk_view.contains("青岛农商银行城阳支行"), "the desk sees who booked");
    assert!(bank.get("/partner").await.text().contains("已通过"));

    // Another partner's booking does not exist for it.
    let desk_form = [
        ("space_id", room.as_str()),
        ("booker_kind", "partner"),
        ("partner_code", theirs.as_str()),
        ("name", "王"),
        ("on_date", "2026-03-05"),
        ("starts", "10:00"),
        ("ends", "11:00"),
        ("attendees", "5"),
        ("purpose", "座谈"),
    ];
    assert_eq!(post_form(&street, &page, &format!("{page}/bookings"), &desk_form).await.status, 303);
    let other = t.scalar(&format!("SELECT id FROM venue_bookings WHERE partner_id = {p2}")).await;
    bank.get("/partner").await;
    assert_eq!(bank.post(&format!("/partner/bookings/{other}/cancel"), &[]).await.status, 404);
    assert_eq!(bank.post(&format!("/partner/bookings/{booking}/cancel"), &[]).await.status, 303);
    assert_eq!(
        t.strings(&format!("SELECT state FROM venue_bookings WHERE id IN ({booking}, {other}) ORDER BY id")).await,
        vec!["cancelled".to_owned(), "approved".to_owned()]
    );

    // Staff cannot give the account a role over the tree.
    let account = t.user_id("bank9").await;
    street.get(&format!("/users/{account}")).await;
    let grant =
        street.post(&format!("/users/{account}/roles"), &[("role_code", "org_viewer"), ("scope_code", "C11")]).await;
    assert_eq!(grant.status, 422);
    assert!(grant.text().contains("合作单位的账户不能授予"), "{}", grant.text());
}

async fn a_venue_keeps_its_photos_its_team_as_it_was_and_its_spaces_as_changed(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let venue = [
        ("org_code", "S1"),
        ("name", "一街道青年之家"),
        ("kind", "youth_home"),
        ("address", "一街道正阳路 1 号"),
        ("hours", "周一至周五 9:00–18:00"),
        ("opened_on", "2026-01-01"),
    ];
    assert_eq!(post_form(&street, "/venues", "/venues", &venue).await.status, 303);
    let venue = t.scalar("SELECT id FROM venues").await;
    let page = format!("/venues/{venue}");
    let space =
        [("name", "会议室"), ("capacity", "12"), ("opens", "09:00"), ("closes", "18:00"), ("weekdays", "12345")];
    assert_eq!(post_form(&street, &page, &format!("{page}/spaces"), &space).await.status, 303);
    let room = t.scalar("SELECT id FROM venue_spaces").await;

    // Photos: PNG or JPEG by content, twelve at most; on the portal while the venue is open.
    let png = b"\x89PNG\r\n\x1a\n-a-venue-";
    let upload = |name: &'static str, bytes: &'static [u8]| {
        let street = &street;
        let page = page.clone();
        async move {
            street.get(&page).await;
            street.post_multipart(&format!("{page}/photos"), &[], ("document", name, bytes)).await
        }
    };
    let svg = upload("x.png", b"<svg onload=alert(1)>").await;
    assert_eq!(svg.status, 422);
    assert!(svg.text().contains("照片只能是 PNG 或 JPEG 文件"));
    for _ in 0..12 {
        assert_eq!(upload("大厅.png", png).await.status, 303);
    }
    let thirteenth = upload("大厅.png", png).await;
    assert!(thirteenth.text().contains("每个阵地最多保存 12 张照片"), "{}", thirteenth.text());
    let photo = t.scalar("SELECT MIN(id) FROM venue_photos").await;
    let shown = street.get(&format!("/venue-photos/{photo}")).await;
    assert_eq!((shown.status, shown.header("content-type")), (200, Some("image/png")));
    assert_eq!(shown.body.as_ref(), png);
    let public = t.client();
    assert!(
        public.get(&format!("/portal/venues/{venue}")).await.text().contains(&format!("/portal/venue-photos/{photo}"))
    );
    assert_eq!(public.get(&format!("/portal/venue-photos/{photo}")).await.status, 200);
    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert_eq!(other.get(&format!("/venue-photos/{photo}")).await.status, 404);
    other.get("/venues").await;
    assert_eq!(other.post(&format!("/venue-photos/{photo}/remove"), &[]).await.status, 404);
    street.get(&page).await;
    assert_eq!(street.post(&format!("/venue-photos/{photo}/remove"), &[]).await.status, 303);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM venue_photos").await, 11);
    assert_eq!(upload("新.png", png).await.status, 303, "room again for one");

    // A space changed: new bookings are checked against what it is now.
    let change = |fields: [(&'static str, &'static str); 5], client: &TestClient| {
        let client = client.clone();
        let page = page.clone();
        async move { post_form(&client, &page, &format!("/spaces/{room}"), &fields).await }
    };
    let smaller =
        [("name", "小会议室"), ("capacity", "4"), ("opens", "09:00"), ("closes", "17:00"), ("weekdays", "12345")];
    assert_eq!(change(smaller, &other).await.status, 404, "another street's space");
    let backwards =
        [("name", "小会议室"), ("capacity", "4"), ("opens", "17:00"), ("closes", "09:00"), ("weekdays", "12345")];
    assert!(change(backwards, &street).await.text().contains("关闭时间应晚于开放时间"));
    assert_eq!(change(smaller, &street).await.status, 303);
    let desk = [
        ("space_id", room.to_string()),
        ("booker_kind", "org".into()),
        ("org_code", "C11".into()),
        ("name", "王老师".into()),
        ("on_date", "2026-03-04".into()),
        ("starts", "10:00".into()),
        ("ends", "11:00".into()),
        ("attendees", "6".into()),
        ("purpose", "座谈".into()),
    ];
    let desk: Vec<(&str, &str)> = desk.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = post_form(&street, &page, &format!("{page}/bookings"), &desk).await;
    assert!(refused.text().contains("小会议室最多容纳 4 人"), "{}", refused.text());

    // A member leaves: kept in the team with the day they left.
    register_person(&admin, "孙青", &id_number("19950101", 11), "13800005555").await;
    let member = [
        ("id_number", id_number("19950101", 11)),
        ("name", "孙青".into()),
        ("role", "social_worker".into()),
        ("since", "2026-01-05".into()),
    ];
    let member: Vec<(&str, &str)> = member.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post_form(&street, &page, &format!("{page}/team"), &member).await.status, 303);
    let id = t.scalar("SELECT id FROM venue_team").await;
    let leave = |until: &'static str| {
        let street = &street;
        let page = page.clone();
        async move { post_form(street, &page, &format!("/venue-team/{id}/leave"), &[("until", until)]).await }
    };
    assert!(leave("2026-01-05").await.text().contains("离开日期应晚于加入日期（2026-01-05）"));
    assert!(leave("2026-04-01").await.text().contains("离开日期不能晚于今天"));
    assert_eq!(leave("2026-02-28").await.status, 303);
    assert!(
        street.get(&page).await.text().contains("<td>2026-01-05</td>\n    <td>2026-02-28</td>"),
        "kept, with the day"
    );
    assert!(leave("2026-03-01").await.text().contains("此人已离开运营团队"));

    // Closed, its photos leave the portal; the desk still sees them.
    let close = [("closed_on", "2026-03-02"), ("confirm", "yes")];
    assert_eq!(post_form(&street, &page, &format!("{page}/close"), &close).await.status, 303);
    let kept = t.scalar("SELECT MIN(id) FROM venue_photos").await;
    assert_eq!(public.get(&format!("/portal/venue-photos/{kept}")).await.status, 404);
    assert_eq!(street.get(&format!("/venue-photos/{kept}")).await.status, 200);
}

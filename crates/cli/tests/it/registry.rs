//! The org registry: moving a subtree keeps the closure true and respects both scopes; the social
//! domain is data; pinyin search; suspected duplicates merge; posts are recorded and ended on the
//! org's page.

use qingtuan_app::Actor;
use qingtuan_app::registry::people::{self, NewPerson};
use qingtuan_testkit::{TestApp, db_tests};

db_tests!(
    moving_a_subtree_rewires_scopes,
    the_social_domain_is_data,
    duplicates_are_listed_and_merged,
    renames_and_dissolutions_are_the_orgs_history,
    honours_are_recorded_on_the_orgs_page,
    regions_and_youth_populations_are_kept_by_the_district,
    posts_are_recorded_and_ended_on_the_orgs_page,
    the_data_quality_page_lists_what_keeps_the_figures_wrong,
);

async fn moving_a_subtree_rewires_scopes(t: TestApp) {
    t.seed_tree().await;
    t.create_user("s2admin", "org_admin", "S2").await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let s1 = t.login("s1admin").await;
    let c11 = t.org_id("C11").await;
    s1.get(&format!("/orgs/{c11}")).await;
    let to_other_street = s1.post(&format!("/orgs/{c11}/move"), &[("parent_code", "S2")]).await;
    assert_eq!(to_other_street.status, 404, "the destination is outside the street admin's scope");
    let s1_id = t.org_id("S1").await;
    let own = s1.post(&format!("/orgs/{s1_id}/move"), &[("parent_code", "C11")]).await;
    assert_eq!(own.status, 422);
    assert!(
        own.text().contains("不能把组织移到它自己的下级组织之下") || own.text().contains("不能移动您自己的数据范围")
    );

    let admin = t.admin().await;
    admin.get(&format!("/orgs/{c11}")).await;
    let moved = admin.post(&format!("/orgs/{c11}/move"), &[("parent_code", "S2")]).await;
    assert_eq!(moved.status, 303, "{}", moved.text());

    assert_eq!(s1.get(&format!("/orgs/{c11}")).await.status, 404, "no longer in S1's subtree");
    let s2 = t.login("s2admin").await;
    assert_eq!(s2.get(&format!("/orgs/{c11}")).await.status, 200, "now in S2's");
    let tree = admin.get("/api/v1/orgs").await.json();
    let parent = tree.as_array().expect("list").iter().find(|o| o["code"] == "C11").expect("C11")["parent_id"].clone();
    assert_eq!(parent.as_i64(), Some(t.org_id("S2").await));
    assert_eq!(t.audit_count("org.move").await, 1);
    let search = admin.get("/orgs?q=yjd").await.text();
    assert!(search.contains("一街道一社区团支部") && search.contains("一街道二社区团支部"), "pinyin initials");

    // The list is in tree order, paged by the database: the moved subtree now follows S2, and a
    // branch of its own moves with it.
    let sub = qingtuan_app::registry::orgs::NewOrg {
        code: "C11A".into(),
        name: "一社区青年团小组".into(),
        kind: "branch".into(),
        parent_code: "C11".into(),
        ..Default::default()
    };
    qingtuan_app::registry::orgs::create(&t.app, &Actor::system(), &sub).await.expect("org");
    let c12 = t.org_id("C12").await;
    admin.post(&format!("/orgs/{c12}/move"), &[("parent_code", "C11")]).await;
    let list = admin.get("/orgs").await.text();
    let at = |code: &str| list.find(&format!(">{code}<")).unwrap_or_else(|| panic!("{code} listed"));
    let order = ["D", "S1", "S2", "C11", "C11A", "C12", "C21", "C22"].map(at);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "tree order after two moves: {list}");
    let rows = |page: &str| page.matches("<tr").count();
    let by_code = admin.get("/orgs?q=c2&kind=branch").await.text();
    assert!(by_code.contains(">C21<") && by_code.contains(">C22<") && !by_code.contains(">C11<"));
    assert_eq!(rows(&by_code), rows(&admin.get("/orgs?q=C2&kind=branch").await.text()), "codes match in any case");
    let literal = admin.get("/orgs?q=%25").await.text();
    assert!(!literal.contains(">C11<"), "a % in the search is a character, not a wildcard");
}

async fn the_social_domain_is_data(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/sectors").await;
    let before = admin.get("/api/v1/reports?as_of=2026-03-02&baseline=2026-01-01").await.json();
    assert_eq!(before["org.social_domain.count"]["value"], 0, "the seeded tree has no sectors");
    t.execute_sql(
        "UPDATE orgs SET sector_id = (SELECT id FROM sectors WHERE code = 'government') WHERE code IN ('D', 'S1')",
    )
    .await
    .expect("sectors");
    // First what it would change, changing nothing; then, confirmed, it is done.
    let asked = admin.post("/sectors/government", &[("social_domain", "true")]).await;
    assert_eq!(asked.status, 200);
    let impact = asked.text_of_id("flag-impact").unwrap_or_default();
    assert!(impact.contains("今天有 2 个团组织") && impact.contains("由 0 个变为 2 个"), "{impact}");
    assert_eq!(t.audit_count("sector.update").await, 0);
    let res = admin.post("/sectors/government", &[("social_domain", "true"), ("confirm", "yes")]).await;
    assert_eq!(res.status, 303);
    assert!(admin.get("/sectors").await.text().contains("取消社会领域"));
    assert_eq!(t.audit_count("sector.update").await, 1);
    t.create_user("viewer", "org_viewer", "S1").await;
    let viewer = t.login("viewer").await;
    viewer.get("/sectors").await;
    assert_eq!(viewer.post("/sectors/government", &[("social_domain", "false")]).await.status, 403);
    // A street admin may write orgs, but not the district's sectors: no switch is offered.
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await.get("/sectors").await.text();
    assert!(street.contains("政府") || street.contains("government"));
    assert!(!street.contains("取消社会领域") && !street.contains("设为社会领域"), "{street}");
}

async fn duplicates_are_listed_and_merged(t: TestApp) {
    t.seed_tree().await;
    let sys = Actor::system();
    let twin = |id: &str| NewPerson {
        name: "周九".into(),
        gender: "男".into(),
        phone: "13700001111".into(),
        id_number: id.into(),
        ..NewPerson::default()
    };
    people::create_batch(&t.app, &sys, &[twin(""), twin("11010519491231002X"), twin("")]).await.expect("people");
    let admin = t.admin().await;
    let page = admin.get("/people/duplicates").await.text();
    assert_eq!(page.matches("并入").count(), 2, "three records, two to merge");
    let first = t.user_id_of_person("周九").await;
    // The duplicate leads a team it is a member of: both move to the kept record.
    let team = qingtuan_app::volunteering::create_team(
        &t.app,
        &sys,
        &qingtuan_app::volunteering::NewTeam {
            org_code: "C11".into(),
            name: "青年突击队".into(),
            formed_on: "2026-01-01".parse().expect("date"),
        },
    )
    .await
    .expect("team");
    let duplicate = first + 1;
    t.execute_sql(&format!(
        "INSERT INTO team_members (team_id, person_id, joined_on) VALUES ({team}, {duplicate}, '2026-01-01')"
    ))
    .await
    .expect("member");
    t.execute_sql(&format!("UPDATE volunteer_teams SET leader_person_id = {duplicate} WHERE id = {team}"))
        .await
        .expect("leader");
    let res = admin.post("/people/merge", &[("keep", &first.to_string()), ("duplicate", &duplicate.to_string())]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_eq!(
        t.execute_sql(&format!(
            "UPDATE team_members SET joined_on = joined_on WHERE team_id = {team} AND person_id = {first}"
        ))
        .await,
        Ok(1),
        "the membership moved"
    );
    assert_eq!(
        t.execute_sql(&format!(
            "UPDATE volunteer_teams SET name = name WHERE id = {team} AND leader_person_id = {first}"
        ))
        .await,
        Ok(1),
        "and the lead"
    );
    let after = admin.get("/people?q=周九").await.text();
    assert!(after.contains("共 2 条"), "{after}");
    assert_eq!(t.audit_count("person.merge").await, 1);
}

async fn renames_and_dissolutions_are_the_orgs_history(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let s1 = t.org_id("S1").await;
    admin.get(&format!("/orgs/{s1}/edit")).await;
    let renamed = admin
        .post(
            &format!("/orgs/{s1}"),
            &[
                ("name", "一街道团工委（更名）"),
                ("kind", "working_committee"),
                ("sector_code", "street_community"),
                ("region_code", ""),
                ("basis", "unit"),
                ("founded_on", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(renamed.status, 303, "{}", renamed.text());
    let bad = admin
        .post(&format!("/orgs/{s1}"), &[("name", ""), ("kind", "nonsense"), ("basis", "unit"), ("founded_on", "")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("组织名称不能为空") && bad.text().contains("未知的组织类型"));

    // First what it would do, changing nothing; then, confirmed, it is done.
    let asked = admin.post(&format!("/orgs/{s1}/dissolve"), &[("on", "2026-03-01")]).await;
    assert_eq!(asked.status, 200);
    assert!(asked.text().contains("还有 2 个下级组织"), "asks what to do with the children");
    let refused = admin.post(&format!("/orgs/{s1}/dissolve"), &[("on", "2026-03-01"), ("confirm", "yes")]).await;
    assert_eq!(refused.status, 422);
    let preview = admin.post(&format!("/orgs/{s1}/dissolve"), &[("on", "2026-03-01"), ("with_subtree", "true")]).await;
    assert!(
        preview.text_of_id("dissolve-impact").is_some_and(|t| t.contains("2 个下级组织将一并撤销")),
        "{}",
        preview.text()
    );
    assert_eq!(t.audit_count("org.dissolve").await, 0, "nothing changed before the confirmation");
    let dissolved = admin
        .post(&format!("/orgs/{s1}/dissolve"), &[("on", "2026-03-01"), ("with_subtree", "true"), ("confirm", "yes")])
        .await;
    assert_eq!(dissolved.status, 303);
    // The root of the tree is never dissolved (and not offered).
    let root = t.org_id("D").await;
    assert!(!admin.get(&format!("/orgs/{root}")).await.text().contains("撤销组织"));
    let never = admin.post(&format!("/orgs/{root}/dissolve"), &[("on", "2026-03-01"), ("confirm", "yes")]).await;
    assert_eq!(never.status, 422);
    assert!(never.text().contains("不能撤销"));

    let page = admin.get(&format!("/orgs/{s1}")).await;
    assert_eq!(page.text_of_id("org-status").as_deref(), Some("已于 2026-03-01 撤销"));
    let html = page.text();
    for action in ["创建组织", "修改组织", "撤销组织"] {
        assert!(html.contains(action), "history shows {action}");
    }
    assert!(html.contains("一街道团工委（更名）"));
    // The history in Chinese: each changed field with its old and new value, codes by name.
    for line in [
        "名称：一街道团工委 → 一街道团工委（更名）",
        "成立日期：未知 → 2020-01-01",
        "领域：（空） → 街道社区（street_community）",
        "类型：团工委",
        "撤销日期：2026-03-01",
    ] {
        assert!(html.contains(line), "{line}: {html}");
    }
    assert!(!html.contains("\"founded_on\""), "no raw JSON on the page");
    assert!(html.contains("系统（命令行）") && html.contains("命令行"), "the seed's operator and source");
    assert!(html.contains("本组织及下级的统计"), "the subtree's figures");
    let c11 = t.org_id("C11").await;
    assert!(admin.get(&format!("/orgs/{c11}")).await.text().contains("已于 2026-03-01 撤销"), "children dissolved too");
}

async fn honours_are_recorded_on_the_orgs_page(t: TestApp) {
    t.seed_tree().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let s1 = t.login("s1admin").await;
    let c11 = t.org_id("C11").await;
    s1.get(&format!("/orgs/{c11}")).await;
    let path = format!("/orgs/{c11}/honours");
    let empty = s1.post(&path, &[("title", ""), ("awarded_on", "2021-05-04")]).await;
    assert_eq!(empty.status, 422);
    let ok = s1.post(&path, &[("title", "全国五四红旗团支部"), ("awarded_on", "2021-05-04")]).await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    assert!(s1.get(&format!("/orgs/{c11}")).await.text().contains("全国五四红旗团支部（2021-05-04）"));
    assert_eq!(t.audit_count("org.honour").await, 1);
    let c21 = t.org_id("C21").await;
    assert_eq!(
        s1.post(&format!("/orgs/{c21}/honours"), &[("title", "x"), ("awarded_on", "2021-05-04")]).await.status,
        404
    );
}

async fn regions_and_youth_populations_are_kept_by_the_district(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    admin.get("/regions").await;
    let district = admin.post("/regions", &[("code", "QD"), ("name", "测试区"), ("kind", "district")]).await;
    assert_eq!(district.status, 303, "{}", district.text());
    let street = admin
        .post("/regions", &[("code", "QD01"), ("name", "一街道"), ("kind", "street"), ("parent_code", "QD")])
        .await;
    assert_eq!(street.status, 303);
    let again =
        admin.post("/regions", &[("code", "QD01"), ("name", "重复"), ("kind", "street"), ("parent_code", "QD")]).await;
    assert_eq!(again.status, 422);
    let bad = admin.post("/regions/populations", &[("region_code", "QD01"), ("year", "2026"), ("count", "多")]).await;
    assert_eq!(bad.status, 422);
    let pop = admin
        .post(
            "/regions/populations",
            &[("region_code", "QD01"), ("year", "2026"), ("count", "12000"), ("source", "区统计局")],
        )
        .await;
    assert_eq!(pop.status, 303, "{}", pop.text());
    let list = admin.get("/regions?q=QD01").await.text();
    assert!(list.contains("一街道") && list.contains("2026：12000（区统计局）") && !list.contains("测试区</td><td>区"));
    assert_eq!(admin.get("/regions/export.xlsx").await.status, 200);
    assert_eq!(t.audit_count("region.population").await, 1);

    // A street's admin reads the list but changes nothing.
    t.create_user("s1admin", "org_admin", "S1").await;
    let s1 = t.login("s1admin").await;
    let page = s1.get("/regions").await;
    assert!(page.text().contains("一街道") && !page.text().contains("登记青年人口"));
    let refused = s1.post("/regions/populations", &[("region_code", "QD01"), ("year", "2026"), ("count", "1")]).await;
    assert_eq!(refused.status, 403);
}

async fn posts_are_recorded_and_ended_on_the_orgs_page(t: TestApp) {
    t.seed_tree().await;
    let someone = NewPerson {
        name: "任八".into(),
        gender: "女".into(),
        id_number: "11010519491231002X".into(),
        ..NewPerson::default()
    };
    people::create_batch(&t.app, &Actor::system(), &[someone]).await.expect("person");
    let admin = t.admin().await;
    let c11 = t.org_id("C11").await;
    assert!(admin.get(&format!("/orgs/{c11}")).await.text().contains("记录任职"));
    let post = |id_number: &'static str, start_on: &'static str, end_on: &'static str| {
        vec![
            ("id_number", id_number),
            ("title", "secretary"),
            ("employment", "part_time"),
            ("source", "two_committees"),
            ("serving_level", ""),
            ("start_on", start_on),
            ("end_on", end_on),
        ]
    };

    let unknown = admin.post(&format!("/orgs/{c11}/positions"), &post("110105199001010010", "2026-01-01", "")).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.text().contains("没有找到此身份证号码对应的人员"), "{}", unknown.text());
    let html = unknown.text();
    let (form_at, error_at) =
        (html.find("id=\"record-post\"").expect("form"), html.find("没有找到此身份证号码").expect("error"));
    assert!(error_at > form_at, "the error is shown beside the form, not at the top of the page");
    let backwards =
        admin.post(&format!("/orgs/{c11}/positions"), &post("11010519491231002X", "2026-01-01", "2025-12-31")).await;
    assert_eq!(backwards.status, 422);
    assert!(backwards.text().contains("离任日期应晚于任职日期"));
    assert!(backwards.text().contains("value=\"2026-01-01\""), "the form keeps what was typed");
    assert_eq!(t.audit_count("position.create").await, 0, "nothing was written");

    let recorded = admin.post(&format!("/orgs/{c11}/positions"), &post("11010519491231002X", "2026-01-01", "")).await;
    assert_eq!(recorded.status, 303, "{}", recorded.text());
    let shown = admin.get(&format!("/orgs/{c11}")).await;
    assert_eq!(shown.text_of_id("done").as_deref(), Some("已记录任职"), "the page says what was done");
    let page = admin.get(&format!("/orgs/{c11}")).await.text();
    assert!(!page.contains("id=\"done\""), "once");
    assert!(page.contains("在岗人员（1）") && page.contains("任八") && page.contains("书记"), "{page}");
    assert_eq!(t.audit_count("position.create").await, 1);
    // The founding date cannot move past a post's start.
    admin.get(&format!("/orgs/{c11}/edit")).await;
    let later = admin
        .post(
            &format!("/orgs/{c11}"),
            &[("name", "一街道一社区团支部"), ("kind", "branch"), ("basis", "unit"), ("founded_on", "2026-02-01")],
        )
        .await;
    assert_eq!(later.status, 422);
    assert!(later.text().contains("该组织有 2026-01-01 起的任职记录"), "{}", later.text());

    // Another community's admin neither records nor ends posts here.
    t.create_user("c21", "org_admin", "C21").await;
    let other = t.login("c21").await;
    other.get("/orgs").await;
    assert_eq!(
        other.post(&format!("/orgs/{c11}/positions"), &post("11010519491231002X", "2026-01-01", "")).await.status,
        404
    );
    let post_id = page
        .split("action=\"/positions/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("an end form for the post")
        .to_owned();
    assert_eq!(other.post(&format!("/positions/{post_id}/end"), &[("end_on", "2026-03-01")]).await.status, 404);

    let too_early = admin.post(&format!("/positions/{post_id}/end"), &[("end_on", "2026-01-01")]).await;
    assert_eq!(too_early.status, 422);
    // Ending is confirmed first, the page saying what it changes; nothing changes until then.
    let asked = admin.post(&format!("/positions/{post_id}/end"), &[("end_on", "2026-03-01")]).await;
    assert_eq!(asked.status, 200);
    let impact = asked.text_of_id("end-impact").expect("what ending changes");
    assert!(impact.contains("将于 2026-03-01 离任") && impact.contains("此后该组织没有在任的书记"), "{impact}");
    assert_eq!(t.audit_count("position.end").await, 0);
    let ended = admin.post(&format!("/positions/{post_id}/end"), &[("end_on", "2026-03-01"), ("confirm", "yes")]).await;
    assert_eq!(ended.status, 303);
    assert!(
        admin.get(&format!("/orgs/{c11}")).await.text().contains("没有在岗人员"),
        "ended before today (2026-03-02)"
    );
    assert_eq!(t.audit_count("position.end").await, 1);
    let again = admin.post(&format!("/positions/{post_id}/end"), &[("end_on", "2026-06-01"), ("confirm", "yes")]).await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("该职务已于 2026-03-01 离任"), "an ended post is not extended");

    // No new posts in a dissolved org from its dissolution on.
    let c12 = t.org_id("C12").await;
    let dissolved = admin.post(&format!("/orgs/{c12}/dissolve"), &[("on", "2026-03-02"), ("confirm", "yes")]).await;
    assert_eq!(dissolved.status, 303, "{}", dissolved.text());
    let late = admin.post(&format!("/orgs/{c12}/positions"), &post("11010519491231002X", "2026-03-02", "")).await;
    assert_eq!(late.status, 422);
    assert!(late.text().contains("该组织已于 2026-03-02 撤销"));
    let open_ended = admin.post(&format!("/orgs/{c12}/positions"), &post("11010519491231002X", "2026-03-01", "")).await;
    assert!(open_ended.text().contains("离任日期不能晚于此日"), "a backdated post must end by the dissolution");
}

/// 数据质量: orgs without a region or a sector or with an unknown founding date, posts still held
/// in a dissolved org, people without a birth date — each within the viewer's scope, with the
/// link that fixes it; fixing it takes it off the list.
async fn the_data_quality_page_lists_what_keeps_the_figures_wrong(t: TestApp) {
    t.seed_tree().await; // D, S1, S2, C11, C12, C21, C22: no region, no sector, founding unknown
    let sys = Actor::system();
    let someone = NewPerson { name: "无生日".into(), gender: "女".into(), ..NewPerson::default() };
    let ids = people::create_batch(&t.app, &sys, &[someone]).await.expect("person");
    let post = qingtuan_app::registry::positions::NewPosition {
        person_id: Some(ids[0]),
        org_code: "C12".into(),
        title: "书记".into(),
        employment: "兼职".into(),
        start_on: "2020-01-01".into(),
        ..Default::default()
    };
    qingtuan_app::registry::positions::create_batch(&t.app, &sys, &[post]).await.expect("post");
    // A database from before dissolutions ended posts: C12 dissolved with its post still held.
    t.execute_sql("UPDATE orgs SET dissolved_on = '2022-01-01' WHERE code = 'C12'").await.expect("dissolve");

    let admin = t.admin().await;
    let page = admin.get("/quality").await;
    assert_eq!(page.status, 200);
    let section = |html: &str, id: &str| {
        let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("section {id}"));
        html[start..start + html[start..].find("</section>").expect("end")].to_owned()
    };
    let html = page.text();
    assert!(section(&html, "orgs-without-region").contains("（6 个）"), "the six live orgs");
    assert!(section(&html, "orgs-without-sector").contains("（6 个）"));
    assert!(section(&html, "orgs-founding-unknown").contains("（6 个）"));
    let stranded = section(&html, "stranded-posts");
    assert!(stranded.contains("（1 个）") && stranded.contains("无生日"), "{stranded}");
    assert!(section(&html, "people-without-birth-date").contains("（1 人）"));
    assert!(section(&html, "regions-without-population").contains("（0 个）"));
    assert!(!html.contains("quality-clean"));

    // A street admin sees the street's own.
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await.get("/quality").await.text();
    assert!(section(&street, "orgs-without-region").contains("（2 个）"), "S1 and C11");
    assert!(!street.contains("regions-without-population"), "regions are the district's");

    // Fixing an org takes it off the lists.
    let region = qingtuan_app::registry::regions::NewRegion {
        code: "R".into(),
        name: "R".into(),
        kind: "district".into(),
        parent_code: String::new(),
    };
    qingtuan_app::registry::regions::create(&t.app, &sys, &region).await.expect("region");
    let s1 = t.org_id("S1").await;
    admin.get(&format!("/orgs/{s1}/edit")).await;
    let saved = admin
        .post(
            &format!("/orgs/{s1}"),
            &[
                ("name", "一街道团工委"),
                ("kind", "working_committee"),
                ("sector_code", "street_community"),
                ("region_code", "R"),
                ("basis", "unit"),
                ("founded_on", "2010-01-01"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let html = admin.get("/quality").await.text();
    for id in ["orgs-without-region", "orgs-without-sector", "orgs-founding-unknown"] {
        assert!(section(&html, id).contains("（5 个）"), "{id}");
    }
}

//! Pickers instead of typed codes: every field that names an org, a region or a person suggests
//! as the user types (`/pick/*`, only what the user may see), and the forms take a name, a code or
//! pinyin initials — one match is taken, several are named back, nothing outside the scope is told.

use qingtuan_app::Actor;
use qingtuan_app::registry::people::{self, NewPerson};
use qingtuan_app::registry::positions::{self, NewPosition};
use qingtuan_domain::ids::PersonId;
use qingtuan_testkit::{TestApp, TestClient, db_tests};

use crate::kit::{id_number, post_form, urlencode};

db_tests!(
    suggestions_cover_only_the_scope,
    a_form_takes_an_orgs_name_and_names_back_several,
    a_post_is_recorded_for_a_person_picked_by_name,
    users_and_orgs_are_created_without_a_list_of_every_org,
    an_org_tree_beside_the_lists_narrows_them_level_by_level,
);

async fn pick(client: &TestClient, kind: &str, q: &str) -> Vec<(String, String)> {
    let res = client.get(&format!("/pick/{kind}?q={}", urlencode(q))).await;
    assert_eq!(res.status, 200, "{kind} {q}: {}", res.text());
    res.json()
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| (c["value"].as_str().expect("value").to_owned(), c["label"].as_str().expect("label").to_owned()))
        .collect()
}

fn values(choices: &[(String, String)]) -> Vec<&str> {
    choices.iter().map(|(v, _)| v.as_str()).collect()
}

async fn suggestions_cover_only_the_scope(t: TestApp) {
    t.seed_tree().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let admin = t.admin().await;
    let street = t.login("s1admin").await;

    // By part of the name, by pinyin initials (一街道一社区团支部 → yjdysqtzb), by code.
    assert_eq!(values(&pick(&admin, "orgs", "一社区").await), ["C11", "C21"]);
    let by_initials = pick(&admin, "orgs", "yjdy").await;
    assert_eq!(values(&by_initials), ["C11"]);
    assert_eq!(by_initials[0].1, "一街道一社区团支部（团支部）");
    assert_eq!(values(&pick(&admin, "orgs", "c2").await), ["C21", "C22"]);
    // A street admin is offered its own street only.
    assert_eq!(values(&pick(&street, "orgs", "一社区").await), ["C11"]);
    assert!(pick(&street, "orgs", "二街道").await.is_empty());
    // Dissolved orgs are not offered; `%` is a character, not a wildcard.
    t.execute_sql("UPDATE orgs SET dissolved_on = '2026-01-01' WHERE code = 'C12'").await.expect("dissolve");
    assert_eq!(values(&pick(&admin, "orgs", "一街道").await), ["S1", "C11"]);
    assert!(pick(&admin, "orgs", "%").await.is_empty());
    assert!(pick(&admin, "orgs", "\u{0}").await.is_empty(), "a NUL is nothing typed, not a wildcard");
    assert!(pick(&admin, "orgs", "一\u{0}zzz").await.is_empty());
    // Regions by name or code.
    post_form(&admin, "/regions", "/regions", &[("code", "R1"), ("name", "一街道"), ("kind", "street")]).await;
    assert_eq!(pick(&admin, "regions", "一街").await, [("R1".to_owned(), "一街道（街道）".to_owned())]);
    // Anonymous visitors get nothing.
    assert_ne!(t.client().get("/pick/orgs?q=C").await.status, 200);
}

async fn a_form_takes_an_orgs_name_and_names_back_several(t: TestApp) {
    t.seed_tree().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let activity = |org: &'static str| {
        vec![
            ("org_code", org),
            ("title", "青年读书会"),
            ("category", "matchmaking"),
            ("audience", "youth"),
            ("on_date", "2026-03-07"),
            ("start", "14:00"),
            ("end", "17:00"),
            ("place", "青年之家"),
            ("capacity", "20"),
            ("signup_opens_on", "2026-03-01"),
            ("signup_closes_on", "2026-03-06"),
        ]
    };
    // The exact name is taken; initials or part of a name are never taken on a guess: the one
    // match is named back with its code.
    let res = post_form(&street, "/activities/new", "/activities", &activity("一街道二社区团支部")).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let guess = post_form(&street, "/activities/new", "/activities", &activity("yjdes")).await;
    assert_eq!(guess.status, 422);
    assert!(guess.text().contains("“yjdes”是指一街道二社区团支部（代码 C12）吗"), "{}", guess.text());
    let hosts = t.strings("SELECT o.code FROM activities a JOIN orgs o ON o.id = a.org_id ORDER BY a.id").await;
    assert_eq!(hosts, ["C12"]);
    // The activities list narrows to an org's subtree.
    assert!(street.get("/activities?org=C12").await.text().contains("青年读书会"));
    assert!(!street.get("/activities?org=C11").await.text().contains("青年读书会"));
    // Several matches are named back with their codes; the form keeps what was typed.
    let several = post_form(&street, "/activities/new", "/activities", &activity("社区")).await;
    assert_eq!(several.status, 422);
    let text = several.text();
    assert!(
        text.contains("“社区”对应多个组织：一街道一社区团支部（代码 C11）、一街道二社区团支部（代码 C12）"),
        "{text}"
    );
    // Another street's org is never named: by name it is "not found", by code it is missing (404).
    let other = post_form(&street, "/activities/new", "/activities", &activity("二街道一社区团支部")).await;
    assert_eq!(other.status, 422);
    assert!(other.text().contains("没有找到组织“二街道一社区团支部”") && !other.text().contains("C21"));
    assert_eq!(post_form(&street, "/activities/new", "/activities", &activity("C21")).await.status, 404);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM activities").await, 1);
    // A list's "this org and below" filter takes a name too.
    let listed = street.get(&format!("/self-orgs?org={}", urlencode("一街道团工委"))).await;
    assert_eq!(listed.status, 200);
}

async fn a_post_is_recorded_for_a_person_picked_by_name(t: TestApp) {
    t.seed_tree().await;
    let sys = Actor::system();
    let (zhang, namesake, other) = (id_number("19950101", 1), id_number("19960101", 2), id_number("19970101", 3));
    let person = |name: &str, number: &str| NewPerson {
        name: name.into(),
        gender: "男".into(),
        id_number: number.into(),
        ..NewPerson::default()
    };
    let ids = people::create_batch(
        &t.app,
        &sys,
        &[person("张伟", &zhang), person("张伟", &namesake), person("李娜", &other)],
    )
    .await
    .expect("people");
    let post = |who: PersonId, org: &str| NewPosition {
        person_id: Some(who),
        org_code: org.into(),
        title: "委员".into(),
        employment: "兼职".into(),
        start_on: "2022-01-01".into(),
        ..NewPosition::default()
    };
    positions::create_batch(&t.app, &sys, &[post(ids[0], "C11"), post(ids[1], "C12"), post(ids[2], "C21")])
        .await
        .expect("posts");
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;

    // Suggestions: the street's two 张伟, masked, as "姓名 #编号"; never 李娜 of the other street.
    let suggested = pick(&street, "people", "张").await;
    assert_eq!(values(&suggested), [format!("张伟 #{}", ids[0]), format!("张伟 #{}", ids[1])]);
    assert!(suggested.iter().all(|(_, label)| !label.contains(&zhang[6..14]) && label.contains('*')), "{suggested:?}");
    assert!(pick(&street, "people", "李").await.is_empty());

    let c11 = t.org_id("C11").await;
    let page = format!("/orgs/{c11}");
    let action = format!("/orgs/{c11}/positions");
    let record = |who: String| {
        vec![
            ("id_number", who),
            ("title", "书记".into()),
            ("employment", "专职".into()),
            ("start_on", "2026-03-01".into()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let street = &street;
        let (page, action) = (&page, &action);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(street, page, action, &fields).await
        }
    };
    // Two people bear the name: both are named back, masked, and nothing is recorded.
    let ambiguous = send(record("张伟".into())).await;
    assert_eq!(ambiguous.status, 422);
    assert!(ambiguous.text().contains(&format!("有多人名为“张伟”：张伟 #{}", ids[0])), "{}", ambiguous.text());
    // Picked as suggested: recorded.
    assert_eq!(send(record(format!("张伟 #{}", ids[1]))).await.status, 303);
    // Someone the street may not read is not found, by name or by number.
    for typed in ["李娜".to_owned(), format!("李娜 #{}", ids[2])] {
        let res = send(record(typed.clone())).await;
        assert_eq!(res.status, 422, "{typed}");
        assert!(res.text().contains("没有找到"), "{typed}");
    }
    let held = t
        .scalar(&format!(
            "SELECT COUNT(*) FROM positions WHERE org_id = {c11} AND person_id = {} AND title = 'secretary'",
            ids[1]
        ))
        .await;
    assert_eq!(held, 1);
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM positions WHERE org_id = {c11}")).await, 2);
}

async fn users_and_orgs_are_created_without_a_list_of_every_org(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    // The forms carry a picker, not an option per org.
    let new_user = admin.get("/users/new").await.text();
    assert!(new_user.contains(r#"name="scope_code" data-pick="org""#) && !new_user.contains(r#"<option value="C11""#));
    let res = admin
        .post(
            "/users",
            &[("username", "liu"), ("display_name", "刘"), ("role_code", "org_admin"), ("scope_code", "二街道团工委")],
        )
        .await;
    assert!(res.status == 200 && res.text().contains("用户已创建"), "{}", res.text());
    let scope = t
        .strings("SELECT o.code FROM user_roles a JOIN users u ON u.id = a.user_id JOIN orgs o ON o.id = a.scope_org_id WHERE u.username = 'liu'")
        .await;
    assert_eq!(scope, ["S2"]);

    let new_org = admin.get("/orgs/new").await.text();
    assert!(
        new_org.contains(r#"name="parent_code" data-pick="org""#) && new_org.contains(r#"<select name="sector_code">"#)
    );
    let res = admin
        .post(
            "/orgs",
            &[
                ("parent_code", "ejdyys"),
                ("name", "二街道一社区青年突击队团支部"),
                ("code", "C211"),
                ("kind", "branch"),
            ],
        )
        .await;
    // "ejdyys" is nobody's initials: not found, nothing created.
    assert_eq!(res.status, 422);
    assert!(res.text().contains("没有找到组织“ejdyys”"));
    let res = admin
        .post(
            "/orgs",
            &[
                ("parent_code", "ejdysq"),
                ("name", "二街道一社区青年突击队团支部"),
                ("code", "C211"),
                ("kind", "branch"),
            ],
        )
        .await;
    assert!(res.status == 422 && res.text().contains("是指二街道一社区团支部（代码 C21）吗"), "{}", res.text());
    let res = admin
        .post(
            "/orgs",
            &[
                ("parent_code", "二街道一社区团支部"),
                ("name", "二街道一社区青年突击队团支部"),
                ("code", "C211"),
                ("kind", "branch"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let parent = t.strings("SELECT p.code FROM orgs o JOIN orgs p ON p.id = o.parent_id WHERE o.code = 'C211'").await;
    assert_eq!(parent, ["C21"]);
    // The script is served from the app itself.
    let script = admin.get("/static/pick.js").await;
    assert_eq!(script.status, 200);
    assert!(script.header("content-type").is_some_and(|c| c.starts_with("text/javascript")));
}

/// Beside the orgs, people and volunteering lists: the tree one level at a time — the way down to
/// the picked org, then its sub-organisations — and the list narrowed to the picked subtree.
async fn an_org_tree_beside_the_lists_narrows_them_level_by_level(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    let tree = |html: &str| {
        let start = html.find("id=\"org-tree\"").expect("a tree");
        let end = html[start..].find("</nav>").expect("its end") + start;
        html[start..end].to_owned()
    };
    let top = admin.get("/orgs").await.text();
    assert!(tree(&top).contains("?&amp;org=D\">▸ 测试区团委"), "{}", tree(&top));
    let s1 = admin.get("/orgs?org=S1").await.text();
    let level = tree(&s1);
    assert!(
        level.contains("测试区团委")
            && level.contains("一街道团工委")
            && level.contains("org=C11")
            && level.contains("org=C12")
    );
    assert!(!level.contains("org=C21") && !level.contains("org=S2"), "one level only: {level}");
    assert!(s1.contains("共 3 条") && s1.contains("一街道一社区团支部") && !s1.contains("二街道一社区团支部"));
    // The people and volunteering lists carry the tree too, keeping their other filters.
    let people = admin.get("/people?gender=male&org=S2").await.text();
    assert!(tree(&people).contains("gender=male&amp;org=C21"), "{}", tree(&people));
    assert!(tree(&admin.get("/volunteering?status=all").await.text()).contains("status=all&amp;org=D"));
    assert!(
        tree(&admin.get("/activities?category=matchmaking&org=S1").await.text())
            .contains("category=matchmaking&amp;org=C11")
    );
    // Another street's node is missing for a street admin.
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    assert_eq!(street.get("/orgs?org=S2").await.status, 404);
    assert!(tree(&street.get("/orgs").await.text()).contains("org=S1"));
}

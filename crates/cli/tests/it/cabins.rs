//! Hope cabins through HTTP and the portal: the child is a minor — the name masked and the family
//! situation, address and visit notes withheld without a standing approval, every full view
//! audited; the money raised is the ledger's lines for the cabin; a paired volunteer's private link
//! shows only their child and records visits; figures; scope.

use crate::kit::{id_number, post_form};
use qingtuan_testkit::{TestApp, db_tests};

db_tests!(a_cabin_child_is_shown_in_full_only_with_an_approval_and_visited_through_a_private_link);

async fn a_cabin_child_is_shown_in_full_only_with_an_approval_and_visited_through_a_private_link(t: TestApp) {
    t.seed_tree().await;
    let admin = t.admin().await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let open = |birth: &'static str, guardian: &'static str| {
        let street = &street;
        async move {
            let form = [
                ("org_code", "C11"),
                ("child_name", "王小明"),
                ("birth_on", birth),
                ("guardian", guardian),
                ("details", "父母在外务工，与祖母同住，没有独立的学习空间"),
                ("address", "一街道一社区前村 12 号"),
            ];
            post_form(street, "/cabins", "/cabins", &form).await
        }
    };
    assert!(open("2000-01-01", "left_behind").await.text().contains("希望小屋面向未满 18 周岁的儿童"));
    assert!(open("2015-05-01", "rich").await.text().contains("未知的监护情况"));
    assert_eq!(open("2015-05-01", "left_behind").await.status, 303);
    let id = t.scalar("SELECT id FROM hope_cabins").await;
    let page = format!("/cabins/{id}");
    assert!(!t.strings("SELECT child_name_enc FROM hope_cabins").await[0].contains("小明"), "encrypted");

    // Without an approval: the family name only, nothing of the family.
    let masked = street.get(&page).await.text();
    assert!(!masked.contains("小明") && !masked.contains("前村") && masked.contains("需审批"), "{masked}");
    assert_eq!(t.audit_count("minor_access.view").await, 0);
    admin.get("/people/minor-access").await;
    let approval =
        [("username", "s1admin"), ("scope_code", "S1"), ("expires_on", "2026-04-01"), ("reason", "希望小屋结对帮扶")];
    assert_eq!(admin.post("/people/minor-access", &approval).await.status, 303);
    let full = street.get(&page).await.text();
    assert!(full.contains("王小明") && full.contains("没有独立的学习空间") && full.contains("留守儿童"), "{full}");
    assert!(t.audit_count("minor_access.view").await >= 1, "a full view is audited");

    // The list filters by state and org.
    let listed = |query: &'static str| {
        let street = &street;
        async move { street.get(&format!("/cabins?{query}")).await.text().contains(&format!("href=\"/cabins/{id}\"")) }
    };
    assert!(listed("state=building").await && !listed("state=built").await && listed("org=C11").await);
    assert!(!listed("org=C12").await);
    assert_eq!(street.get("/cabins?org=S2").await.status, 404, "another street");
    assert_eq!(street.get("/cabins?state=nonsense").await.status, 422);

    // Built, and paid for through the ledger.
    let built = [("built_on", "2026-02-15"), ("items", "书桌椅、台灯、书架、衣柜"), ("cost", "12000")];
    assert_eq!(post_form(&street, &page, &format!("{page}/build"), &built).await.status, 303);
    assert!(listed("state=built").await && !listed("state=building").await && listed("state=unvisited").await);
    let gift = |purpose_id: String| {
        let street = &street;
        async move {
            let form = [
                ("org_code", "C11"),
                ("funding", "social"),
                ("donor_kind", "org"),
                ("donor_name", "城阳某企业"),
                ("kind", "money"),
                ("amount", "30000"),
                ("purpose_kind", "cabin"),
                ("purpose_id", purpose_id.as_str()),
                ("on_date", "2026-02-10"),
            ];
            post_form(street, "/ledger", "/ledger", &form).await
        }
    };
    assert!(gift("999".into()).await.text().contains("希望小屋编号“999”不存在"));
    assert_eq!(gift(id.to_string()).await.status, 303);

    // A registered volunteer is paired and gets a private link; it shows only their child.
    let volunteer = id_number("19980101", 31);
    let csv = format!(
        "姓名,性别,出生日期,身份证号码,手机号码,入团时间,政治面貌,所在区域代码\n李青,女,,{volunteer},13800001212,,,\n"
    );
    admin.get("/imports").await;
    let res = admin.post_multipart("/imports", &[("kind", "people")], ("file", "p.csv", csv.as_bytes())).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let wrong = [("id_number", volunteer.as_str()), ("name", "李红"), ("since", "2026-02-16")];
    assert!(
        post_form(&street, &page, &format!("{page}/pair"), &wrong)
            .await
            .text()
            .contains("未找到身份证号码和姓名一致的登记人员")
    );
    let paired = post_form(
        &street,
        &page,
        &format!("{page}/pair"),
        &[("id_number", volunteer.as_str()), ("name", "李青"), ("since", "2026-02-16")],
    )
    .await;
    assert_eq!(paired.status, 200, "{}", paired.text());
    let link = paired.text_of_id("private-link").expect("the volunteer's link");
    let private = link[link.find("/portal/cabin-visits/").expect("path")..].to_owned();
    let phone = t.client();
    let shown = phone.get(&private).await.text();
    assert!(shown.contains("王*") && !shown.contains("小明") && !shown.contains("前村"), "{shown}");
    let visit = |on: &'static str| {
        let phone = &phone;
        let private = private.clone();
        async move {
            let form = [("on_date", on), ("kind", "tutoring"), ("notes", "辅导数学作业，情绪稳定")];
            post_form(phone, &private, &private, &form).await
        }
    };
    assert!(visit("2026-02-01").await.text().contains("探访日期不能早于结对日期 2026-02-16"));
    assert!(visit("2026-02-20").await.text().contains("2026-02-20 学业辅导"));
    assert_eq!(phone.get("/portal/cabin-visits/not-a-token").await.status, 404);
    let twice = [("id_number", volunteer.as_str()), ("name", "李青"), ("since", "2026-02-17")];
    let again = post_form(&street, &page, &format!("{page}/pair"), &twice).await;
    assert!(again.text().contains("此志愿者已与该儿童结对"), "{}", again.text());

    // The notes: for the approved only.
    assert!(street.get(&page).await.text().contains("辅导数学作业"));
    t.create_user("viewer", "org_viewer", "S1").await;
    let viewer = t.login("viewer").await;
    let withheld = viewer.get(&page).await.text();
    assert!(withheld.contains("学业辅导") && !withheld.contains("辅导数学作业"), "{withheld}");

    let r = admin.get("/api/v1/reports?as_of=2026-03-02&baseline=2025-12-31&from=2026-01-01").await.json();
    let v = |k: &str| r[k]["value"].as_i64().unwrap_or_else(|| panic!("{k}: {}", r[k]));
    assert_eq!(
        (v("cabins.built"), v("cabins.raised_yuan"), v("cabins.visits"), v("cabins.visits.tutoring")),
        (1, 30_000, 1, 1)
    );
    assert_eq!(v("cabins.visited_quarterly"), 1);
    let before = admin.get("/api/v1/reports?as_of=2026-02-14&baseline=2025-12-31&from=2026-01-01").await.json();
    assert_eq!(before["cabins.built"]["value"].as_i64(), Some(0), "not built yet");

    // The pairing ends: the link no longer opens.
    let pair = t.scalar("SELECT id FROM cabin_pairs").await;
    street.get(&page).await;
    assert_eq!(street.post(&format!("/cabin-pairs/{pair}/end"), &[]).await.status, 303);
    assert_eq!(phone.get(&private).await.status, 404);
    assert!(street.get(&page).await.text().contains("（2026-02-16 至 2026-03-02）"));

    assert!(!listed("state=unvisited").await, "visited this quarter");
    t.create_user("s2admin", "org_admin", "S2").await;
    let other = t.login("s2admin").await;
    assert_eq!(other.get(&page).await.status, 404);
    other.get("/cabins").await;
    assert_eq!(other.post(&format!("/cabin-pairs/{pair}/end"), &[]).await.status, 404);
}

//! People: masked everywhere unless unmasked (audited), found by pinyin initials, scoped.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use qingtuan_app::Actor;
use qingtuan_app::people::{self, NewPerson};
use qingtuan_app::positions::{self, NewPosition};
use qingtuan_testkit::{TestApp, db_tests};

db_tests!(personal_data_is_masked_unless_unmasked, the_same_id_number_is_the_same_person);

const ZHANG: &str = "11010519491231002X";

async fn seed_people(t: &TestApp) {
    t.seed_tree().await;
    let sys = Actor::system();
    let ids = people::create_batch(
        &t.app,
        &sys,
        &[
            NewPerson {
                name: "张三".into(),
                id_number: ZHANG.into(),
                phone: "13812345678".into(),
                ..NewPerson::default()
            },
            NewPerson {
                name: "李四".into(), gender: "男".into(), phone: "13987654321".into(), ..NewPerson::default()
            },
        ],
    )
    .await
    .expect("people");
    let post = |who: i64, org: &str| NewPosition {
        person_id: Some(who),
        org_code: org.into(),
        title: "书记".into(),
        employment: "兼职".into(),
        start_on: "2022-01-01".into(),
        ..NewPosition::default()
    };
    positions::create_batch(&t.app, &sys, &[post(ids[0], "C11"), post(ids[1], "C21")]).await.expect("positions");
}

async fn personal_data_is_masked_unless_unmasked(t: TestApp) {
    seed_people(&t).await;
    let admin = t.admin().await;

    let list = admin.get("/people?q=zs").await.text();
    assert!(list.contains("张三") && !list.contains("李四"), "pinyin initials find 张三 only");
    assert!(list.contains("110105**********2X") && list.contains("138****5678"));
    assert!(!list.contains(ZHANG) && !list.contains("13812345678"));
    let id = t.user_id_of_person("张三").await;
    let page = admin.get(&format!("/people/{id}")).await;
    assert_eq!(page.text_of_id("id-number").as_deref(), Some("110105**********2X"));

    let full = admin.post(&format!("/people/{id}/unmask"), &[]).await;
    assert_eq!(full.text_of_id("id-number").as_deref(), Some(ZHANG));
    assert_eq!(full.text_of_id("phone").as_deref(), Some("13812345678"));
    assert_eq!(t.audit_count("person.unmask").await, 1);
    assert!(!admin.get("/audit").await.text().contains(ZHANG), "audit rows hold masked values only");

    // A street admin (people.read/export, no unmask) sees only their street, masked, in the export too.
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;
    let theirs = street.get("/people").await.text();
    assert!(theirs.contains("张三") && !theirs.contains("李四"));
    let other = t.user_id_of_person("李四").await;
    assert_eq!(street.get(&format!("/people/{other}")).await.status, 404);
    assert_eq!(street.post(&format!("/people/{id}/unmask"), &[]).await.status, 403);
    let xlsx = street.get("/people/export.xlsx").await;
    assert_eq!(xlsx.status, 200);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx.body.to_vec())).expect("xlsx");
    let rows: Vec<Vec<String>> = book
        .worksheet_range("人员")
        .expect("sheet")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "header and 张三 only");
    assert_eq!(rows[1][4], "110105**********2X");
    assert_eq!(t.audit_count("data.export").await, 1);
}

async fn the_same_id_number_is_the_same_person(t: TestApp) {
    seed_people(&t).await;
    let again = people::create_batch(
        &t.app,
        &Actor::system(),
        &[
            NewPerson { name: "王五".into(), gender: "男".into(), ..NewPerson::default() },
            NewPerson { name: "张三".into(), id_number: ZHANG.to_lowercase(), ..NewPerson::default() },
            NewPerson { name: "赵六".into(), id_number: "110105194912310021".into(), ..NewPerson::default() },
        ],
    )
    .await;
    let Err(qingtuan_app::AppError::Rows(rows)) = again else { panic!("should be refused: {again:?}") };
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!((rows[0].row, rows[0].column.as_str()), (2, "身份证号码"));
    assert!(rows[0].message.contains("已登记"));
    assert_eq!(rows[1].row, 3);
    assert!(rows[1].message.contains("校验码"));
    assert_eq!((rows[2].row, rows[2].column.as_str()), (3, "性别"), "no valid ID number to take the gender from");
    let admin = t.admin().await;
    assert!(!admin.get("/people").await.text().contains("王五"), "all or nothing");
}

//! The audit log: written with every change, filtered, exported, and immutable in the database.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use qingtuan_testkit::{TestApp, db_tests};

db_tests!(
    the_database_refuses_to_change_audit_rows,
    audit_log_filters_and_pages,
    audit_export_is_xlsx_of_text_cells_and_is_itself_audited,
    login_log_shows_only_logins,
    audit_rows_are_scoped,
);

async fn the_database_refuses_to_change_audit_rows(t: TestApp) {
    t.seed_tree().await;
    let rows = t.audit_count("org.create").await;
    assert_eq!(rows, 7);

    let update = t.execute_sql("UPDATE audit_events SET actor_name = 'mallory'").await;
    let delete = t.execute_sql("DELETE FROM audit_events").await;

    assert!(update.is_err(), "UPDATE must be refused");
    assert!(delete.is_err(), "DELETE must be refused");
    assert!(delete.is_err_and(|e| e.contains("cannot be changed or deleted")));
    assert_eq!(t.audit_count("org.create").await, 7);
}

async fn audit_log_filters_and_pages(t: TestApp) {
    t.seed_tree().await;
    for i in 0..55 {
        t.create_user(&format!("user{i:02}"), "org_viewer", "C11").await;
    }
    let admin = t.admin().await;

    let all = admin.get("/audit?action=user.create").await;
    assert_eq!(all.status, 200);
    assert!(all.text().contains("共 56 条，第 1 / 2 页"), "{}", all.text());
    let second = admin.get("/audit?action=user.create&page=2").await.text();
    assert!(second.contains("第 2 / 2 页"));
    let by_object = admin.get("/audit?object_kind=org&object_id=1").await.text();
    assert!(by_object.contains("共 1 条"));
    let by_actor = admin.get("/audit?actor=root").await.text();
    assert!(by_actor.contains("共 1 条"), "root has only logged in");
    let future = admin.get("/audit?from=2030-01-01").await.text();
    assert!(future.contains("没有符合条件的记录"));
    let today = admin.get("/audit?from=2026-03-02&to=2026-03-02&action=org.create").await.text();
    assert!(today.contains("共 7 条"), "{today}");
}

async fn audit_export_is_xlsx_of_text_cells_and_is_itself_audited(t: TestApp) {
    t.seed_tree().await;
    t.create_user("oscar", "org_viewer", "C11").await;
    let admin = t.admin().await;
    // A display name that a spreadsheet would run as a formula if written as one.
    admin.get("/users/new").await;
    admin
        .post(
            "/users",
            &[
                ("username", "evil"),
                ("display_name", "=HYPERLINK(\"x\")"),
                ("role_code", "org_viewer"),
                ("scope_code", "C11"),
            ],
        )
        .await;

    let res = admin.get("/audit/export.xlsx?action=user.create").await;

    assert_eq!(res.status, 200);
    assert!(res.header("content-type").unwrap_or_default().contains("spreadsheetml"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(res.body.to_vec())).expect("valid xlsx");
    let sheet = book.worksheet_range("审计日志").expect("sheet");
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert!(rows[0][0].starts_with("审计日志　数据范围：测试区团委　导出："), "a title row: {:?}", rows[0]);
    assert_eq!(rows[1][0], "编号");
    assert_eq!(rows.len(), 2 + 3, "title and header plus root, oscar and evil");
    assert!(rows.iter().any(|r| r[7].contains("=HYPERLINK")), "kept as text");
    assert!(book.worksheet_formula("审计日志").expect("formulas").used_cells().next().is_none(), "no formulas");
    assert_eq!(t.audit_count("data.export").await, 1);
}

async fn login_log_shows_only_logins(t: TestApp) {
    t.seed_tree().await;
    t.client().login("nobody", "Wrong-Pass-2026!").await;
    let admin = t.admin().await;

    let page = admin.get("/logins").await.text();

    assert!(page.contains("登录日志"));
    assert!(page.contains("登录失败") && page.contains("nobody"));
    assert!(page.contains("登录成功"));
    assert!(!page.contains("创建组织"));
    let xlsx = admin.get("/logins/export.xlsx").await;
    assert_eq!(xlsx.status, 200);
}

async fn audit_rows_are_scoped(t: TestApp) {
    t.seed_tree().await;
    t.create_user("in_s1", "org_viewer", "C11").await;
    t.create_user("in_s2", "org_viewer", "C21").await;
    t.create_user("s1admin", "org_admin", "S1").await;
    let street = t.login("s1admin").await;

    let page = street.get("/audit?action=user.create").await.text();

    assert!(page.contains("in_s1"), "{page}");
    assert!(!page.contains("in_s2"));
    assert_eq!(street.get("/audit/export.xlsx").await.status, 403, "org admins may read but not export the log");
}

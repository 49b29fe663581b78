//! A person in headless Chromium: logs in with a one-time password, changes it, reaches the
//! dashboard.

use qingtuan_testkit::webdriver::Browser;
use qingtuan_testkit::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread")]
async fn first_login_with_a_one_time_password_reaches_the_dashboard() {
    let t = TestApp::spawn(Backend::Sqlite).await;
    t.seed_tree().await;
    let created = qingtuan_app::users::create(
        &t.app,
        &qingtuan_app::Actor::system(),
        &qingtuan_app::users::NewUser {
            username: "newbie".into(),
            display_name: "新同志".into(),
            role_code: "org_admin".into(),
            scope_code: "S1".into(),
            password: None,
        },
    )
    .await
    .expect("create user");
    let otp = created.one_time_password.expect("one-time password");
    let addr = t.serve().await;

    let shots = std::env::temp_dir();
    tokio::task::spawn_blocking(move || {
        let b = Browser::start();
        b.goto(&format!("http://{addr}/dashboard"));
        let url = b.wait_for_url("/login");
        assert!(url.ends_with("/login"), "{url}");
        b.type_into("#username", "newbie");
        b.type_into("#password", &otp);
        b.click("#login");
        let url = b.wait_for_url("/account/password");
        assert!(url.ends_with("/account/password"), "{url}");
        b.type_into("#current", &otp);
        b.type_into("#new", "Spring-Volunteer-88");
        b.type_into("#confirm", "Spring-Volunteer-88");
        b.click("#save-password");
        let url = b.wait_for_url("/dashboard");
        assert!(url.ends_with("/dashboard"), "{url}");
        assert_eq!(b.text("#current-user"), "新同志");
        assert_eq!(b.text(r#"[id="fig-org.social_domain.count"] .number"#), "0");
        b.screenshot(&shots.join("qingtuan-dashboard.png"));
    })
    .await
    .expect("browser scenario");
}

//! `qingtuan demo`: a fresh embedded database holding a synthetic Chengyang district — its eight
//! real streets, synthetic communities and accounts — built through the same use-cases as the UI.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use qingtuan_app::{Actor, App, orgs, users};

use crate::config::{DbArgs, Settings, ServeArgs, prepare_data_dir};

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Where to build the demo database (default ./qingtuan-demo); its database is rebuilt.
    #[arg(long, default_value = "qingtuan-demo")]
    pub data_dir: PathBuf,
    /// Build the data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
}

/// Chengyang's streets (街道), with the codes the demo gives their working committees.
const STREETS: [(&str, &str); 8] = [
    ("CY-CY", "城阳街道"),
    ("CY-LT", "流亭街道"),
    ("CY-XZ", "夏庄街道"),
    ("CY-XF", "惜福镇街道"),
    ("CY-JHT", "棘洪滩街道"),
    ("CY-SM", "上马街道"),
    ("CY-HD", "红岛街道"),
    ("CY-HT", "河套街道"),
];

/// Synthetic community names; none is meant to name a real place's league branch.
const COMMUNITIES: [&str; 3] = ["第一社区", "第二社区", "第三社区"];

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    prepare_data_dir(&args.data_dir)?;
    for suffix in ["", "-wal", "-shm"] {
        let file = args.data_dir.join(format!("qingtuan.sqlite{suffix}"));
        if file.exists() {
            std::fs::remove_file(&file).with_context(|| format!("无法删除旧的演示数据库 {}", file.display()))?;
        }
    }
    let db = DbArgs { data_dir: Some(args.data_dir.clone()), database_url: None, config: None };
    let serve_args = ServeArgs { db: db.clone(), bind: Some(args.bind.clone()), cookie_secure: None, trust_proxy: None };
    let settings = Settings::load(&db, Some(&serve_args))?;
    let app = crate::open(&settings).await?;
    let logins = build(&app).await?;

    println!("演示数据已生成：{}", settings.database_label());
    println!("演示账户（密码随机生成，只显示这一次）：");
    for (role, name, password) in &logins {
        println!("  {role:<10} 用户名 {name:<10} 密码 {password}");
    }
    if args.no_serve {
        return Ok(());
    }
    crate::serve(app, &settings).await
}

/// Builds the district and returns the demo logins as (role, username, password).
async fn build(app: &App) -> anyhow::Result<Vec<(&'static str, &'static str, String)>> {
    let system = Actor::system();
    let org = |code: &str, name: &str, kind: &str, parent: &str| orgs::NewOrg {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        parent_code: parent.into(),
    };
    let fail = |e| anyhow::anyhow!("生成演示数据失败：{e}");
    orgs::create(app, &system, &org("CY", "共青团城阳区委员会", "district_committee", "")).await.map_err(fail)?;
    for (code, street) in STREETS {
        orgs::create(app, &system, &org(code, &format!("{street}团工委"), "working_committee", "CY")).await.map_err(fail)?;
        for (i, community) in COMMUNITIES.iter().enumerate() {
            let name = format!("{}{}团支部", street.trim_end_matches("街道"), community);
            orgs::create(app, &system, &org(&format!("{code}-{:02}", i + 1), &name, "branch", code)).await.map_err(fail)?;
        }
    }

    let mut logins = Vec::new();
    for (role_label, username, display, role, scope) in [
        ("团区委管理员", "demo", "演示管理员", "district_admin", "CY"),
        ("街道管理员", "liuting", "流亭街道团工委", "org_admin", "CY-LT"),
    ] {
        let password = qingtuan_app::crypto::one_time_password();
        let form = users::NewUser {
            username: username.into(),
            display_name: display.into(),
            role_code: role.into(),
            scope_code: scope.into(),
            password: Some(password.clone()),
        };
        users::create(app, &system, &form).await.map_err(fail)?;
        logins.push((role_label, username, password));
    }
    Ok(logins)
}

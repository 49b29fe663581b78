//! `qingtuan demo`: rebuilds the demo district (see `qingtuan_demo`) in an embedded SQLite
//! database and serves it.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::config::{DbArgs, ServeArgs, Settings, prepare_data_dir};

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
    /// Build the demo in this empty PostgreSQL database instead (with QINGTUAN_SECRET_KEY).
    #[arg(long = "database")]
    pub database_url: Option<String>,
    /// The master key, for a PostgreSQL demo.
    #[arg(long, env = "QINGTUAN_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    if args.database_url.is_none() {
        prepare_data_dir(&args.data_dir)?;
        // The demo's data is synthetic and rebuilt each time, with a key of its own.
        for name in ["qingtuan.sqlite", "qingtuan.sqlite-wal", "qingtuan.sqlite-shm", "secret.key"] {
            let file = args.data_dir.join(name);
            if file.exists() {
                std::fs::remove_file(&file).with_context(|| format!("无法删除旧的演示数据库 {}", file.display()))?;
            }
        }
    }
    let db = DbArgs {
        data_dir: Some(args.data_dir.clone()),
        database_url: args.database_url.clone(),
        config: None,
        secret_key: args.secret_key.clone(),
    };
    let serve_args = ServeArgs {
        db: db.clone(),
        bind: Some(args.bind.clone()),
        cookie_secure: None,
        trust_proxy: None,
        password_max_age_days: None,
        shutdown_drain_secs: None,
        import_max_rows: None,
        import_max_columns: None,
    };
    let settings = Settings::load(&db, Some(&serve_args))?;
    let app = crate::open(&settings).await?;
    println!("正在生成演示数据（城阳区，合成数据）……");
    let logins = qingtuan_demo::build(&app).await.map_err(|e| anyhow::anyhow!("生成演示数据失败：{e}"))?;

    println!("演示数据已生成：{}", settings.database_label());
    println!(
        "统计日 {}，改革前基准日 {}（工作台默认使用这两个日期）",
        qingtuan_demo::as_of(),
        qingtuan_demo::baseline()
    );
    println!("演示账户（密码随机生成，只显示这一次）：");
    for (role, name, password) in &logins.accounts {
        println!("  {role:<10} 用户名 {name:<10} 密码 {password}");
    }
    if args.no_serve {
        return Ok(());
    }
    crate::serve(app, &settings).await
}

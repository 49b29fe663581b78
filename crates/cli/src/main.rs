//! The `qingtuan` binary. Every command goes through the same use-cases as the web UI, as the
//! system actor, so validation and audit are never bypassed. Start-up problems print one line
//! and exit non-zero.

mod backup;
mod config;
mod demo;
mod import;
mod load;
mod report;

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use qingtuan_app::access::users;
use qingtuan_app::registry::orgs;
use qingtuan_app::{Actor, App, AppError, SystemClock};

use crate::config::{DbArgs, ServeArgs, Settings};

#[derive(Debug, Parser)]
#[command(name = "qingtuan", version, about = "青团 · 基层团务平台 (Qingtuan: grassroots Youth League work)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web server (migrations run first).
    Serve(ServeArgs),
    /// Bring the database schema up to date and exit.
    Migrate(DbArgs),
    /// Build a fresh demo district in an embedded SQLite database and serve it.
    Demo(demo::DemoArgs),
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Build a large synthetic district (for benchmarks) into an empty database.
    Gen {
        #[arg(long, default_value_t = 20_000)]
        orgs: usize,
        #[arg(long, default_value_t = 1_000_000)]
        people: usize,
        /// Defaults to 1.5 × people.
        #[arg(long)]
        positions: Option<usize>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import a registry from .xlsx or .csv: all rows or none.
    Import(import::ImportArgs),
    /// Write the import template of a registry (.xlsx).
    Template {
        /// regions, populations, orgs, people or positions.
        kind: String,
        /// Where to write it.
        file: std::path::PathBuf,
    },
    /// Print the figures for a date, a scope and a baseline.
    Report(report::ReportArgs),
    /// Anonymise the applications to open selection not appointed (and those rejected) whose
    /// opening was decided more than the retention period ago (run it daily; audited).
    Purge {
        /// Days to keep them after the appointment (default 365).
        #[arg(long, default_value_t = qingtuan_app::selection::RETENTION_DAYS)]
        retention_days: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Check that the work force's periods agree with the records (and rebuild them with --repair).
    Check {
        /// Rebuild the periods from the records when they differ.
        #[arg(long)]
        repair: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a consistent backup while the server runs: the SQLite database and its key sealed
    /// under a passphrase read from standard input (for PostgreSQL: the key part; use pg_dump).
    Backup(backup::BackupArgs),
    /// Restore a backup into a new, empty data directory (or print a PostgreSQL backup's key).
    Restore(backup::RestoreArgs),
    /// Put load on a server on this machine: N sessions reading, calling the report API and
    /// writing; prints requests/s, p50/p99, errors and acknowledged writes lost.
    Load(load::LoadArgs),
    /// Manage the org tree.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account with one role over an org subtree.
    Create {
        /// Login name (letters, digits, `_`, `-`, `.`).
        name: String,
        /// Role code: district_admin, org_admin, org_viewer; partner_staff for a partner's account.
        #[arg(long)]
        role: String,
        /// Code of the org whose subtree the role covers.
        #[arg(long, required_unless_present = "partner")]
        scope: Option<String>,
        /// A partner's account: the partner's unified social credit code (its role holds over the
        /// partner alone).
        #[arg(long, conflicts_with = "scope")]
        partner: Option<String>,
        /// The person's name as shown in the UI (defaults to the login name).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input instead of generating a one-time password.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable every account not logged into for 90 days, or never since created 90 days ago (run
    /// it daily, e.g. from cron; logging in after 90 days disables the account too).
    DisableDormant {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Recover an account on the server itself (e.g. the only district admin's): a new one-time
    /// password, its lock-outs lifted, re-enabled if it was disabled, and with --second-factor its
    /// second factor removed; its sessions end. Audited.
    Reset {
        /// Login name.
        name: String,
        /// Also remove the second factor (a lost phone and lost recovery codes).
        #[arg(long)]
        second_factor: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create an org; without --parent it becomes a root (e.g. the district committee).
    Create {
        code: String,
        name: String,
        /// district_committee, working_committee, committee, general_branch, branch, joint_branch,
        /// youth_work_committee, pioneer_work_committee, partner.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        parent: Option<String>,
        /// The region it serves (a code of the regions import), which its figures relate to —
        /// for the district committee, the district's region.
        #[arg(long)]
        region: Option<String>,
        /// Its sector (a code of 领域设置, e.g. government, street_community).
        #[arg(long)]
        sector: Option<String>,
        /// unit (default), area or industry.
        #[arg(long)]
        basis: Option<String>,
        /// Its founding date (YYYY-MM-DD); left out, the date is unknown and the org counts as
        /// existing on every date.
        #[arg(long)]
        founded: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Dissolve an org on a date (it no longer exists from that day); with --with-subtree its
    /// sub-organisations are dissolved too and posts held then end that day.
    Dissolve {
        code: String,
        /// The first day it no longer exists (YYYY-MM-DD).
        #[arg(long)]
        on: String,
        #[arg(long)]
        with_subtree: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("QINGTUAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("qingtuan: 无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // What we were doing, and the underlying cause; the layers between repeat themselves.
            let root = e.root_cause().to_string();
            let top = e.to_string();
            if top == root {
                eprintln!("qingtuan: {top}")
            } else {
                eprintln!("qingtuan: {top}：{root}")
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            let settings = Settings::load(&args.db, Some(&args))?;
            let app = open(&settings).await?;
            serve(app, &settings).await
        }
        Command::Migrate(db) => {
            let settings = Settings::load(&db, None)?;
            open(&settings).await?;
            println!("数据库已是最新结构");
            Ok(())
        }
        Command::Demo(args) => demo::run(args).await,
        Command::Report(args) => report::run(args).await,
        Command::Backup(args) => backup::backup(args).await,
        Command::Load(args) => tokio::task::spawn_blocking(move || load::run(args)).await.context("负载线程异常")?,
        Command::Restore(args) => backup::restore(args).await,
        Command::Import(args) => import::run(args).await,
        Command::Check { repair, db } => check(&open(&Settings::load(&db, None)?).await?, repair).await,
        Command::Gen { orgs, people, positions, db } => {
            let app = open(&Settings::load(&db, None)?).await?;
            let size = qingtuan_demo::generator::Size { orgs, people, positions: positions.unwrap_or(people * 3 / 2) };
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {per_sec}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let progress = |stage: &str, done: usize, total: usize| {
                bar.set_message(stage.to_owned());
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            };
            qingtuan_demo::generator::build(&app, size, &progress).await.map_err(explain)?;
            bar.finish_and_clear();
            println!(
                "已生成 {orgs} 个组织、{people} 名人员、{} 条职务，用时 {:.1} 秒",
                size.positions,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Template { kind, file } => {
            let kind = qingtuan_app::imports::Kind::parse(&kind).map_err(explain)?;
            let bytes = qingtuan_app::imports::template(kind).map_err(explain)?;
            std::fs::write(&file, bytes).with_context(|| format!("无法写入 {}", file.display()))?;
            println!("已写入{}模板：{}", kind.label(), file.display());
            Ok(())
        }
        Command::User {
            command: UserCommand::Create { name, role, scope, partner, display_name, password_stdin, db },
        } => {
            let app = open(&Settings::load(&db, None)?).await?;
            let password = if password_stdin {
                let mut input = String::new();
                std::io::stdin().read_to_string(&mut input).context("无法读取标准输入中的密码")?;
                Some(input.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let form = users::NewUser {
                display_name: display_name.unwrap_or_else(|| name.clone()),
                username: name,
                role_code: role,
                scope_code: scope.unwrap_or_default(),
                partner_code: partner.unwrap_or_default(),
                password,
            };
            let created = users::create(&app, &Actor::system(), &form).await.map_err(explain)?;
            match created.one_time_password {
                Some(p) => println!(
                    "已创建用户 {}（编号 {}）。一次性密码：{p}\n首次登录时必须修改密码；此密码不会再次显示。",
                    form.username, created.id
                ),
                None => println!("已创建用户 {}（编号 {}）。", form.username, created.id),
            }
            Ok(())
        }
        Command::Purge { retention_days, db } => {
            let app = open(&Settings::load(&db, None)?).await?;
            let n = qingtuan_app::selection::purge(&app, &Actor::system(), retention_days).await.map_err(explain)?;
            println!("已删除 {n} 份任用决定超过 {retention_days} 天、未被任用的选拔报名的个人信息");
            Ok(())
        }
        Command::User { command: UserCommand::DisableDormant { db } } => {
            let app = open(&Settings::load(&db, None)?).await?;
            let n = qingtuan_app::access::auth::disable_dormant_accounts(&app).await.map_err(explain)?;
            match app.policy.dormant_after {
                Some(after) => println!("已停用 {n} 个超过 {} 天未登录的账户", after.num_days()),
                None => println!("未设置长期未登录账户的停用期限"),
            }
            Ok(())
        }
        Command::User { command: UserCommand::Reset { name, second_factor, db } } => {
            let app = open(&Settings::load(&db, None)?).await?;
            let system = Actor::system();
            let id = users::id_by_username(&app, &name)
                .await
                .map_err(explain)?
                .ok_or_else(|| anyhow::anyhow!("没有用户名为“{name}”的账户"))?;
            if second_factor {
                users::reset_second_factor(&app, &system, id).await.map_err(explain)?;
            }
            let password = users::recover(&app, id).await.map_err(explain)?;
            let also = if second_factor {
                "，两步验证已移除（如角色要求，登录后须重新设置）"
            } else {
                ""
            };
            println!("已重置 {name} 的密码{also}。一次性密码（只显示这一次，首次登录后须修改）：{password}");
            Ok(())
        }
        Command::Org {
            command: OrgCommand::Create { code, name, kind, parent, region, sector, basis, founded, db },
        } => {
            let app = open(&Settings::load(&db, None)?).await?;
            let form = orgs::NewOrg {
                code,
                name,
                kind,
                parent_code: parent.unwrap_or_default(),
                region_code: region.unwrap_or_default(),
                sector_code: sector.unwrap_or_default(),
                basis: basis.unwrap_or_default(),
                founded_on: founded.unwrap_or_default(),
                dissolved_on: String::new(),
            };
            let id = orgs::create(&app, &Actor::system(), &form).await.map_err(explain)?;
            println!("已创建组织 {}（编号 {id}）", form.code);
            Ok(())
        }
        Command::Org { command: OrgCommand::Dissolve { code, on, with_subtree, db } } => {
            let app = open(&Settings::load(&db, None)?).await?;
            let on = qingtuan_app::forms::parse_date("dissolved_on", &on)
                .ok()
                .flatten()
                .ok_or_else(|| anyhow::anyhow!("撤销日期“{on}”无效，应形如 2022-05-31"))?;
            let id = orgs::id_of(&app, &Actor::system(), &code)
                .await
                .map_err(|_| anyhow::anyhow!("组织代码“{code}”不存在"))?;
            orgs::dissolve(&app, &Actor::system(), id, on, with_subtree).await.map_err(explain)?;
            println!("已撤销组织 {code}（自 {on} 起不再存在）");
            Ok(())
        }
    }
}

/// `qingtuan check`: SQLite's integrity check, then the work force's periods against the records;
/// with `repair`, rebuilds the periods when they differ. Fails (exit 1) on any problem.
async fn check(app: &App, repair: bool) -> anyhow::Result<()> {
    use qingtuan_app::registry::workforce;
    if let Some(integrity) = qingtuan_app::db::integrity_check(&app.db).await.map_err(|e| anyhow::anyhow!(e))? {
        if integrity != "ok" {
            anyhow::bail!("数据库完整性检查未通过：{integrity}");
        }
        println!("数据库完整性检查通过");
    }
    let differences = workforce::differences(&app.db).await.map_err(explain)?;
    for d in &differences {
        let end = d.end_on.map(|e| e.to_string()).unwrap_or_else(|| "至今".into());
        let side = if d.stored { "多出" } else { "缺少" };
        println!("人员 {}：{side}时段 {} ~ {end}", d.person_id, d.start_on);
    }
    let paths = orgs::path_differences(&app.db).await.map_err(explain)?;
    for d in &paths {
        println!("组织 {}：路径为 {}，按组织树应为 {}", d.code, d.stored, d.expected);
    }
    if differences.is_empty() {
        println!("工作力量时段与记录一致");
    }
    if paths.is_empty() {
        println!("组织路径与组织树一致");
    }
    if differences.is_empty() && paths.is_empty() {
        return Ok(());
    }
    if !repair {
        anyhow::bail!("派生数据与记录不一致（列出前 {} 处）；用 --repair 按记录重建", differences.len() + paths.len());
    }
    if !differences.is_empty() {
        workforce::rebuild(app.writer()).await.map_err(explain)?;
    }
    if !paths.is_empty() {
        orgs::rebuild_paths(app.writer()).await.map_err(explain)?;
    }
    let left = workforce::differences(&app.db).await.map_err(explain)?.len()
        + orgs::path_differences(&app.db).await.map_err(explain)?.len();
    if left == 0 {
        println!("已按记录重建，现已一致");
        Ok(())
    } else {
        anyhow::bail!("重建后仍不一致")
    }
}

/// Use-case errors as one line for the terminal.
pub fn explain(err: AppError) -> anyhow::Error {
    match err {
        AppError::Invalid(invalid) => anyhow::anyhow!("输入有误：{invalid}"),
        other => anyhow::anyhow!(other),
    }
}

/// Opens the configured database and runs the migrations.
pub async fn open(settings: &Settings) -> anyhow::Result<App> {
    let url = settings.database_url()?;
    settings.refuse_lost_database()?;
    let keys = settings.keys()?;
    let db = qingtuan_app::db::connect(&url)
        .await
        .with_context(|| format!("无法打开数据库 {}", settings.database_label()))?;
    qingtuan_app::migrate(&db).await.with_context(|| format!("无法升级数据库 {} 的结构", settings.database_label()))?;
    let mut app = App::new(db, Arc::new(SystemClock), keys);
    let check = qingtuan_app::db::check_key(&app).await.map_err(explain)?;
    if check == qingtuan_app::db::KeyCheck::Mismatch {
        anyhow::bail!(
            "密钥与数据库 {} 不符：其中的个人信息是用另一把密钥加密的。请使用与这份数据一同保存的密钥（secret.key 或 QINGTUAN_SECRET_KEY），不要换用新密钥",
            settings.database_label()
        );
    }
    app.policy.password_max_age =
        (settings.password_max_age_days > 0).then(|| chrono::TimeDelta::days(settings.password_max_age_days.into()));
    app.import_limits = settings.import_limits;
    Ok(app)
}

pub async fn serve(app: App, settings: &Settings) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&settings.bind)
        .await
        .with_context(|| format!("无法监听地址 {}（端口已被占用或地址无效？）", settings.bind))?;
    let addr = listener.local_addr().context("无法读取监听地址")?;
    let router = qingtuan_web::router(app.clone(), settings.web());
    println!("青团已启动：http://{addr}/");
    println!("公众门户（报名、签到，无需账户）：http://{addr}/portal");
    if addr.ip().is_unspecified() && settings.web().cookie_secure != qingtuan_web::CookieSecure::Always {
        tracing::warn!("listening on all interfaces without Secure cookies; put a TLS proxy in front");
    }
    // SIGTERM (systemd, containers) and SIGINT (Ctrl-C) stop accepting connections; requests in
    // flight get the drain time to finish, then the pools close and the process exits 0.
    let stopping = Arc::new(tokio::sync::Notify::new());
    let signal = {
        let stopping = stopping.clone();
        async move {
            shutdown_signal().await;
            tracing::info!("shutting down: no new connections, draining requests in flight");
            stopping.notify_waiters();
        }
    };
    let server = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(signal);
    // The outbox's worker sends while the server serves, and stops with it.
    let sender_stop = Arc::new(tokio::sync::Notify::new());
    let sender = settings.messages.clone().spawn(app.clone(), sender_stop.clone());
    let drain = std::time::Duration::from_secs(settings.shutdown_drain_secs.into());
    let drained = stopping.notified();
    tokio::select! {
        result = server => result.context("服务器异常退出")?,
        () = async { drained.await; tokio::time::sleep(drain).await } => {
            tracing::warn!(seconds = drain.as_secs(), "drain time over; closing the remaining connections");
        }
    }
    sender_stop.notify_one();
    if tokio::time::timeout(std::time::Duration::from_secs(20), sender).await.is_err() {
        tracing::warn!("the outbox's worker did not stop in time; its message is sent again after the lease");
    }
    app.close().await;
    Ok(())
}

/// The first SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                () = interrupt => {}
            }
        }
        Err(_) => interrupt.await,
    }
}

//! `qingtuan report`: the figures of the indicator catalogue for a date, a scope and a baseline,
//! as text, JSON or xlsx — the same numbers as the dashboard and `/api/v1/reports`.

use std::io::Write;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::Args;
use qingtuan_app::stats::{self, Params};
use qingtuan_app::{Actor, orgs, report};
use qingtuan_domain::ids::OrgId;

use crate::config::{DbArgs, Settings};

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The date the figures are for (YYYY-MM-DD).
    #[arg(long)]
    pub as_of: NaiveDate,
    /// The date to compare with (YYYY-MM-DD).
    #[arg(long)]
    pub baseline: NaiveDate,
    /// Start of the period of flow indicators (turn-outs, donations…); default: the day after the baseline.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Code of the org whose subtree to report on (default: the root of the tree).
    #[arg(long)]
    pub scope: Option<String>,
    /// text, json or xlsx (xlsx is written to standard output; redirect it to a file).
    #[arg(long, default_value = "text")]
    pub format: String,
}

pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    if !matches!(args.format.as_str(), "text" | "json" | "xlsx") {
        bail!("格式“{}”无效，应为 text、json 或 xlsx", args.format);
    }
    if args.baseline > args.as_of {
        bail!("基准日 {} 晚于统计日 {}", args.baseline, args.as_of);
    }
    let app = crate::open(&Settings::load(&args.db, None)?).await?;
    let system = Actor::system();
    let scope_org = match &args.scope {
        Some(code) => {
            let found = orgs::find_by_code(&app.db, code).await?.with_context(|| format!("组织代码“{code}”不存在"))?;
            (OrgId(found.id), found.name)
        }
        None => {
            let id = stats::default_scope(&app, &system).await.map_err(|_| anyhow::anyhow!("数据库中还没有组织"))?;
            (id, orgs::show(&app, &system, id).await?.name)
        }
    };
    let params =
        Params { as_of: args.as_of, baseline: args.baseline, from: args.from, scope: scope_org.0, region_path: None };
    let report = stats::report(&app, &system, &params).await.map_err(|e| anyhow::anyhow!(e))?;
    let mut out = std::io::stdout().lock();
    match args.format.as_str() {
        "json" => writeln!(out, "{}", serde_json::to_string_pretty(&report::to_json(&report))?)?,
        "xlsx" => out.write_all(&report::to_xlsx(&params, &scope_org.1, &report).map_err(|e| anyhow::anyhow!(e))?)?,
        _ => write!(out, "{}", report::to_text(&params, &scope_org.1, &report))?,
    }
    Ok(())
}

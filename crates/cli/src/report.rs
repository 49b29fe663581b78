//! `qingtuan report`: the figures of the indicator catalogue for a date, a scope and a baseline,
//! as text, JSON or xlsx — the same numbers as the dashboard and `/api/v1/reports`.

use std::io::Write;

use anyhow::bail;
use chrono::NaiveDate;
use clap::Args;
use qingtuan_app::figures::{self, ReportRequest, formats};
use qingtuan_app::{Actor, AppError};

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
    let app = crate::open(&Settings::load(&args.db, None)?).await?;
    let req = ReportRequest {
        as_of: Some(args.as_of),
        baseline: Some(args.baseline),
        from: args.from,
        scope: args.scope.clone(),
        street: None,
    };
    let report = match figures::report(&app, &Actor::system(), &req).await {
        Ok(report) => report,
        Err(AppError::NotFound) => match &args.scope {
            Some(code) => bail!("组织代码“{code}”不存在"),
            None => bail!("数据库中还没有组织"),
        },
        Err(e) => bail!(e),
    };
    let mut out = std::io::stdout().lock();
    match args.format.as_str() {
        "json" => writeln!(out, "{}", serde_json::to_string_pretty(&formats::to_json(&report))?)?,
        "xlsx" => out.write_all(&formats::to_xlsx(&report).map_err(|e| anyhow::anyhow!(e))?)?,
        _ => write!(out, "{}", formats::to_text(&report))?,
    }
    Ok(())
}

//! `qingtuan import KIND FILE [--dry-run]`: the same all-or-nothing import as the web page, with a
//! progress bar. On problems, every one is printed and written to `FILE.problems.xlsx`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use qingtuan_app::imports::{self, Kind};
use qingtuan_app::{Actor, AppError};

use crate::config::{DbArgs, Settings};

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// regions, populations, orgs, people or positions.
    pub kind: String,
    /// The .xlsx or .csv file.
    pub file: PathBuf,
    /// Check every row and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let kind = Kind::parse(&args.kind).map_err(crate::explain)?;
    let bytes = std::fs::read(&args.file).with_context(|| format!("无法读取文件 {}", args.file.display()))?;
    let name = args.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let settings = Settings::load(&args.db, None)?;
    let sheet = imports::read(&name, &bytes, settings.import_limits).map_err(crate::explain)?;
    let app = crate::open(&settings).await?;

    let bar = ProgressBar::new(sheet.rows.len().saturating_sub(1) as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 行 {per_sec} 剩余 {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("导入{}", kind.label()));
    let progress = |done: usize, _total: usize| bar.set_position(done as u64);
    let started = std::time::Instant::now();
    let result = imports::run(&app, &Actor::system(), kind, &sheet, args.dry_run, &progress).await;
    bar.finish_and_clear();
    match result {
        Ok(outcome) => {
            let secs = started.elapsed().as_secs_f64();
            let verb = if outcome.dry_run { "检查通过（未写入）" } else { "已导入" };
            println!(
                "{verb}：{} 行{}，用时 {secs:.1} 秒（{:.0} 行/秒）",
                outcome.rows,
                kind.label(),
                outcome.rows as f64 / secs.max(0.001)
            );
            Ok(())
        }
        Err(AppError::Rows(problems)) => {
            for p in problems.iter().take(50) {
                eprintln!("第 {} 行 “{}”：{}", p.row, p.column, p.message);
            }
            if problems.len() > 50 {
                eprintln!("……另有 {} 处问题", problems.len() - 50);
            }
            let report = args.file.with_extension("problems.xlsx");
            std::fs::write(&report, imports::problems_xlsx(&problems, &sheet).map_err(crate::explain)?)
                .with_context(|| format!("无法写入问题清单 {}", report.display()))?;
            bail!("共 {} 处问题，未写入任何数据；问题清单已写入 {}", problems.len(), report.display())
        }
        Err(other) => Err(crate::explain(other)),
    }
}

//! Batches: what a spreadsheet (or any bulk caller) fills — every row or none, every problem at
//! once, with progress. A registry becomes importable by implementing `Importable` in its own
//! module and adding one line to `imports::importables!`.

use std::future::Future;

use crate::error::{AppResult, RowProblem};
use crate::{Actor, AppError};

/// `progress(written, total)`, called as rows are written.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// A registry a spreadsheet can fill: its columns, the ones a file must have, an example row, the
/// fixed values of its columns (drop-down lists in the template) and the one write of a batch.
pub trait Importable: Sized + Send + Sync {
    /// (field, column header) in template order.
    const COLUMNS: &'static [(&'static str, &'static str)];
    /// The fields a file must have a column for.
    const REQUIRED: &'static [&'static str];
    /// One example row for the template, in column order.
    const EXAMPLE: &'static [&'static str];

    /// The values a column takes, when they are fixed.
    fn choices(_field: &str) -> Option<Vec<&'static str>> {
        None
    }

    /// One row's form from its cells, by field (a missing column reads as empty).
    fn from_row(cell: &dyn Fn(&str) -> String) -> Self;

    /// Checks every row and writes them all, or none when any is wrong (`AppError::Rows`, rows
    /// numbered from 1) or when `dry_run`; returns how many rows were (or would be) written.
    fn write(
        app: &crate::App,
        actor: &Actor,
        rows: &[Self],
        dry_run: bool,
        progress: Progress<'_>,
    ) -> impl Future<Output = AppResult<usize>> + Send;
}

/// One row written by a batch on its transaction: a problem of the row is `AppError::Invalid`.
pub(crate) type RowWrite<'a> = std::pin::Pin<Box<dyn Future<Output = AppResult<()>> + Send + 'a>>;

/// A batch written row by row in one transaction: each row's problems are collected (numbered
/// from 1, named by `columns`), progress is reported every 100 rows, and the batch is finished
/// (`finish`): all rows or none.
pub(crate) async fn row_by_row<T: Sync>(
    app: &crate::App,
    actor: &Actor,
    rows: &[T],
    columns: &[(&str, &str)],
    dry_run: bool,
    progress: Progress<'_>,
    write: impl for<'a> Fn(&'a crate::db::Write, &'a crate::App, &'a Actor, &'a T) -> RowWrite<'a>,
) -> AppResult<usize> {
    let txn = app.begin().await?;
    let mut problems = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match write(&txn, app, actor, row).await {
            Ok(()) => {}
            Err(AppError::Invalid(e)) => problems.extend(RowProblem::for_row(i + 1, columns, e.0)),
            Err(other) => return Err(other),
        }
        if (i + 1) % 100 == 0 || i + 1 == rows.len() {
            progress(i + 1, rows.len());
        }
    }
    finish(txn, problems, rows.len(), dry_run).await
}

/// Ends a batch: commits it, or rolls it back when there are problems or it was a dry run.
pub(crate) async fn finish(
    txn: crate::db::Write,
    problems: Vec<RowProblem>,
    rows: usize,
    dry_run: bool,
) -> AppResult<usize> {
    if !problems.is_empty() {
        txn.rollback().await?;
        return Err(AppError::Rows(problems));
    }
    if dry_run {
        txn.rollback().await?
    } else {
        txn.commit().await?
    }
    Ok(rows)
}

//! Figures computed once per data version. Requests that ask for the same thing while the data
//! is unchanged share one computation — those arriving while it runs wait for it — and a write
//! anywhere (on any server process of the database) moves the version on, so nothing computed
//! before it is served again. Keys must name everything the result depends on besides the data;
//! callers check the actor's permission before asking.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::error::AppResult;
use crate::{App, AppError};

/// Entries kept for one data version; beyond, they are all dropped and computed again.
const CAPACITY: usize = 256;

type Cell = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;
type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Default)]
pub struct Memo {
    current: Mutex<(i64, HashMap<String, Cell>)>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo").finish_non_exhaustive()
    }
}

impl Memo {
    /// The value for `key` at the database's current data version: shared if computed (or being
    /// computed) for that version, else computed now by `compute`.
    /// The computation comes boxed: figures' futures are large, and the dashboard nests them.
    pub async fn get<T>(&self, app: &App, key: String, compute: BoxFuture<'_, AppResult<T>>) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
    {
        let version = crate::db::data_version(&app.db).await?;
        // `None`: this reader saw an older version than another request did; it computes and
        // keeps nothing.
        let cell: Option<Cell> = {
            let mut current = self.current.lock().map_err(|_| AppError::Internal("memo lock poisoned".into()))?;
            if version < current.0 {
                None
            } else {
                if version > current.0 || current.1.len() >= CAPACITY {
                    *current = (version, HashMap::new());
                }
                Some(current.1.entry(key).or_default().clone())
            }
        };
        let Some(cell) = cell else { return compute.await.map(Arc::new) };
        let value =
            cell.get_or_try_init(|| async { compute.await.map(|v| Arc::new(v) as Arc<dyn Any + Send + Sync>) }).await?;
        value.clone().downcast::<T>().map_err(|_| AppError::Internal("memo key reused for another type".into()))
    }
}

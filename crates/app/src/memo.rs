//! Figures computed once per data version. Requests that ask for the same thing while the data
//! is unchanged share one computation, and a write anywhere (on any server process of the
//! database) moves the version on, so nothing computed before it is served again. At most one
//! computation per key runs at a time: requests arriving meanwhile wait for it and take its result
//! if it read a version at least as new as theirs, else the first of them computes again — so a
//! stream of writes costs one computation after another, never dozens side by side. Keys must
//! name everything the result depends on besides the data; callers check the actor's permission
//! before asking.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::AppResult;
use crate::{App, AppError};

/// Keys kept; beyond, they are all dropped (computations under way finish and are not kept).
const CAPACITY: usize = 256;

/// A key's latest result and the data version it was computed from; the lock is held while one
/// is computed.
type Slot = Arc<tokio::sync::Mutex<Option<(i64, Arc<dyn Any + Send + Sync>)>>>;
type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Default)]
pub struct Memo {
    slots: Mutex<HashMap<String, Slot>>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo").finish_non_exhaustive()
    }
}

impl Memo {
    /// The value for `key` as of the database's current data version (or newer): the kept one if
    /// it is that new, else computed now by `compute` — one computation per key at a time. It is
    /// handed the app whose reads go through the connections kept for computations that many
    /// requests wait for (`App::for_figures`). The computation comes boxed: figures' futures are large, and the
    /// dashboard nests them.
    pub async fn get<'a, T>(
        &self,
        app: &App,
        key: String,
        compute: impl FnOnce(App) -> BoxFuture<'a, AppResult<T>>,
    ) -> AppResult<Arc<T>>
    where
        T: Send + Sync + 'static,
    {
        let wanted = crate::db::data_version(&app.db).await?;
        let slot: Slot = {
            let mut slots = self.slots.lock().map_err(|_| AppError::Internal("memo lock poisoned".into()))?;
            if slots.len() >= CAPACITY && !slots.contains_key(&key) {
                slots.clear();
            }
            slots.entry(key).or_default().clone()
        };
        let mut kept = slot.lock().await;
        if let Some((version, value)) = kept.as_ref()
            && *version >= wanted
        {
            return downcast(value.clone());
        }
        // The version the computation starts from: at least `wanted`, and what the result is
        // served for afterwards.
        let version = crate::db::data_version(&app.db).await?;
        let value: Arc<dyn Any + Send + Sync> = Arc::new(compute(app.for_figures()).await?);
        *kept = Some((version, value.clone()));
        downcast(value)
    }
}

fn downcast<T: Send + Sync + 'static>(value: Arc<dyn Any + Send + Sync>) -> AppResult<Arc<T>> {
    value.downcast::<T>().map_err(|_| AppError::Internal("memo key reused for another type".into()))
}

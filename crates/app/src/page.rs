//! Paging for every list.

pub const PER_PAGE: u64 = 50;

/// Lists over large tables count at most this many rows; beyond, the total shows as "1000+".
pub const COUNT_CAP: u64 = 1000;

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The number of rows found, or `COUNT_CAP` when `capped`.
    pub total: u64,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
    /// More than `total` rows were found; counting them all would scan the table.
    pub capped: bool,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    /// A capped list goes on while pages come back full.
    pub fn has_next(&self) -> bool {
        if self.capped { self.items.len() as u64 == self.per_page } else { self.page < self.pages() }
    }

    /// The total as shown: "1000+" when capped.
    pub fn total_label(&self) -> String {
        if self.capped { format!("{}+", self.total) } else { self.total.to_string() }
    }
}

/// The last page a list opens: beyond it, an offset would overflow.
pub const LAST_PAGE: u64 = 100_000;

/// A requested page number, clamped to 1 ..= `LAST_PAGE`.
pub fn page_number(raw: Option<u64>) -> u64 {
    raw.unwrap_or(1).clamp(1, LAST_PAGE)
}

impl<T> Page<T> {
    /// The same page holding `items` instead (the rows made into what the list shows).
    pub fn with<U>(self, items: Vec<U>) -> Page<U> {
        Page { items, total: self.total, page: self.page, per_page: self.per_page, capped: self.capped }
    }
}

/// The requested page of `select`'s rows, with their count.
pub async fn fetch<E: sea_orm::EntityTrait>(
    db: &sea_orm::DatabaseConnection,
    select: sea_orm::Select<E>,
    page: Option<u64>,
) -> Result<Page<E::Model>, sea_orm::DbErr>
where
    E::Model: Sync,
{
    use sea_orm::PaginatorTrait;
    let page = page_number(page);
    let paginator = select.paginate(db, PER_PAGE);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page - 1).await?;
    Ok(Page { items, total, page, per_page: PER_PAGE, capped: false })
}

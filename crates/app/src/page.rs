//! Paging for every list.

pub const PER_PAGE: u64 = 50;

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page).max(1)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }
}

/// A requested page number, clamped to 1 or more.
pub fn page_number(raw: Option<u64>) -> u64 {
    raw.unwrap_or(1).max(1)
}

//! The frame around every back-office page: menu by permission, breadcrumbs, the user's name and
//! data scope, and the CSRF token for the forms on the page.

use qingtuan_domain::Invalid;
use qingtuan_domain::permission::{Action, Module, Permission};

use crate::CurrentUser;

#[derive(Debug, Clone)]
pub struct MenuItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user: String,
    pub scope: String,
    pub csrf: String,
    pub menu: Vec<MenuItem>,
    pub crumbs: Vec<Crumb>,
    /// Where the brand and the first crumb lead: the dashboard, or a partner's own page.
    pub home: &'static str,
    /// A one-time message about the action that led here.
    pub done: Option<&'static str>,
}

/// A menu entry: where it goes, what it says, and who sees it. Each capability lists its own
/// (`pages::MENU`).
#[derive(Debug, Clone, Copy)]
pub struct MenuEntry {
    pub href: &'static str,
    pub label: &'static str,
    pub need: Need,
}

/// Who sees a menu entry.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Everyone logged in.
    Anyone,
    /// Whoever holds the permission over some part of the org tree.
    Tree(Permission),
    /// A partner's account holding the permission over its partner.
    Partner(Permission),
}

impl Need {
    fn met_by(self, user: &CurrentUser) -> bool {
        match self {
            Need::Anyone => true,
            Need::Tree(p) => user.actor.can_somewhere(p),
            Need::Partner(p) => user.actor.partner_with(p).is_some(),
        }
    }
}

/// Seeing a module's pages needs reading it over some part of the tree.
pub const fn read(module: Module) -> Need {
    Need::Tree(Permission::new(module, Action::Read))
}

/// Where a user starts: everyone at the dashboard, a partner's account at the first page its
/// roles over the partner open (its own page, a bank's loans), else its account.
pub fn home(user: &CurrentUser) -> &'static str {
    if user.actor.partner.is_none() {
        return "/dashboard";
    }
    entries().find(|e| matches!(e.need, Need::Partner(_)) && e.need.met_by(user)).map_or("/account", |e| e.href)
}

fn entries() -> impl Iterator<Item = &'static MenuEntry> {
    crate::pages::MENU.into_iter().flatten()
}

impl Layout {
    /// `section` is the menu path this page belongs to.
    pub fn new(user: &CurrentUser, section: &str, title: impl Into<String>) -> Self {
        let menu = entries()
            .filter(|e| e.need.met_by(user))
            .map(|e| MenuItem { href: e.href, label: e.label, active: e.href == section })
            .collect();
        let home = home(user);
        let first = entries().find(|e| e.href == home && e.need.met_by(user)).map_or("工作台", |e| e.label);
        let mut crumbs = vec![Crumb { label: first.into(), href: Some(home.into()) }];
        if let Some(e) = entries().find(|e| e.href == section && e.href != home && e.need.met_by(user)) {
            crumbs.push(Crumb { label: e.label.into(), href: Some(e.href.into()) });
        }
        let title = title.into();
        if crumbs.last().is_none_or(|c| c.label != title) {
            crumbs.push(Crumb { label: title.clone(), href: None });
        }
        if let Some(last) = crumbs.last_mut() {
            last.href = None;
        }
        Self {
            title,
            user: user.actor.display_name().to_owned(),
            scope: user.actor.scope_label(),
            csrf: user.csrf.clone(),
            menu,
            crumbs,
            home,
            done: user.done,
        }
    }
}

/// Field errors of a form being shown again.
#[derive(Debug, Clone, Default)]
pub struct Errors(pub Option<Invalid>);

impl Errors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.as_ref().and_then(|i| i.message_for(field))
    }

    pub fn all(&self) -> Vec<String> {
        self.0.as_ref().map(|i| i.0.iter().map(|e| e.message.clone()).collect()).unwrap_or_default()
    }
}

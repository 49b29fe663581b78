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
    /// A one-time message about the action that led here.
    pub done: Option<&'static str>,
}

/// The menu: (path, label, permission needed to see it; `None` = everyone logged in).
const fn read(module: Module) -> Option<Permission> {
    Some(Permission::new(module, Action::Read))
}

const MENU: [(&str, &str, Option<Permission>); 14] = [
    ("/dashboard", "工作台", read(Module::Dashboard)),
    ("/orgs", "组织", read(Module::Orgs)),
    ("/regions", "区域", read(Module::Orgs)),
    ("/sectors", "领域设置", read(Module::Orgs)),
    ("/people", "人员", read(Module::People)),
    ("/imports", "导入", Some(Permission::new(Module::People, Action::Write))),
    ("/quality", "数据质量", read(Module::Orgs)),
    ("/activities", "活动项目", read(Module::Activities)),
    ("/volunteering", "志愿动员", read(Module::Volunteering)),
    ("/users", "用户", read(Module::Users)),
    ("/roles", "角色权限", read(Module::Roles)),
    ("/audit", "审计日志", read(Module::Audit)),
    ("/logins", "登录日志", read(Module::Audit)),
    ("/account", "我的账户", None),
];

impl Layout {
    /// `section` is the menu path this page belongs to.
    pub fn new(user: &CurrentUser, section: &str, title: impl Into<String>) -> Self {
        let menu = MENU
            .iter()
            .filter(|(_, _, need)| need.is_none_or(|p| user.actor.can_somewhere(p)))
            .map(|(href, label, _)| MenuItem { href, label, active: *href == section })
            .collect();
        let mut crumbs = vec![Crumb { label: "工作台".into(), href: Some("/dashboard".into()) }];
        if let Some((href, label, _)) = MENU.iter().find(|(href, _, _)| *href == section && *href != "/dashboard") {
            crumbs.push(Crumb { label: (*label).into(), href: Some((*href).into()) });
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

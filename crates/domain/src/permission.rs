//! Permissions: a role grants actions on modules; an assignment gives a role to a user over an org
//! subtree (the data scope). Which role grants what is data the district admin edits.

use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    Dashboard,
    Orgs,
    People,
    Users,
    Roles,
    Audit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Write,
    Approve,
    Export,
    Unmask,
}

impl Module {
    pub const ALL: [Module; 6] = [Self::Dashboard, Self::Orgs, Self::People, Self::Users, Self::Roles, Self::Audit];

    pub fn code(self) -> &'static str {
        match self {
            Self::Dashboard => "dashboard",
            Self::Orgs => "orgs",
            Self::People => "people",
            Self::Users => "users",
            Self::Roles => "roles",
            Self::Audit => "audit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Dashboard => "工作台与统计",
            Self::Orgs => "组织",
            Self::People => "人员",
            Self::Users => "用户",
            Self::Roles => "角色与权限",
            Self::Audit => "审计日志",
        }
    }

    pub fn parse(code: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|m| m.code() == code)
            .ok_or_else(|| Invalid::one("module", format!("未知的模块“{code}”")))
    }
}

impl Action {
    pub const ALL: [Action; 5] = [Self::Read, Self::Write, Self::Approve, Self::Export, Self::Unmask];

    pub fn code(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Approve => "approve",
            Self::Export => "export",
            Self::Unmask => "unmask",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Read => "查看",
            Self::Write => "编辑",
            Self::Approve => "审批",
            Self::Export => "导出",
            Self::Unmask => "查看完整个人信息",
        }
    }

    pub fn parse(code: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|a| a.code() == code)
            .ok_or_else(|| Invalid::one("action", format!("未知的操作“{code}”")))
    }
}

/// One grant: an action on a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Permission {
    pub module: Module,
    pub action: Action,
}

impl Permission {
    pub const fn new(module: Module, action: Action) -> Self {
        Self { module, action }
    }

    /// `orgs.read` — the form used in role editing and the OpenAPI description.
    pub fn code(self) -> String {
        format!("{}.{}", self.module.code(), self.action.code())
    }

    pub fn parse(code: &str) -> Result<Self, Invalid> {
        let (module, action) =
            code.split_once('.').ok_or_else(|| Invalid::one("permission", format!("权限“{code}”格式不对")))?;
        Ok(Self::new(Module::parse(module)?, Action::parse(action)?))
    }

    /// Every permission that can be granted, in display order.
    pub fn all() -> impl Iterator<Item = Permission> {
        Module::ALL.into_iter().flat_map(|m| Action::ALL.into_iter().map(move |a| Permission::new(m, a)))
    }
}

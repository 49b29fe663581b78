//! Permissions: a role grants actions on modules; an assignment gives a role to a user over an org
//! subtree (the data scope). Which role grants what is data the district admin edits.

use crate::Invalid;
use crate::code::code_enum;

code_enum!(
    /// What a permission is about: one per capability.
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    Module, "module", "模块" {
    Dashboard => "dashboard", "工作台与统计";
    Orgs => "orgs", "组织";
    People => "people", "人员";
    Users => "users", "用户";
    Roles => "roles", "角色与权限";
    Audit => "audit", "审计日志";
    Activities => "activities", "活动项目";
    Volunteering => "volunteering", "志愿动员";
    Accountability => "accountability", "考核评议";
    Selection => "selection", "骨干选拔";
    Platforms => "platforms", "平台阵地";
    Loans => "loans", "青创贷款";
    Consultations => "consultations", "咨询个案";
    Stations => "stations", "青年驿站";
    Cabins => "cabins", "希望小屋";
    Bulletins => "bulletins", "工作简报";
    Messages => "messages", "消息发送";
});

code_enum!(
    /// What a permission allows on its module.
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    Action, "action", "操作" {
    Read => "read", "查看";
    Write => "write", "编辑";
    Approve => "approve", "审批";
    Export => "export", "导出";
    Unmask => "unmask", "查看完整个人信息";
});

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
        Module::ALL.iter().flat_map(|m| Action::ALL.iter().map(move |a| Permission::new(*m, *a)))
    }
}

//! Who is acting: a logged-in user with the grants of their role assignments, or the system
//! (the CLI), which holds every permission over the whole tree. A partner's account holds its
//! roles over its partner alone (`partner`), never over the tree: every check of the tree's scope
//! finds nothing for it.

use std::collections::BTreeSet;

use qingtuan_domain::ids::{OrgId, PartnerId, UserId};
use qingtuan_domain::permission::Permission;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub addr: String,
    pub user_agent: String,
}

impl ClientInfo {
    pub fn local() -> Self {
        Self { addr: "cli".into(), user_agent: "qingtuan-cli".into() }
    }
}

/// One role assignment as the actor holds it: the role's permissions over an org subtree.
#[derive(Debug, Clone)]
pub struct Grant {
    pub role_code: String,
    pub role_name: String,
    pub scope_org_id: OrgId,
    pub scope_org_name: String,
    pub permissions: BTreeSet<Permission>,
    /// The role asks its holders for a second factor.
    pub requires_second_factor: bool,
}

/// What a partner's account holds: its roles' permissions over its partner.
#[derive(Debug, Clone)]
pub struct PartnerGrant {
    pub partner_id: PartnerId,
    pub partner_name: String,
    pub role_names: Vec<String>,
    pub permissions: BTreeSet<Permission>,
    /// A role asks its holders for a second factor.
    pub requires_second_factor: bool,
}

#[derive(Debug, Clone)]
pub enum Principal {
    User {
        id: UserId,
        username: String,
        display_name: String,
        must_change_password: bool,
        /// A role requires a second factor the account has not enrolled yet.
        must_enrol_second_factor: bool,
    },
    /// Someone not (yet) logged in, named by what they typed as a username.
    Anonymous(String),
    System,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub grants: Vec<Grant>,
    /// The account is a partner's: what it holds over that partner (its `grants` are empty).
    pub partner: Option<PartnerGrant>,
    pub client: ClientInfo,
}

impl Actor {
    pub fn system() -> Self {
        Self { principal: Principal::System, grants: Vec::new(), partner: None, client: ClientInfo::local() }
    }

    /// An unauthenticated visitor (a login attempt, the public portal), named in the audit log by
    /// what they claimed.
    pub fn anonymous(client: &ClientInfo, claimed: &str) -> Self {
        Self {
            principal: Principal::Anonymous(claimed.to_owned()),
            grants: Vec::new(),
            partner: None,
            client: client.clone(),
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        match &self.principal {
            Principal::User { id, .. } => Some(*id),
            Principal::Anonymous(_) | Principal::System => None,
        }
    }

    /// The name written into audit rows.
    pub fn name(&self) -> &str {
        match &self.principal {
            Principal::User { username, .. } => username,
            Principal::Anonymous(claimed) => claimed,
            Principal::System => "system",
        }
    }

    pub fn display_name(&self) -> &str {
        match &self.principal {
            Principal::User { display_name, .. } => display_name,
            Principal::Anonymous(_) => "访客",
            Principal::System => "系统",
        }
    }

    pub fn must_change_password(&self) -> bool {
        matches!(self.principal, Principal::User { must_change_password: true, .. })
    }

    pub fn must_enrol_second_factor(&self) -> bool {
        matches!(self.principal, Principal::User { must_enrol_second_factor: true, .. })
    }

    /// Nothing must be done first: no password to change, no second factor to enrol.
    pub fn may_proceed(&self) -> bool {
        !self.must_change_password() && !self.must_enrol_second_factor()
    }

    /// Does a role of the actor require a second factor?
    pub fn must_use_second_factor(&self) -> bool {
        self.grants.iter().any(|g| g.requires_second_factor)
            || self.partner.as_ref().is_some_and(|p| p.requires_second_factor)
    }

    /// The partner over which the actor holds `permission`: a partner's account, acting for it.
    pub fn partner_with(&self, permission: Permission) -> Option<PartnerId> {
        self.partner.as_ref().filter(|p| p.permissions.contains(&permission)).map(|p| p.partner_id)
    }

    pub fn is_system(&self) -> bool {
        matches!(self.principal, Principal::System)
    }

    /// May the actor do this anywhere at all? Decides what a page offers (a menu entry, a button, a
    /// form) and nothing else: the use-case behind it checks the object's scope itself.
    pub fn can_somewhere(&self, permission: Permission) -> bool {
        self.is_system() || self.grants.iter().any(|g| g.permissions.contains(&permission))
    }

    /// The roots of the subtrees over which the actor holds `permission`.
    /// `None` means the whole tree (the system actor).
    pub fn scope_roots(&self, permission: Permission) -> Option<Vec<OrgId>> {
        if self.is_system() {
            return None;
        }
        let mut roots: Vec<OrgId> =
            self.grants.iter().filter(|g| g.permissions.contains(&permission)).map(|g| g.scope_org_id).collect();
        roots.sort_unstable();
        roots.dedup();
        Some(roots)
    }

    /// The data scope as users read it: `团区委（团区委管理员）；…`.
    pub fn scope_label(&self) -> String {
        if self.is_system() {
            return "全部".into();
        }
        if let Some(p) = &self.partner {
            return format!("{}（{}）", p.partner_name, p.role_names.join("、"));
        }
        let parts: Vec<String> =
            self.grants.iter().map(|g| format!("{}（{}）", g.scope_org_name, g.role_name)).collect();
        if parts.is_empty() { "无".into() } else { parts.join("；") }
    }
}

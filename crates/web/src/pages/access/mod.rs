//! Access pages: logging in, the user's own account (password, second factor, tokens), users,
//! roles, and the audit and login logs.

mod account;
mod audit;
mod auth;
mod roles;
pub(super) mod users;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};
use qingtuan_domain::permission::Module;

use crate::AppState;
use crate::layout::{MenuEntry, Need, read};

/// This capability's entries in the menu.
pub const MENU: &[MenuEntry] = &[
    MenuEntry { href: "/users", label: "用户", need: read(Module::Users) },
    MenuEntry { href: "/roles", label: "角色权限", need: read(Module::Roles) },
    MenuEntry { href: "/audit", label: "审计日志", need: read(Module::Audit) },
    MenuEntry { href: "/logins", label: "登录日志", need: read(Module::Audit) },
    MenuEntry { href: "/account", label: "我的账户", need: Need::Anyone },
];

/// The routes of logging in, accounts, users, roles and the logs.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/login/second-factor", get(|| async { Redirect::to("/login") }).post(auth::login_second_factor))
        .route("/logout", post(auth::logout))
        .route("/account", get(account::show))
        .route("/account/password", get(account::password_form).post(account::change_password))
        .route("/reauth", get(account::reauth_form).post(account::reauth))
        .route("/account/second-factor", get(account::second_factor))
        .route("/account/second-factor/start", post(account::start_second_factor))
        .route("/account/second-factor/confirm", post(account::confirm_second_factor))
        .route("/account/second-factor/recovery-codes", post(account::renew_recovery_codes))
        .route("/account/second-factor/disable", post(account::disable_second_factor))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/users", get(users::list).post(users::create))
        .route("/users/new", get(users::new_form))
        .route("/users/export.xlsx", get(users::export))
        .route("/users/{id}", get(users::show))
        .route("/users/{id}/disable", post(users::disable))
        .route("/users/{id}/enable", post(users::enable))
        .route("/users/{id}/reset-password", post(users::reset_password))
        .route("/users/{id}/reset-second-factor", post(users::reset_second_factor))
        .route("/users/{id}/end-sessions", post(users::end_sessions))
        .route("/users/{id}/roles", post(users::assign_role))
        .route("/users/{id}/roles/{assignment}/revoke", post(users::revoke_role))
        .route("/roles", get(roles::list))
        .route("/roles/{id}/edit", get(roles::edit_form))
        .route("/roles/{id}", post(roles::update))
        .route("/audit", get(audit::list))
        .route("/audit/export.xlsx", get(audit::export))
        .route("/logins", get(audit::logins))
        .route("/logins/export.xlsx", get(audit::export_logins))
}

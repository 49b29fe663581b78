//! SeaORM entities, one module per table. Only data shapes live here; rules live in `domain` and
//! use-cases in `app`.

pub mod activity;
pub mod activity_signup;
pub mod api_token;
pub mod app_setting;
pub mod audit_event;
pub mod checkin_use;
pub mod donation;
pub mod hour_adjustment;
pub mod indicator_value;
pub mod login_attempt;
pub mod minor_access_approval;
pub mod org;
pub mod org_closure;
pub mod org_honour;
pub mod person;
pub mod position;
pub mod project;
pub mod project_indicator;
pub mod rate_limit;
pub mod recruitment_call;
pub mod region;
pub mod role;
pub mod role_permission;
pub mod sector;
pub mod session;
pub mod shift;
pub mod signup;
pub mod team_member;
pub mod turnout;
pub mod user;
pub mod user_role;
pub mod volunteer_team;
pub mod youth_population;

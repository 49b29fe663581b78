//! The platform spine: the minimal org tree with its closure table, accounts, roles and their
//! permissions, sessions, access tokens, login-failure counters and the append-only audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from: (&'static str, &'static str), to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(format!("fk_{}_{}", from.0, from.1)).from(from.0, from.1).to(to, "id").take()
}

fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(format!("ix_{}_{}", table, cols.join("_"))).table(table);
    for c in cols {
        idx.col(*c);
    }
    if unique {
        idx.unique();
    }
    idx.take()
}

/// Built-in roles and what they grant at first; the district admin edits the grants afterwards.
const ROLES: &[(&str, &str, &str, &[&str])] = &[
    (
        "district_admin",
        "团区委管理员",
        "管理全区：组织、用户与角色、审计",
        &[
            "dashboard.read",
            "dashboard.export",
            "orgs.read",
            "orgs.write",
            "orgs.approve",
            "orgs.export",
            "orgs.unmask",
            "users.read",
            "users.write",
            "users.export",
            "roles.read",
            "roles.write",
            "audit.read",
            "audit.export",
        ],
    ),
    (
        "org_admin",
        "组织管理员",
        "管理本组织及下级组织，管理其中的用户",
        &[
            "dashboard.read",
            "dashboard.export",
            "orgs.read",
            "orgs.write",
            "orgs.export",
            "users.read",
            "users.write",
            "audit.read",
        ],
    ),
    ("org_viewer", "组织查看员", "查看本组织及下级组织", &["dashboard.read", "orgs.read"]),
    ("partner_staff", "合作单位人员", "查看与本单位有关的内容", &["dashboard.read", "orgs.read"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Table::create()
                .table("orgs")
                .col(big_pk_auto("id"))
                .col(string_len("code", 40))
                .col(string_len("name", 100))
                .col(string_len("kind", 40))
                .col(big_integer_null("parent_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(("orgs", "parent_id"), "orgs"))
                .take(),
            Table::create()
                .table("org_closure")
                .col(big_integer("ancestor_id"))
                .col(big_integer("descendant_id"))
                .col(integer("depth"))
                .primary_key(Index::create().col("ancestor_id").col("descendant_id"))
                .foreign_key(&mut fk(("org_closure", "ancestor_id"), "orgs"))
                .foreign_key(&mut fk(("org_closure", "descendant_id"), "orgs"))
                .take(),
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(string_len("username", 32))
                .col(string_len("display_name", 50))
                .col(big_integer("org_id"))
                .col(string("password_hash"))
                .col(boolean("must_change_password"))
                .col(timestamp_with_time_zone("password_changed_at"))
                .col(timestamp_with_time_zone_null("disabled_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(("users", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("roles")
                .col(big_pk_auto("id"))
                .col(string_len("code", 40))
                .col(string_len("name", 50))
                .col(string_len("description", 200))
                .take(),
            Table::create()
                .table("role_permissions")
                .col(big_integer("role_id"))
                .col(string_len("permission", 40))
                .primary_key(Index::create().col("role_id").col("permission"))
                .foreign_key(&mut fk(("role_permissions", "role_id"), "roles"))
                .take(),
            Table::create()
                .table("user_roles")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(big_integer("role_id"))
                .col(big_integer("scope_org_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(("user_roles", "user_id"), "users"))
                .foreign_key(&mut fk(("user_roles", "role_id"), "roles"))
                .foreign_key(&mut fk(("user_roles", "scope_org_id"), "orgs"))
                .take(),
            Table::create()
                .table("sessions")
                .col(string_len("id", 64).primary_key())
                .col(big_integer("user_id"))
                .col(string_len("csrf_token", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(string_len("client_addr", 64))
                .col(string_len("user_agent", 200))
                .foreign_key(&mut fk(("sessions", "user_id"), "users"))
                .take(),
            Table::create()
                .table("api_tokens")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("name", 50))
                .col(string_len("token_hash", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk(("api_tokens", "user_id"), "users"))
                .take(),
            Table::create()
                .table("login_attempts")
                .col(string_len("username", 64).primary_key())
                .col(integer("failures"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
            Table::create()
                .table("audit_events")
                .col(big_pk_auto("id"))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(big_integer_null("actor_user_id"))
                .col(string_len("actor_name", 64))
                .col(string_len("action", 40))
                .col(string_len("object_kind", 20))
                .col(string_len_null("object_id", 64))
                .col(big_integer_null("scope_org_id"))
                .col(text_null("before_json"))
                .col(text_null("after_json"))
                .col(string_len("client_addr", 64))
                .take(),
        ];
        for mut table in tables {
            manager.create_table(table.if_not_exists().take()).await?;
        }

        let indexes = [
            index("orgs", &["code"], true),
            index("orgs", &["parent_id"], false),
            index("org_closure", &["descendant_id"], false),
            index("users", &["username"], true),
            index("users", &["org_id"], false),
            index("roles", &["code"], true),
            index("user_roles", &["user_id", "role_id", "scope_org_id"], true),
            index("user_roles", &["scope_org_id"], false),
            index("sessions", &["user_id"], false),
            index("api_tokens", &["token_hash"], true),
            index("api_tokens", &["user_id"], false),
            index("audit_events", &["occurred_at"], false),
            index("audit_events", &["actor_user_id"], false),
            index("audit_events", &["scope_org_id"], false),
            index("audit_events", &["action"], false),
        ];
        for idx in indexes {
            manager.create_index(idx).await?;
        }

        let db = manager.get_connection();
        for (role_id, (code, name, description, permissions)) in (1_i64..).zip(ROLES) {
            let insert = Query::insert()
                .into_table("roles")
                .columns(["id", "code", "name", "description"])
                .values_panic([role_id.into(), (*code).into(), (*name).into(), (*description).into()])
                .take();
            manager.exec_stmt(insert).await?;
            for permission in *permissions {
                let grant = Query::insert()
                    .into_table("role_permissions")
                    .columns(["role_id", "permission"])
                    .values_panic([role_id.into(), (*permission).into()])
                    .take();
                manager.exec_stmt(grant).await?;
            }
        }

        // The audit log is append-only in the database itself, whatever code talks to it.
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                // Keep the identity sequence ahead of the explicitly numbered built-in roles.
                db.execute_unprepared("SELECT setval(pg_get_serial_sequence('roles', 'id'), 100)").await?;
                db.execute_unprepared(
                    "CREATE FUNCTION audit_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN RAISE EXCEPTION 'audit_events rows cannot be changed or deleted'; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
                     FOR EACH ROW EXECUTE FUNCTION audit_events_immutable()",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_events_immutable()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_events_no_{lower} BEFORE {op} ON audit_events
                         BEGIN SELECT RAISE(ABORT, 'audit_events rows cannot be changed or deleted'); END",
                        lower = op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }
}

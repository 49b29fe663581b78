//! The registry: regions with youth populations, the sector dictionary, the full org record
//! (sector, region, basis, founding and dissolution dates, honours), people and positions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(name: &str, from: (&'static str, &'static str), to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to, "id").take()
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

/// The sector dictionary as shipped; which sectors count as "social domain" is editable data.
const SECTORS: &[(&str, &str, bool, &str)] = &[
    ("government", "党政机关", false, "government_institution"),
    ("public_institution", "事业单位", false, "government_institution"),
    ("soe", "国有企业", false, "enterprise"),
    ("education", "学校", false, "school"),
    ("street_community", "街道社区", true, "street_community"),
    ("township_village", "乡镇村", true, "township_village"),
    ("non_public_enterprise", "非公有制企业", true, "enterprise"),
    ("social_organisation", "社会组织", true, "social_organisation"),
    ("new_youth_group", "新兴青年群体", true, "social_organisation"),
    ("park_business", "园区商圈", true, "enterprise"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            Table::create()
                .table("regions")
                .col(big_pk_auto("id"))
                .col(string_len("code", 40))
                .col(string_len("name", 100))
                .col(string_len("kind", 20))
                .col(big_integer_null("parent_id"))
                .col(string_len("path", 400))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_regions_parent", ("regions", "parent_id"), "regions"))
                .take(),
            Table::create()
                .table("youth_populations")
                .col(big_pk_auto("id"))
                .col(big_integer("region_id"))
                .col(integer("year"))
                .col(big_integer("count"))
                .col(string_len("source", 200))
                .foreign_key(&mut fk("fk_youth_populations_region", ("youth_populations", "region_id"), "regions"))
                .take(),
            Table::create()
                .table("sectors")
                .col(big_pk_auto("id"))
                .col(string_len("code", 40))
                .col(string_len("name", 50))
                .col(boolean("social_domain"))
                .col(string_len("national_class", 40))
                .take(),
            Table::create()
                .table("org_honours")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("title", 100))
                .col(date("awarded_on"))
                .foreign_key(&mut fk("fk_org_honours_org", ("org_honours", "org_id"), "orgs"))
                .take(),
            Table::create()
                .table("people")
                .col(big_pk_auto("id"))
                .col(string_len("name", 50))
                .col(string_len("initials", 50))
                .col(string_len("gender", 10))
                .col(date_null("birth_on"))
                .col(text_null("id_number_enc"))
                .col(string_len_null("id_number_hash", 64))
                .col(text_null("phone_enc"))
                .col(string_len_null("phone_hash", 64))
                .col(date_null("member_since"))
                .col(string_len("political_status", 40))
                .col(big_integer_null("region_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_people_region", ("people", "region_id"), "regions"))
                .take(),
            Table::create()
                .table("positions")
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(big_integer("org_id"))
                .col(string_len("title", 40))
                .col(string_len("employment", 40))
                .col(string_len("source", 40))
                .col(string_len_null("serving_level", 40))
                .col(date("start_on"))
                .col(date_null("end_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_positions_person", ("positions", "person_id"), "people"))
                .foreign_key(&mut fk("fk_positions_org", ("positions", "org_id"), "orgs"))
                .take(),
        ];
        for mut table in tables {
            manager.create_table(table.if_not_exists().take()).await?;
        }

        // SQLite adds one column per statement.
        let org_columns = [
            big_integer_null("sector_id"),
            big_integer_null("region_id"),
            string_len("basis", 20).default("unit").take(),
            date("founded_on").default("1949-10-01").take(),
            date_null("dissolved_on"),
            string_len("initials", 100).default("").take(),
        ];
        for mut col in org_columns {
            manager.alter_table(Table::alter().table("orgs").add_column(&mut col).take()).await?;
        }

        let indexes = [
            index("regions", &["code"], true),
            index("regions", &["parent_id"], false),
            index("regions", &["path"], false),
            index("youth_populations", &["region_id", "year"], true),
            index("sectors", &["code"], true),
            index("org_honours", &["org_id"], false),
            index("orgs", &["region_id"], false),
            index("orgs", &["sector_id"], false),
            index("orgs", &["kind", "founded_on"], false),
            index("people", &["id_number_hash"], true),
            index("people", &["phone_hash"], false),
            index("people", &["name"], false),
            index("people", &["initials"], false),
            index("positions", &["org_id", "start_on"], false),
            index("positions", &["person_id"], false),
        ];
        for idx in indexes {
            manager.create_index(idx).await?;
        }

        // The new module's grants for the built-in roles (ids 1–4 from m0001).
        for (role_id, permission) in [
            (1_i64, "people.read"),
            (1, "people.write"),
            (1, "people.export"),
            (1, "people.unmask"),
            (2, "people.read"),
            (2, "people.write"),
            (2, "people.export"),
            (3, "people.read"),
        ] {
            let grant = Query::insert()
                .into_table("role_permissions")
                .columns(["role_id", "permission"])
                .values_panic([role_id.into(), permission.into()])
                .take();
            manager.exec_stmt(grant).await?;
        }
        for (code, name, social, class) in SECTORS {
            let insert = Query::insert()
                .into_table("sectors")
                .columns(["code", "name", "social_domain", "national_class"])
                .values_panic([(*code).into(), (*name).into(), (*social).into(), (*class).into()])
                .take();
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }
}

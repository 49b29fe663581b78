//! Posters of recruitment calls and activities: one PNG or JPEG each (recognised by content),
//! kept in the database so a backup holds it, replaced by the next upload. The capabilities check
//! who may set or see one and hand the proof here.

use std::collections::HashSet;

use qingtuan_domain::accountability::DocumentType;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::OrgId;
use qingtuan_entity::poster;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::access::audit::{self, Entry};
use crate::access::scope::InScope;
use crate::error::AppResult;
use crate::export::{Document, Upload};
use crate::{Actor, App, AppError};

/// What a poster belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Call,
    Activity,
}

impl Owner {
    fn code(self) -> &'static str {
        match self {
            Owner::Call => "call",
            Owner::Activity => "activity",
        }
    }

    fn object(self) -> ObjectKind {
        match self {
            Owner::Call => ObjectKind::Call,
            Owner::Activity => ObjectKind::Activity,
        }
    }
}

/// Stores `bytes` as the poster of `owner` `id` (the caller proved the actor may change it),
/// replacing the one before; audited with the file's name, size and digest.
pub(crate) async fn store(
    app: &App,
    actor: &Actor,
    proof: &InScope<OrgId>,
    owner: Owner,
    id: i64,
    file_name: &str,
    bytes: Vec<u8>,
) -> AppResult<()> {
    let doc = Upload::check(bytes, "海报", &[DocumentType::Png, DocumentType::Jpeg], file_name, "海报")?;
    let facts = doc.facts();
    let txn = app.begin().await?;
    poster::Entity::delete_many()
        .filter(poster::Column::OwnerKind.eq(owner.code()))
        .filter(poster::Column::OwnerId.eq(id))
        .exec(&txn)
        .await?;
    poster::ActiveModel {
        owner_kind: Set(owner.code().to_owned()),
        owner_id: Set(id),
        file_name: Set(doc.name.clone()),
        content_type: Set(doc.content_type()),
        sha256: Set(doc.sha256.clone()),
        bytes: Set(doc.bytes),
        uploaded_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = Entry::new(AuditAction::PosterSet, owner.object()).object(id).within(proof).after(facts);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// The poster of `owner` `id` (the caller checked who may see it): only PNG or JPEG, as
/// recognised when stored; none is missing (404).
pub(crate) async fn load(app: &App, owner: Owner, id: i64) -> AppResult<Document> {
    let p = poster::Entity::find()
        .filter(poster::Column::OwnerKind.eq(owner.code()))
        .filter(poster::Column::OwnerId.eq(id))
        .one(&app.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = DocumentType::sniff(&p.bytes).filter(|k| *k != DocumentType::Pdf).ok_or(AppError::NotFound)?;
    Ok(Document { file_name: p.file_name, content_type: kind.content_type(), bytes: p.bytes })
}

/// Which of `ids` (of `owner`s) have a poster, in one query for a whole list.
pub(crate) async fn owners(app: &App, owner: Owner, ids: &[i64]) -> AppResult<HashSet<i64>> {
    let found: Vec<i64> = poster::Entity::find()
        .select_only()
        .column(poster::Column::OwnerId)
        .filter(poster::Column::OwnerKind.eq(owner.code()))
        .filter(poster::Column::OwnerId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(&app.db)
        .await?;
    Ok(found.into_iter().collect())
}

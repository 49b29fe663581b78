//! The signed copy of a letter: a PDF or an image, recognised by its content, at most 8 MB, kept
//! in the database (so a backup holds it) and served back as a download.

use qingtuan_domain::accountability::DocumentType;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{LetterId, OrgId};
use qingtuan_entity::{letter_document, responsibility_letter as letter};
use sea_orm::{ActiveModelTrait, EntityTrait, QuerySelect, Set};
use serde_json::json;

use super::{READ, WRITE};
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::export::{Document, Upload};
use crate::{Actor, App, AppError};

/// What a letter's page says of its signed copy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocumentInfo {
    pub file_name: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

/// Attaches the signed copy, replacing an earlier one (write over the issuer).
pub async fn attach(app: &App, actor: &Actor, id: LetterId, file_name: &str, bytes: Vec<u8>) -> AppResult<()> {
    let l = letter::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Letter, id.to_string()), OrgId(l.issuer_id)).await?;
    let doc = Upload::check(bytes, "签字文本", &DocumentType::ALL, file_name, "责任状")?;
    let mut facts = doc.facts();
    let txn = app.begin().await?;
    let replaced = letter_document::Entity::delete_by_id(l.id).exec(&txn).await?.rows_affected > 0;
    letter_document::ActiveModel {
        letter_id: Set(l.id),
        file_name: Set(doc.name.clone()),
        content_type: Set(doc.content_type()),
        sha256: Set(doc.sha256.clone()),
        bytes: Set(doc.bytes),
        uploaded_at: Set(app.now()),
    }
    .insert(&txn)
    .await?;
    facts["replaced"] = json!(replaced);
    let entry = Entry::new(AuditAction::LetterDocumentAttached, ObjectKind::Letter)
        .object(l.id)
        .scope(proof.get())
        .after(facts);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// The signed copy, if the actor may read the letter (404 otherwise, or when none is attached).
pub async fn document(app: &App, actor: &Actor, id: LetterId) -> AppResult<Document> {
    let l = letter::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    scope::require(app, actor, READ, (ObjectKind::Letter, id.to_string()), OrgId(l.org_id)).await?;
    let d = letter_document::Entity::find_by_id(l.id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let kind = DocumentType::sniff(&d.bytes).ok_or(AppError::NotFound)?;
    Ok(Document { file_name: d.file_name, content_type: kind.content_type(), bytes: d.bytes })
}

/// The signed copy's name and date, without its bytes.
pub(super) async fn document_info(app: &App, id: LetterId) -> AppResult<Option<DocumentInfo>> {
    let found: Option<(String, chrono::DateTime<chrono::Utc>)> = letter_document::Entity::find_by_id(id.0)
        .select_only()
        .column(letter_document::Column::FileName)
        .column(letter_document::Column::UploadedAt)
        .into_tuple()
        .one(&app.db)
        .await?;
    Ok(found.map(|(file_name, uploaded_at)| DocumentInfo { file_name, uploaded_at }))
}

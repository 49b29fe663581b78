//! A venue's photos: PNG or JPEG recognised by content, at most 8 MB each and `MAX_PHOTOS` a
//! venue, kept in the database so a backup holds them. The desk adds and removes them; they show
//! on the venue's page and, as the venue itself, to the public on the portal while it is open.

use qingtuan_domain::Invalid;
use qingtuan_domain::accountability::DocumentType;
use qingtuan_domain::audit::{AuditAction, ObjectKind};
use qingtuan_domain::ids::{OrgId, VenueId, VenuePhotoId};
use qingtuan_domain::time::local_date;
use qingtuan_entity::{venue, venue_photo};
use sea_orm::ActiveModelTrait;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::WRITE;
use crate::access::audit::{self, Entry};
use crate::access::scope;
use crate::error::AppResult;
use crate::export::{Document, Upload};
use crate::{Actor, App, AppError};

/// The most photos a venue keeps.
const MAX_PHOTOS: u64 = 12;

/// Adds a photo to a venue (platforms.write over the org that runs it).
pub async fn add(app: &App, actor: &Actor, id: VenueId, file_name: &str, bytes: Vec<u8>) -> AppResult<()> {
    let v = venue::Entity::find_by_id(id.0).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Venue, id.to_string()), OrgId(v.org_id)).await?;
    let doc = Upload::check(bytes, "照片", &[DocumentType::Png, DocumentType::Jpeg], file_name, "阵地照片")?;
    let mut facts = doc.facts();
    let txn = app.begin().await?;
    // Counted with the venue's row taken, so uploads at the same time cannot pass the limit.
    txn.take::<venue::Entity>(venue::Column::Id, Condition::all().add(venue::Column::Id.eq(v.id))).await?;
    let kept = venue_photo::Entity::find().filter(venue_photo::Column::VenueId.eq(v.id)).count(&txn).await?;
    if kept >= MAX_PHOTOS {
        txn.rollback().await?;
        return Err(
            Invalid::one("document", format!("每个阵地最多保存 {MAX_PHOTOS} 张照片，请先删除不用的照片")).into()
        );
    }
    let row = venue_photo::ActiveModel {
        venue_id: Set(v.id),
        file_name: Set(doc.name.clone()),
        content_type: Set(doc.content_type()),
        sha256: Set(doc.sha256.clone()),
        bytes: Set(doc.bytes),
        uploaded_at: Set(app.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    facts["photo"] = json!(row.id);
    let entry = Entry::new(AuditAction::VenuePhotoAdded, ObjectKind::Venue).object(v.id).within(&proof).after(facts);
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes a photo (platforms.write over the org that runs the venue). Returns the venue.
pub async fn remove(app: &App, actor: &Actor, VenuePhotoId(photo): VenuePhotoId) -> AppResult<VenueId> {
    let p = venue_photo::Entity::find_by_id(photo).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let v = venue::Entity::find_by_id(p.venue_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let proof = scope::require(app, actor, WRITE, (ObjectKind::Venue, v.id.to_string()), OrgId(v.org_id)).await?;
    let txn = app.begin().await?;
    venue_photo::Entity::delete_by_id(p.id).exec(&txn).await?;
    let entry = Entry::new(AuditAction::VenuePhotoRemoved, ObjectKind::Venue)
        .object(v.id)
        .within(&proof)
        .before(json!({ "photo": p.id, "file_name": p.file_name, "sha256": p.sha256 }));
    audit::record(&txn, app.now(), actor, entry).await?;
    txn.commit().await?;
    Ok(VenueId(v.id))
}

/// A venue's photos: (id, file name), oldest first.
pub(crate) async fn of(app: &App, venue_id: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(venue_photo::Entity::find()
        .select_only()
        .column(venue_photo::Column::Id)
        .column(venue_photo::Column::FileName)
        .filter(venue_photo::Column::VenueId.eq(venue_id))
        .order_by_asc(venue_photo::Column::Id)
        .into_tuple()
        .all(&app.db)
        .await?)
}

/// A photo, for those who hold `platforms.read` over the org that runs its venue.
pub async fn photo(app: &App, actor: &Actor, VenuePhotoId(id): VenuePhotoId) -> AppResult<Document> {
    let (p, v) = find(app, id).await?;
    scope::require(app, actor, super::READ, (ObjectKind::Venue, v.id.to_string()), OrgId(v.org_id)).await?;
    document(p)
}

/// A photo as the portal shows it: only while its venue is open (the venue is public then).
pub async fn public_photo(app: &App, VenuePhotoId(id): VenuePhotoId) -> AppResult<Document> {
    let (p, v) = find(app, id).await?;
    let today = local_date(app.now());
    if v.opened_on > today || v.closed_on.is_some_and(|c| c <= today) {
        return Err(AppError::NotFound);
    }
    document(p)
}

async fn find(app: &App, id: i64) -> AppResult<(venue_photo::Model, venue::Model)> {
    let p = venue_photo::Entity::find_by_id(id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    let v = venue::Entity::find_by_id(p.venue_id).one(&app.db).await?.ok_or(AppError::NotFound)?;
    Ok((p, v))
}

/// Only PNG or JPEG, as recognised when stored.
fn document(p: venue_photo::Model) -> AppResult<Document> {
    let kind = DocumentType::sniff(&p.bytes).filter(|k| *k != DocumentType::Pdf).ok_or(AppError::NotFound)?;
    Ok(Document { file_name: p.file_name, content_type: kind.content_type(), bytes: p.bytes })
}

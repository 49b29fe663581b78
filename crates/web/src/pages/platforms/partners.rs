//! A partner's page: what it has contributed and joined, its agreements with their signed copies,
//! the form to record an agreement, and the partner's own accounts with the form to open one.

use crate::extract::Path;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::Response;
use qingtuan_app::access::roles::RoleView;
use qingtuan_app::access::users::{self, NewUser, UserRow};
use qingtuan_app::platforms;
use qingtuan_app::platforms::partners::{self, NewAgreement, PartnerPage};
use qingtuan_domain::ids::{AgreementId, PartnerId};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, Upload, download, read_upload, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "platforms/partner.html")]
struct ShowPage {
    layout: Layout,
    p: PartnerPage,
    own: bool,
    can_write: bool,
    form: NewAgreement,
    /// The partner's accounts, for those who may see them.
    accounts: Option<Vec<UserRow>>,
    /// The roles for partners' accounts the viewer could give (none: no form).
    roles: Vec<RoleView>,
    account: NewUser,
    errors: Errors,
}

async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: PartnerId,
    form: NewAgreement,
    account: NewUser,
    errors: Errors,
) -> Result<Response, PageError> {
    let p = partners::page(&state.app, &user.actor, id).await?;
    let accounts = users::of_partner(&state.app, &user.actor, id).await?;
    let roles = match accounts {
        Some(_) => qingtuan_app::access::roles::offered(&state.app, &user.actor, true).await?,
        None => Vec::new(),
    };
    let invalid = errors.0.is_some();
    let view = ShowPage {
        layout: Layout::new(user, "/partners", p.name.clone()),
        p,
        own: false,
        can_write: user.actor.can_somewhere(platforms::WRITE),
        form,
        accounts,
        roles,
        account,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<PartnerId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, NewAgreement::default(), NewUser::default(), Errors::default()).await
}

pub async fn sign(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<PartnerId>,
    Form(form): Form<NewAgreement>,
) -> Result<Response, PageError> {
    match partners::sign(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect(&format!("/partners/{id}"), Done::Recorded)),
        Err(e) => show_page(&state, &user, id, form, NewUser::default(), Errors(Some(e))).await,
    }
}

/// Opens an account of the partner: its roles hold over the partner alone. The one-time password
/// is shown once.
pub async fn open_account(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<PartnerId>,
    Form(form): Form<NewUser>,
) -> Result<Response, PageError> {
    let p = partners::page(&state.app, &user.actor, id).await?;
    let form = NewUser { partner_code: p.credit_code.clone(), scope_code: String::new(), password: None, ..form };
    match users::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(created) => render(&crate::pages::access::users::SecretPage {
            layout: Layout::new(&user, "/partners", "合作单位账户已开通"),
            what: "合作单位账户已开通",
            username: form.username.trim().to_lowercase(),
            user_id: created.id,
            password: created.one_time_password.unwrap_or_default(),
        }),
        Err(e) => show_page(&state, &user, id, NewAgreement::default(), form, Errors(Some(e))).await,
    }
}

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<AgreementId>,
    form: Multipart,
) -> Result<Response, PageError> {
    let result = match read_upload(form, "上传未完成，请重新选择文件上传").await {
        Ok(Upload { document: (file_name, bytes), .. }) => {
            partners::attach(&state.app, &user.actor, id, &file_name, bytes).await
        }
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(partner) => Ok(done::redirect(&format!("/partners/{partner}"), Done::Saved)),
        Err(e) => {
            let partner = partners::partner_of(&state.app, &user.actor, id).await?;
            show_page(&state, &user, partner, NewAgreement::default(), NewUser::default(), Errors(Some(e))).await
        }
    }
}

/// The signed copy as a download.
pub async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<AgreementId>,
) -> Result<Response, PageError> {
    Ok(download(&format!("agreement-{id}"), partners::document(&state.app, &user.actor, id).await?))
}

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::page::Page;
use qingtuan_app::registry::minors::{self, ApprovalView, NewApproval};
use qingtuan_app::registry::orgs::{self, OrgView};
use qingtuan_app::registry::people::{self, Filter, NewPerson, PersonRow};
use qingtuan_app::registry::positions::{self, NewPosition, PositionView};
use qingtuan_domain::ids::{MinorApprovalId, PersonId};
use qingtuan_domain::person::{Gender, PoliticalStatus};
use qingtuan_domain::position::{CadreSource, Employment, Title};

use crate::done::{self, Done};
use crate::extract::RecentlyAuthenticated;
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "people/list.html")]
struct ListPage {
    layout: Layout,
    tree: orgs::TreeLevel,
    tree_query: String,
    page: Page<PersonRow>,
    q: String,
    org: String,
    orgs: Vec<OrgView>,
    filter: Filter,
    genders: &'static [Gender],
    ages: [(&'static str, &'static str, u32, u32); 4],
    titles: &'static [Title],
    employments: &'static [Employment],
    sources: &'static [CadreSource],
    query: String,
    can_export: bool,
    can_approve: bool,
    can_write: bool,
    /// May look people up by a full ID number or mobile number.
    can_unmask: bool,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let page = people::list(&state.app, &user.actor, &filter).await?;
    let tree =
        orgs::tree_level(&state.app, &user.actor, people::READ, filter.org.as_deref().unwrap_or_default()).await?;
    let orgs = orgs::visible_top(&state.app, &user.actor, people::READ, 2)
        .await?
        .into_iter()
        .filter(|o| !matches!(o.kind.as_str(), "youth_work_committee" | "pioneer_work_committee"))
        .collect();
    render(&ListPage {
        layout: Layout::new(&user, "/people", "人员"),
        tree,
        tree_query: crate::pages::tree_query(&filter),
        query: query_without_page(&filter),
        q: filter.q.clone().unwrap_or_default(),
        org: filter.org.clone().unwrap_or_default(),
        orgs,
        filter,
        genders: Gender::ALL,
        ages: people::AGE_BANDS,
        titles: Title::ALL,
        employments: Employment::ALL,
        sources: CadreSource::ALL,
        can_export: user.actor.can_somewhere(people::EXPORT),
        can_approve: user.actor.can_somewhere(minors::APPROVE),
        can_write: user.actor.can_somewhere(people::WRITE),
        can_unmask: user.actor.can_somewhere(people::UNMASK),
        page,
    })
}

#[derive(Template)]
#[template(path = "people/form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    form: NewPerson,
    post: NewPosition,
    /// The record as it stands (editing), masked.
    now: Option<PersonRow>,
    post_required: bool,
    genders: &'static [Gender],
    statuses: &'static [PoliticalStatus],
    titles: &'static [Title],
    employments: &'static [Employment],
    sources: &'static [CadreSource],
    errors: Errors,
}

impl FormPage {
    async fn new(state: &AppState, user: &CurrentUser, title: String, action: String) -> Result<Self, PageError> {
        Ok(Self {
            layout: Layout::new(user, "/people", title),
            action,
            form: NewPerson::default(),
            post: NewPosition::default(),
            now: None,
            post_required: people::post_required(&state.app, &user.actor).await?,
            genders: Gender::ALL,
            statuses: PoliticalStatus::ALL,
            titles: Title::ALL,
            employments: Employment::ALL,
            sources: CadreSource::ALL,
            errors: Errors::default(),
        })
    }
}

/// The form that registers one person, with a first post.
pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&FormPage::new(&state, &user, "登记人员".into(), "/people".into()).await?)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct RegisterForm {
    #[serde(flatten)]
    person: NewPerson,
    #[serde(flatten)]
    post: NewPosition,
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(typed): Form<RegisterForm>,
) -> Result<Response, PageError> {
    match people::register(&state.app, &user.actor, &typed.person, &typed.post).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/people/{id}"), Done::Created)),
        Err(e) => {
            let mut page = FormPage::new(&state, &user, "登记人员".into(), "/people".into()).await?;
            page.form = typed.person;
            page.post = typed.post;
            page.errors = Errors(Some(e));
            render_invalid(&page)
        }
    }
}

/// The form that corrects a person's record.
pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<PersonId>,
) -> Result<Response, PageError> {
    let (form, now) = people::edit_form(&state.app, &user.actor, id).await?;
    let mut page = FormPage::new(&state, &user, format!("修改：{}", now.name), format!("/people/{id}/edit")).await?;
    page.form = form;
    page.now = Some(now);
    render(&page)
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<PersonId>,
    Form(form): Form<NewPerson>,
) -> Result<Response, PageError> {
    match people::update(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/people/{id}"), Done::Saved)),
        Err(e) => {
            let (_, now) = people::edit_form(&state.app, &user.actor, id).await?;
            let mut page =
                FormPage::new(&state, &user, format!("修改：{}", now.name), format!("/people/{id}/edit")).await?;
            page.form = NewPerson { id_number: String::new(), phone: String::new(), ..form };
            page.now = Some(now);
            page.errors = Errors(Some(e));
            render_invalid(&page)
        }
    }
}

#[derive(Template)]
#[template(path = "people/show.html")]
struct ShowPage {
    layout: Layout,
    p: PersonRow,
    positions: Vec<PositionView>,
    can_unmask: bool,
    can_write: bool,
    unmasked: bool,
}

async fn show_page(state: &AppState, user: &CurrentUser, id: PersonId, unmasked: bool) -> Result<Response, PageError> {
    let p = if unmasked {
        people::show_unmasked(&state.app, &user.actor, id).await?
    } else {
        people::show(&state.app, &user.actor, id).await?
    };
    let positions = positions::list(&state.app, &user.actor, Some(id), None).await?;
    render(&ShowPage {
        layout: Layout::new(user, "/people", p.name.clone()),
        can_unmask: user.actor.can_somewhere(people::UNMASK),
        can_write: user.actor.can_somewhere(people::WRITE) && !p.withheld,
        p,
        positions,
        unmasked,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<PersonId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, false).await
}

/// Shows the full ID number and phone: a POST, so it is deliberate, CSRF-checked and audited.
pub async fn unmask(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Path(id): Path<PersonId>,
) -> Result<Response, PageError> {
    show_page(&state, &user, id, true).await
}

pub async fn export(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = people::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("people.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "people/duplicates.html")]
struct DuplicatesPage {
    layout: Layout,
    groups: Vec<people::SuspectedDuplicate>,
    errors: Errors,
}

async fn duplicates_page(state: &AppState, user: &CurrentUser, errors: Errors) -> Result<DuplicatesPage, PageError> {
    Ok(DuplicatesPage {
        layout: Layout::new(user, "/people", "疑似重复人员"),
        groups: people::suspected_duplicates(&state.app, &user.actor).await?,
        errors,
    })
}

pub async fn duplicates(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&duplicates_page(&state, &user, Errors::default()).await?)
}

#[derive(serde::Deserialize)]
pub struct MergeForm {
    keep: PersonId,
    duplicate: PersonId,
}

pub async fn merge(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<MergeForm>,
) -> Result<Response, PageError> {
    match people::merge(&state.app, &user.actor, form.keep, form.duplicate).await.or_invalid()? {
        Ok(()) => Ok(done::redirect("/people/duplicates", Done::Merged)),
        Err(e) => render_invalid(&duplicates_page(&state, &user, Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "people/minor_access.html")]
struct MinorAccessPage {
    layout: Layout,
    approvals: Vec<ApprovalView>,
    form: NewApproval,
    errors: Errors,
}

async fn minor_access_page(
    state: &AppState,
    user: &CurrentUser,
    form: NewApproval,
    errors: Errors,
) -> Result<MinorAccessPage, PageError> {
    Ok(MinorAccessPage {
        layout: Layout::new(user, "/people", "未成年人信息查看审批"),
        approvals: minors::list(&state.app, &user.actor).await?,
        form,
        errors,
    })
}

pub async fn minor_access(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&minor_access_page(&state, &user, NewApproval::default(), Errors::default()).await?)
}

pub async fn grant_minor_access(
    State(state): State<AppState>,
    RecentlyAuthenticated(user): RecentlyAuthenticated,
    Form(form): Form<NewApproval>,
) -> Result<Response, PageError> {
    match minors::grant(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/people/minor-access", Done::Saved)),
        Err(e) => render_invalid(&minor_access_page(&state, &user, form, Errors(Some(e))).await?),
    }
}

pub async fn revoke_minor_access(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<MinorApprovalId>,
) -> Result<Response, PageError> {
    minors::revoke(&state.app, &user.actor, id).await?;
    Ok(done::redirect("/people/minor-access", Done::Revoked))
}

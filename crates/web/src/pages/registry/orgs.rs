use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::AppError;
use qingtuan_app::page::Page;
use qingtuan_app::registry::orgs::{self, Filter, NewOrg};
use qingtuan_app::registry::positions::{self, NewPosition};
use qingtuan_app::registry::sectors::{self, SectorView};
use qingtuan_domain::ids::{OrgId, PositionId};
use qingtuan_domain::org::OrgKind;
use qingtuan_domain::position::{CadreSource, Employment, ServingLevel, Title};

use crate::done::{self, Done};
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let bytes = orgs::export(&state.app, &user.actor, &filter).await?;
    Ok(xlsx_download("orgs.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "orgs/list.html")]
struct ListPage {
    layout: Layout,
    tree: orgs::TreeLevel,
    tree_query: String,
    page: Page<orgs::OrgRow>,
    q: String,
    kind: String,
    status: String,
    kinds: [OrgKind; 9],
    query: String,
    can_write: bool,
    can_export: bool,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    let page = orgs::list(&state.app, &user.actor, &filter).await?;
    let tree = orgs::tree_level(&state.app, &user.actor, orgs::READ, filter.org.as_deref().unwrap_or_default()).await?;
    render(&ListPage {
        layout: Layout::new(&user, "/orgs", "组织"),
        page,
        tree,
        tree_query: crate::pages::tree_query(&filter),
        query: query_without_page(&filter),
        q: filter.q.clone().unwrap_or_default(),
        kind: filter.kind.clone().unwrap_or_default(),
        status: filter.status.clone().unwrap_or_default(),
        kinds: OrgKind::ALL,
        can_write: user.actor.can_somewhere(orgs::WRITE),
        can_export: user.actor.can_somewhere(orgs::EXPORT),
    })
}

#[derive(Template)]
#[template(path = "orgs/new.html")]
struct NewPage {
    layout: Layout,
    form: NewOrg,
    sectors: Vec<SectorView>,
    kinds: [OrgKind; 9],
    errors: Errors,
}

async fn new_page(state: &AppState, user: &CurrentUser, form: NewOrg, errors: Errors) -> Result<NewPage, PageError> {
    Ok(NewPage {
        layout: Layout::new(user, "/orgs", "新建组织"),
        form,
        sectors: sectors::list(&state.app, &user.actor).await?,
        kinds: OrgKind::ALL,
        errors,
    })
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    orgs::may_create(&state.app, &user.actor).await?;
    render(&new_page(&state, &user, NewOrg::default(), Errors::default()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewOrg>,
) -> Result<Response, PageError> {
    match orgs::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/orgs/{id}"), Done::Created)),
        Err(e) => render_invalid(&new_page(&state, &user, form, Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "orgs/show.html")]
struct ShowPage {
    layout: Layout,
    d: orgs::OrgDetail,
    figures: qingtuan_app::figures::OrgFigures,
    /// The org's responsibility letters, if the user may read them.
    letters: Vec<qingtuan_app::accountability::LetterRow>,
    /// The post form, as typed when it was refused.
    post: NewPosition,
    /// The errors are the post form's: shown beside it, not at the top of the page.
    post_failed: bool,
    titles: &'static [Title],
    employments: &'static [Employment],
    sources: &'static [CadreSource],
    levels: &'static [ServingLevel],
    errors: Errors,
}

async fn show_page(state: &AppState, user: &CurrentUser, id: OrgId, errors: Errors) -> Result<ShowPage, PageError> {
    // The org's page: its registry record, and the panels of the figures and of accountability.
    let d = orgs::detail(&state.app, &user.actor, id).await?;
    let figures = qingtuan_app::figures::of_org(&state.app, &user.actor, id).await?;
    let letters = qingtuan_app::accountability::of_org(&state.app, &user.actor, id).await?;
    Ok(ShowPage {
        layout: Layout::new(user, "/orgs", d.org.name.clone()),
        d,
        figures,
        letters,
        post: NewPosition::default(),
        post_failed: false,
        titles: Title::ALL,
        employments: Employment::ALL,
        sources: CadreSource::ALL,
        levels: ServingLevel::ALL,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrgId>,
) -> Result<Response, PageError> {
    render(&show_page(&state, &user, id, Errors::default()).await?)
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct DissolveForm {
    on: String,
    #[serde(default)]
    with_subtree: Option<String>,
    /// Set by the confirmation page: without it nothing changes yet.
    #[serde(default)]
    confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "orgs/dissolve_confirm.html")]
struct DissolveConfirmPage {
    layout: Layout,
    i: orgs::DissolveImpact,
    with_subtree: bool,
}

pub async fn dissolve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrgId>,
    Form(form): Form<DissolveForm>,
) -> Result<Response, PageError> {
    let on = match qingtuan_app::forms::parse_date("on", &form.on) {
        Ok(Some(d)) => d,
        _ => {
            let e = qingtuan_domain::Invalid::one("on", "请填写有效的撤销日期");
            return render_invalid(&show_page(&state, &user, id, Errors(Some(e))).await?);
        }
    };
    let with_subtree = form.with_subtree.is_some();
    // First what it would do, to be confirmed; nothing changes until then.
    if form.confirm.is_none() {
        return match orgs::dissolve_impact(&state.app, &user.actor, id, on).await.or_invalid()? {
            Ok(i) => render(&DissolveConfirmPage {
                layout: Layout::new(&user, "/orgs", format!("确认撤销：{}", i.org.name)),
                i,
                with_subtree,
            }),
            Err(e) => render_invalid(&show_page(&state, &user, id, Errors(Some(e))).await?),
        };
    }
    match orgs::dissolve(&state.app, &user.actor, id, on, with_subtree).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/orgs/{id}"), Done::Dissolved)),
        Err(e) => render_invalid(&show_page(&state, &user, id, Errors(Some(e))).await?),
    }
}

/// Records a post in this org.
pub async fn add_position(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrgId>,
    Form(mut form): Form<NewPosition>,
) -> Result<Response, PageError> {
    form.org_code = orgs::show(&state.app, &user.actor, id).await?.code;
    match positions::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/orgs/{id}"), Done::PositionRecorded)),
        Err(e) => {
            let mut page = show_page(&state, &user, id, Errors(Some(e))).await?;
            page.post = form;
            page.post_failed = true;
            render_invalid(&page)
        }
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct EndForm {
    end_on: String,
    /// `yes` once the user saw what ending the post changes.
    confirm: String,
}

#[derive(Template)]
#[template(path = "orgs/end_confirm.html")]
struct EndConfirmPage {
    layout: Layout,
    i: positions::EndImpact,
}

/// Ends a post on the date given, back on its org's page.
pub async fn end_position(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(post): Path<PositionId>,
    Form(form): Form<EndForm>,
) -> Result<Response, PageError> {
    let on = match qingtuan_app::forms::parse_date("end_on", &form.end_on) {
        Ok(Some(on)) => Ok(on),
        _ => Err(AppError::Invalid(qingtuan_domain::Invalid::one("end_on", "请填写有效的离任日期"))),
    };
    // First what it would change, to be confirmed; nothing changes until then.
    if form.confirm != "yes" {
        let impact = match on {
            Ok(on) => positions::end_impact(&state.app, &user.actor, post, on).await,
            Err(e) => Err(e),
        };
        return match impact.or_invalid()? {
            Ok(i) => render(&EndConfirmPage { layout: Layout::new(&user, "/orgs", "确认离任"), i }),
            Err(e) => {
                let org = positions::org_of(&state.app, &user.actor, post).await?;
                render_invalid(&show_page(&state, &user, org, Errors(Some(e))).await?)
            }
        };
    }
    let result = match on {
        Ok(on) => positions::end(&state.app, &user.actor, post, on).await,
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(org) => Ok(done::redirect(&format!("/orgs/{org}"), Done::PositionEnded)),
        Err(e) => {
            let org = positions::org_of(&state.app, &user.actor, post).await?;
            render_invalid(&show_page(&state, &user, org, Errors(Some(e))).await?)
        }
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct HonourForm {
    title: String,
    awarded_on: String,
}

pub async fn add_honour(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrgId>,
    Form(form): Form<HonourForm>,
) -> Result<Response, PageError> {
    let code = orgs::show(&state.app, &user.actor, id).await?.code;
    let result = match qingtuan_app::forms::parse_date("awarded_on", &form.awarded_on) {
        Ok(Some(on)) => orgs::add_honour(&state.app, &user.actor, &code, &form.title, on).await,
        _ => Err(AppError::Invalid(qingtuan_domain::Invalid::one("awarded_on", "请填写有效的获得日期"))),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/orgs/{id}"), Done::Recorded)),
        Err(e) => render_invalid(&show_page(&state, &user, id, Errors(Some(e))).await?),
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct MoveForm {
    parent_code: String,
}

pub async fn move_subtree(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrgId>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    match orgs::move_subtree(&state.app, &user.actor, id, &form.parent_code).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/orgs/{id}"), Done::Moved)),
        Err(e) => render_invalid(&show_page(&state, &user, id, Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "orgs/edit.html")]
struct EditPage {
    layout: Layout,
    id: OrgId,
    form: orgs::OrgEdit,
    sectors: Vec<SectorView>,
    kinds: [OrgKind; 9],
    errors: Errors,
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrgId>,
) -> Result<Response, PageError> {
    let form = orgs::edit_form(&state.app, &user.actor, id).await?;
    render(&EditPage {
        layout: Layout::new(&user, "/orgs", format!("修改：{}", form.name)),
        id,
        form,
        sectors: sectors::list(&state.app, &user.actor).await?,
        kinds: OrgKind::ALL,
        errors: Errors::default(),
    })
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<OrgId>,
    Form(form): Form<orgs::OrgEdit>,
) -> Result<Response, PageError> {
    match orgs::update(&state.app, &user.actor, id, &form).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/orgs/{id}"), Done::Saved)),
        Err(e) => render_invalid(&EditPage {
            layout: Layout::new(&user, "/orgs", format!("修改：{}", form.name)),
            id,
            form,
            sectors: sectors::list(&state.app, &user.actor).await?,
            kinds: OrgKind::ALL,
            errors: Errors(Some(e)),
        }),
    }
}

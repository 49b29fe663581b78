//! Youth entrepreneurship loans: the list (filtered, paged, exported, summed by bank, sector and
//! street) with the forms to record an application and a product; one application's page with the
//! step its viewer may take; the same pages for a bank's accounts, over what was recommended to
//! their bank. On the portal: the application form and the applicant's private page.

use crate::extract::{Path, Query};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use qingtuan_app::AppError;
use qingtuan_app::loans::applications::{self, Filter, LoanRow, LoanView, Loans, MyApplication, NewApplication, Tally};
use qingtuan_app::loans::pipeline::{self, Step};
use qingtuan_app::loans::products::{self, NewProduct, ProductRow, ProductTerms};
use qingtuan_app::loans::{READ, WRITE};
use qingtuan_app::page::Page;
use qingtuan_domain::ids::{LoanId, LoanProductId};
use qingtuan_domain::loan::{BusinessSector, LoanState, Repayment};

use super::portal::{form_page, form_token};
use crate::done::{self, Done};
use crate::layout::{Errors, Layout, MenuEntry, Need};
use crate::pages::{Submitted, query_without_page, render, render_invalid, xlsx_download};
use crate::{AppState, Client, CurrentUser, PageError};

/// This capability's entries in the menu: the league's list, and the bank's.
pub const MENU: &[MenuEntry] = &[
    MenuEntry { href: "/loans", label: "青创贷款", need: Need::Tree(READ) },
    MenuEntry { href: "/loans", label: "贷款审批", need: Need::Partner(READ) },
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/loans", get(list).post(record))
        .route("/loans/export.xlsx", get(export))
        .route("/loans/{id}", get(show))
        .route("/loans/{id}/act", post(act))
        .route("/loans/{id}/unmask", post(unmask))
        .route("/loan-products", post(create_product))
        .route("/loan-products/{id}", post(update_product))
        .route("/loan-products/{id}/close", post(close_product))
        .route("/portal/loans", get(portal_form).post(portal_apply))
        .route("/portal/loans/{token}", get(portal_mine))
}

#[derive(Template)]
#[template(path = "loans/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<LoanRow>,
    by_state: Vec<(String, i64)>,
    tables: [(&'static str, Vec<Tally>); 3],
    filter: Filter,
    query: String,
    states: &'static [LoanState],
    sectors: &'static [BusinessSector],
    /// Every product, closed ones too (the filter and the products' table).
    products: Vec<ProductRow>,
    /// The league's staff may record applications (the bank's accounts never).
    can_write: bool,
    form: NewApplication,
    product: NewProduct,
    errors: Errors,
}

impl ListPage {
    /// The products still offered, for the application form.
    fn offered(&self) -> Vec<ProductRow> {
        self.products.iter().filter(|p| p.closed_on.is_none()).cloned().collect()
    }
}

struct Typed {
    form: NewApplication,
    product: NewProduct,
}

async fn list_page(
    state: &AppState,
    user: &CurrentUser,
    filter: Filter,
    typed: Typed,
    errors: Errors,
) -> Result<Response, PageError> {
    let Loans { page, by_state, by_bank, by_sector, by_street } =
        applications::list(&state.app, &user.actor, &filter).await?;
    let invalid = errors.0.is_some();
    let title = if user.actor.partner.is_some() { "贷款审批" } else { "青创贷款" };
    let view = ListPage {
        layout: Layout::new(user, "/loans", title),
        query: query_without_page(&filter),
        page,
        by_state,
        tables: [("按银行", by_bank), ("按行业", by_sector), ("按街道", by_street)],
        filter,
        states: LoanState::ALL,
        sectors: BusinessSector::ALL,
        products: products::list(&state.app, &user.actor).await?,
        can_write: user.actor.can_somewhere(WRITE),
        form: typed.form,
        product: typed.product,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

fn typed() -> Typed {
    Typed { form: NewApplication::default(), product: NewProduct::default() }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    list_page(&state, &user, filter, typed(), Errors::default()).await
}

pub async fn record(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewApplication>,
) -> Result<Response, PageError> {
    match applications::record(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(id) => Ok(done::redirect(&format!("/loans/{id}"), Done::Recorded)),
        Err(e) => {
            let form = NewApplication { id_number: String::new(), ..form };
            list_page(&state, &user, Filter::default(), Typed { form, ..typed() }, Errors(Some(e))).await
        }
    }
}

pub async fn create_product(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<NewProduct>,
) -> Result<Response, PageError> {
    match products::create(&state.app, &user.actor, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect("/loans", Done::Recorded)),
        Err(e) => {
            list_page(&state, &user, Filter::default(), Typed { product: form, ..typed() }, Errors(Some(e))).await
        }
    }
}

/// Changes what a product offers, for applications from now on.
pub async fn update_product(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LoanProductId>,
    Form(terms): Form<ProductTerms>,
) -> Result<Response, PageError> {
    match products::update(&state.app, &user.actor, id, &terms).await.or_invalid()? {
        Ok(()) => Ok(done::redirect("/loans#products", Done::Saved)),
        Err(e) => list_page(&state, &user, Filter::default(), typed(), Errors(Some(e))).await,
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CloseProductForm {
    /// `yes` once the user saw what closing changes.
    confirm: String,
}

/// Stops offering a product, after a confirmation saying what that changes.
pub async fn close_product(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LoanProductId>,
    Form(form): Form<CloseProductForm>,
) -> Result<Response, PageError> {
    if form.confirm != "yes" {
        let all = products::list(&state.app, &user.actor).await?;
        let p = all.iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
        return render(&crate::pages::ConfirmPage {
            layout: Layout::new(&user, "/loans", "确认停办贷款产品"),
            message: format!(
                "停办“{}”（{}）：门户网站和登记表单不再提供该产品，已受理的申请照常办理至结束。停办后不能恢复。",
                p.name, p.bank
            ),
            action: format!("/loan-products/{id}/close"),
            fields: Vec::new(),
            button: "确认停办",
            back: "/loans#products".into(),
        });
    }
    match products::close(&state.app, &user.actor, id).await.or_invalid()? {
        Ok(()) => Ok(done::redirect("/loans#products", Done::Saved)),
        Err(e) => list_page(&state, &user, Filter::default(), typed(), Errors(Some(e))).await,
    }
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(filter): Query<Filter>,
) -> Result<Response, PageError> {
    Ok(xlsx_download("loans.xlsx", applications::export(&state.app, &user.actor, &filter).await?))
}

#[derive(Template)]
#[template(path = "loans/show.html")]
struct ShowPage {
    layout: Layout,
    v: LoanView,
    repayments: &'static [Repayment],
    errors: Errors,
}

impl ShowPage {
    fn at(&self, state: LoanState) -> bool {
        self.v.state == state
    }
}

fn show_page(user: &CurrentUser, v: LoanView, errors: Errors) -> Result<Response, PageError> {
    let invalid = errors.0.is_some();
    let view = ShowPage {
        layout: Layout::new(user, "/loans", format!("贷款申请：{}", v.row.business_name)),
        v,
        repayments: Repayment::ALL,
        errors,
    };
    if invalid { render_invalid(&view) } else { render(&view) }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LoanId>,
) -> Result<Response, PageError> {
    show_page(&user, applications::show(&state.app, &user.actor, id).await?, Errors::default())
}

pub async fn act(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LoanId>,
    Form(step): Form<Step>,
) -> Result<Response, PageError> {
    match pipeline::act(&state.app, &user.actor, id, &step).await.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/loans/{id}"), Done::Saved)),
        Err(e) => show_page(&user, applications::show(&state.app, &user.actor, id).await?, Errors(Some(e))),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct UnmaskForm {
    reason: String,
}

/// The application with the full ID number and phone, for a stated reason (audited).
pub async fn unmask(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<LoanId>,
    Form(form): Form<UnmaskForm>,
) -> Result<Response, PageError> {
    match applications::unmask(&state.app, &user.actor, id, &form.reason).await.or_invalid()? {
        Ok(v) => show_page(&user, v, Errors::default()),
        Err(e) => show_page(&user, applications::show(&state.app, &user.actor, id).await?, Errors(Some(e))),
    }
}

#[derive(Template)]
#[template(path = "portal/loan_form.html")]
struct PortalForm {
    title: &'static str,
    products: Vec<ProductRow>,
    orgs: Vec<(String, String)>,
    sectors: &'static [BusinessSector],
    csrf: String,
    form: NewApplication,
    errors: Errors,
}

async fn portal_page(
    state: &AppState,
    headers: &HeaderMap,
    form: NewApplication,
    errors: Errors,
) -> Result<Response, PageError> {
    let (csrf, set) = form_token(state, headers);
    let invalid = errors.0.is_some();
    let page = PortalForm {
        title: "申请青年创业贷款",
        products: products::offered(&state.app).await?,
        orgs: applications::portal_orgs(&state.app).await?,
        sectors: BusinessSector::ALL,
        csrf,
        form,
        errors,
    };
    form_page(&page, invalid, set)
}

pub async fn portal_form(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    portal_page(&state, &headers, NewApplication::default(), Errors::default()).await
}

#[derive(Template)]
#[template(path = "portal/loan.html")]
struct MinePage {
    title: &'static str,
    a: MyApplication,
    /// Just made: the private link to keep, and its QR code.
    link: Option<(String, String)>,
}

pub async fn portal_apply(
    State(state): State<AppState>,
    Client(client): Client,
    headers: HeaderMap,
    Form(form): Form<NewApplication>,
) -> Result<Response, PageError> {
    match applications::apply(&state.app, &client, &form).await.or_invalid()? {
        Ok(receipt) => {
            let a = applications::mine(&state.app, &receipt.token).await?;
            let path = format!("/portal/loans/{}", receipt.token);
            let link = crate::pages::share::absolute_url(&state, &headers, &path);
            let qr = crate::pages::share::qr_svg(&link)?;
            render(&MinePage { title: "贷款申请已提交", a, link: Some((link, qr)) })
        }
        Err(e) => {
            let form = NewApplication { applied_on: String::new(), ..form };
            portal_page(&state, &headers, form, Errors(Some(e))).await
        }
    }
}

pub async fn portal_mine(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, PageError> {
    render(&MinePage { title: "我的贷款申请", a: applications::mine(&state.app, &token).await?, link: None })
}

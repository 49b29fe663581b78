//! A shift's page for its organisers: sign-ups at the desk and their cancelling, people served,
//! turn-outs taken down by hand, the sign-ups' spreadsheet, the check-in screen's QR code, and a
//! call's portal link to share.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use qingtuan_app::AppError;
use qingtuan_app::portal::SignupForm;
use qingtuan_app::volunteering::calls;
use qingtuan_app::volunteering::checkin::{self, Direction, Screen};
use qingtuan_app::volunteering::{self, ShiftDetail};
use qingtuan_domain::Invalid;
use qingtuan_domain::ids::{CallId, ShiftId, ShiftSignupId, TeamId};

use super::call_page;
use crate::done::{self, Done};
use crate::extract::Path;
use crate::layout::{Errors, Layout};
use crate::pages::share::{SharePage, absolute_url, qr_svg};
use crate::pages::{ServedForm, Submitted, render, render_invalid, xlsx_download};
use crate::{AppState, CurrentUser, PageError};

pub async fn record_served(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
    Form(form): Form<ServedForm>,
) -> Result<Response, PageError> {
    let result = match form.count() {
        Ok(n) => volunteering::record_people_served(&state.app, &user.actor, id, n).await,
        Err(e) => Err(e),
    };
    match result.or_invalid()? {
        Ok(call) => Ok(done::redirect(&format!("/volunteering/calls/{call}"), Done::Saved)),
        Err(e) => {
            let call = qingtuan_app::portal::call_of_shift(&state.app, id).await?;
            render_invalid(&call_page(&state, &user, call, None, Errors(Some(e))).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "volunteering/shift.html")]
pub(super) struct ShiftPage {
    layout: Layout,
    d: ShiftDetail,
    can_write: bool,
    teams: Vec<(TeamId, String)>,
    /// A sign-up taken at the desk, as typed (kept when refused).
    form: SignupForm,
    errors: Errors,
}

pub(super) async fn shift_page(
    state: &AppState,
    user: &CurrentUser,
    id: ShiftId,
    errors: Errors,
) -> Result<ShiftPage, PageError> {
    let d = volunteering::shift_detail(&state.app, &user.actor, id).await?;
    let mut layout = Layout::new(user, "/volunteering", format!("班次：{} {}", d.on_date, d.place));
    layout.crumbs.insert(2, crate::layout::Crumb { label: d.call_title.clone(), href: None });
    let can_write = user.actor.can_somewhere(volunteering::WRITE);
    let teams = if can_write { volunteering::teams_in_scope(&state.app, &user.actor).await? } else { Vec::new() };
    Ok(ShiftPage { layout, d, can_write, teams, form: SignupForm::default(), errors })
}

/// Signs a volunteer up at the organisers' desk (one who phoned in or came by).
pub async fn sign_up_at_desk(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(shift_id): Path<ShiftId>,
    Form(form): Form<SignupForm>,
) -> Result<Response, PageError> {
    match qingtuan_app::portal::sign_up_at_desk(&state.app, &user.actor, shift_id, &form).await.or_invalid()? {
        Ok(_) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
        Err(e) => {
            let mut page = shift_page(&state, &user, shift_id, Errors(Some(e))).await?;
            page.form = form;
            render_invalid(&page)
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CancelForm {
    /// `yes` once the organiser saw whose sign-up ends.
    confirm: String,
}

/// Cancels a sign-up for the volunteer, after a confirmation naming them.
pub async fn cancel_signup(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((shift_id, signup_id)): Path<(ShiftId, ShiftSignupId)>,
    Form(form): Form<CancelForm>,
) -> Result<Response, PageError> {
    if form.confirm != "yes" {
        let d = volunteering::shift_detail(&state.app, &user.actor, shift_id).await?;
        let row = d.signups.iter().find(|r| r.id == signup_id).ok_or(AppError::NotFound)?;
        return render(&crate::pages::ConfirmPage {
            layout: Layout::new(&user, "/volunteering", "确认取消报名"),
            message: format!(
                "取消{}（{}）在 {} {} 班次的报名。名额随之空出，此人需重新报名才能参加。",
                row.name, row.phone, d.on_date, d.place
            ),
            action: format!("/volunteering/shifts/{shift_id}/signups/{signup_id}/cancel"),
            fields: Vec::new(),
            button: "确认取消报名",
            back: format!("/volunteering/shifts/{shift_id}"),
        });
    }
    match volunteering::cancel_signup(&state.app, &user.actor, signup_id).await.or_invalid()? {
        Ok(_) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Saved)),
        Err(e) => render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?),
    }
}

pub async fn shift(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
) -> Result<Response, PageError> {
    render(&shift_page(&state, &user, id, Errors::default()).await?)
}

pub async fn export_signups(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<ShiftId>,
) -> Result<Response, PageError> {
    let bytes = volunteering::export_signups(&state.app, &user.actor, id).await?;
    Ok(xlsx_download(&format!("shift-{id}-signups.xlsx"), bytes))
}

#[derive(Template)]
#[template(path = "volunteering/qr.html")]
struct QrPage {
    screen: Screen,
    svg: String,
    url: String,
}

/// The organiser's check-in screen: a QR code (and a typed code) that the page replaces every
/// 30 seconds by reloading itself.
pub async fn qr(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path((id, direction)): Path<(ShiftId, String)>,
) -> Result<Response, PageError> {
    let direction = Direction::parse(&direction).ok_or(AppError::NotFound)?;
    let screen = checkin::screen(&state.app, &user.actor, id, direction).await?;
    let url = absolute_url(&state, &headers, &format!("/portal/checkin/{}", screen.token));
    let svg = qr_svg(&url)?;
    render(&QrPage { screen, svg, url })
}

/// A call's portal link and QR code, to post in online communities or print.
pub async fn share_call(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<CallId>,
) -> Result<Response, PageError> {
    let title = calls::title(&state.app, &user.actor, id).await?;
    let url = absolute_url(&state, &headers, &format!("/portal/calls/{id}"));
    render(&SharePage { title, svg: qr_svg(&url)?, url, back: format!("/volunteering/calls/{id}") })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ByHandForm {
    check_in: String,
    check_out: String,
}

/// A sign-up's turn-out taken down by hand (no phone at the shift): its times on the shift's day.
pub async fn record_by_hand(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((shift_id, signup_id)): Path<(ShiftId, ShiftSignupId)>,
    Form(form): Form<ByHandForm>,
) -> Result<Response, PageError> {
    let parsed =
        (form.check_in.trim().parse::<chrono::NaiveTime>(), form.check_out.trim().parse::<chrono::NaiveTime>());
    let result = match parsed {
        (Ok(check_in), Ok(check_out)) => {
            let row = checkin::ByHand { signup_id, check_in, check_out };
            checkin::record_by_hand(&state.app, &user.actor, shift_id, &[row]).await.map(|_| ())
        }
        _ => Err(AppError::Invalid(Invalid::one("signups", "请填写签到、签退时间（如 08:00）"))),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
        Err(e) => render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?),
    }
}

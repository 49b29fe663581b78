//! Hours added or revoked by hand on a turn-out (an added one waits for approval), and the
//! approvals page.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::AppError;
use qingtuan_app::volunteering::{self, PendingHours};
use qingtuan_domain::Invalid;
use qingtuan_domain::ids::{AdjustmentId, ShiftId, TurnoutId};

use super::shifts::shift_page;
use crate::done::{self, Done};
use crate::extract::Path;
use crate::layout::{Errors, Layout};
use crate::pages::{Submitted, render, render_invalid};
use crate::{AppState, CurrentUser, PageError};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct HoursForm {
    /// `add` (waits for approval) or `revoke`.
    action: String,
    minutes: String,
    reason: String,
    /// `yes` once the user saw what revoking changes.
    confirm: String,
}

pub async fn adjust_hours(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((shift_id, turnout_id)): Path<(ShiftId, TurnoutId)>,
    Form(form): Form<HoursForm>,
) -> Result<Response, PageError> {
    let result = match form.minutes.trim().parse::<i64>() {
        Err(_) => Err(AppError::Invalid(Invalid::one("minutes", "时长应为整数分钟"))),
        // Revoking takes effect at once: what it changes is shown and confirmed first.
        Ok(m) if form.action == "revoke" && form.confirm != "yes" && m > 0 && !form.reason.trim().is_empty() => {
            let d = volunteering::shift_detail(&state.app, &user.actor, shift_id).await?;
            let row = d.signups.iter().find(|r| r.turnout_id == Some(turnout_id));
            if row.is_some_and(|r| m > r.minutes) {
                // More than was credited: the use-case says why, nothing to confirm.
                let e = volunteering::revoke_hours(&state.app, &user.actor, turnout_id, m, &form.reason).await;
                return match e.or_invalid()? {
                    Err(e) => render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?),
                    Ok(()) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
                };
            }
            let who = row.map_or_else(|| "该志愿者".to_owned(), |r| r.name.clone());
            let now = row.map_or(String::new(), |r| {
                format!("（现计 {} 分钟，核减后 {} 分钟）", r.minutes, (r.minutes - m).max(0))
            });
            return render(&crate::pages::ConfirmPage {
                layout: Layout::new(&user, "/volunteering", "确认核减服务时长"),
                message: format!(
                    "核减{who}在 {} {} 班次计入的服务时长 {m} 分钟{now}，原因：{}。核减立即生效，服务时长合计随之减少。",
                    d.on_date,
                    d.place,
                    form.reason.trim()
                ),
                action: format!("/volunteering/shifts/{shift_id}/turnouts/{turnout_id}/hours"),
                fields: vec![("action", form.action), ("minutes", form.minutes), ("reason", form.reason)],
                button: "确认核减",
                back: format!("/volunteering/shifts/{shift_id}"),
            });
        }
        Ok(m) if form.action == "revoke" => {
            volunteering::revoke_hours(&state.app, &user.actor, turnout_id, m, &form.reason).await
        }
        Ok(m) => volunteering::request_hours(&state.app, &user.actor, turnout_id, m, &form.reason).await.map(|_| ()),
    };
    match result.or_invalid()? {
        Ok(()) => Ok(done::redirect(&format!("/volunteering/shifts/{shift_id}"), Done::Recorded)),
        Err(e) => render_invalid(&shift_page(&state, &user, shift_id, Errors(Some(e))).await?),
    }
}

#[derive(Template)]
#[template(path = "volunteering/hours.html")]
struct HoursPage {
    layout: Layout,
    pending: Vec<PendingHours>,
    errors: Errors,
}

async fn hours_page(state: &AppState, user: &CurrentUser, errors: Errors) -> Result<HoursPage, PageError> {
    let pending = volunteering::pending_hours(&state.app, &user.actor).await?;
    Ok(HoursPage { layout: Layout::new(user, "/volunteering", "补录时长审批"), pending, errors })
}

pub async fn hours(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    render(&hours_page(&state, &user, Errors::default()).await?)
}

pub async fn decide_hours(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, decision)): Path<(AdjustmentId, String)>,
) -> Result<Response, PageError> {
    let approve = match decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::NotFound.into()),
    };
    match volunteering::decide_hours(&state.app, &user.actor, id, approve).await.or_invalid()? {
        Ok(()) => Ok(done::redirect("/volunteering/hours", Done::Saved)),
        Err(e) => render_invalid(&hours_page(&state, &user, Errors(Some(e))).await?),
    }
}

use crate::extract::Path;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use qingtuan_app::registry::sectors::{self, SectorView};

use crate::done::{self, Done};
use crate::layout::Layout;
use crate::pages::render;
use crate::{AppState, CurrentUser, PageError};

#[derive(Template)]
#[template(path = "sectors.html")]
struct SectorsPage {
    layout: Layout,
    sectors: Vec<SectorView>,
    can_write: bool,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    let settings = sectors::settings(&state.app, &user.actor).await?;
    render(&SectorsPage {
        layout: Layout::new(&user, "/sectors", "领域设置"),
        sectors: settings.sectors,
        can_write: settings.can_flag,
    })
}

#[derive(serde::Deserialize)]
pub struct SocialForm {
    social_domain: bool,
    /// Set by the confirmation page: without it nothing changes yet.
    #[serde(default)]
    confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "sector_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    i: sectors::FlagImpact,
    social_domain: bool,
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(form): Form<SocialForm>,
) -> Result<Response, PageError> {
    if form.confirm.is_none() {
        let i = sectors::flag_impact(&state.app, &user.actor, &code, form.social_domain).await?;
        let layout = Layout::new(&user, "/sectors", format!("确认修改领域：{}", i.sector.name));
        return render(&ConfirmPage { layout, i, social_domain: form.social_domain });
    }
    sectors::set_social_domain(&state.app, &user.actor, &code, form.social_domain).await?;
    Ok(done::redirect("/sectors", Done::Saved))
}

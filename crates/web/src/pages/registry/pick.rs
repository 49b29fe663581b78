//! The pickers' suggestions, read by `static/pick.js` as the user types into a field that names
//! an org, a region or a person. Each answers only what the user may see; the forms themselves
//! also take a name, a code or pinyin initials, so nothing depends on the script.

use crate::extract::Query;
use axum::Json;
use axum::extract::State;
use qingtuan_app::registry::{orgs, pick};

use crate::AppState;
use crate::extract::CurrentUser;
use crate::pages::PageError;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct Typed {
    q: String,
}

/// Active orgs of the user's scope matching the text.
pub async fn orgs(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(typed): Query<Typed>,
) -> Result<Json<Vec<pick::Choice>>, PageError> {
    Ok(Json(pick::orgs(&state.app, &user.actor, orgs::READ, &typed.q).await?))
}

/// Regions matching the text.
pub async fn regions(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(typed): Query<Typed>,
) -> Result<Json<Vec<pick::Choice>>, PageError> {
    Ok(Json(pick::regions(&state.app, &user.actor, &typed.q).await?))
}

/// People the user may read whose name or initials begin with the text, ID numbers masked.
pub async fn people(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(typed): Query<Typed>,
) -> Result<Json<Vec<pick::Choice>>, PageError> {
    Ok(Json(pick::people(&state.app, &user.actor, &typed.q).await?))
}

//! The writing API: orgs, people and posts created, changed and ended through the same use-cases
//! and checks as the pages (scoped, audited, the same Chinese field messages as JSON). A client
//! that may retry sends `Idempotency-Key`: the first request's answer is kept a day and a retry
//! with the same request gets it again, the write done once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qingtuan_app::access::idempotency::{self, Claim};
use qingtuan_app::registry::orgs::{self, NewOrg, OrgEdit};
use qingtuan_app::registry::people::{self, NewPerson};
use qingtuan_app::registry::positions::{self, NewPosition};
use qingtuan_app::{Actor, AppError};
use qingtuan_domain::ids::{OrgId, PersonId, PositionId};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{ApiPath, ErrorDto, bad_input, json_problem};
use crate::{ApiError, ApiUser, AppState};

/// A JSON body, refused with 422 and an [`ErrorDto`] when it is not JSON of the expected shape;
/// with a digest of the method, path and body for the idempotency key.
#[derive(Debug)]
pub(super) struct ApiJson<T> {
    pub(super) value: T,
    pub(super) digest: String,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let what = format!("{} {}", req.method(), req.uri().path());
        let bytes = Bytes::from_request(req, state).await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => crate::error::too_large(true),
            _ => bad_input("body", "请求体读取失败").into_response(),
        })?;
        if !json {
            return Err(bad_input("body", "请求体应为 JSON（Content-Type: application/json）").into_response());
        }
        let value = serde_json::from_slice(&bytes).map_err(|e| bad_input("body", &json_problem(&e)).into_response())?;
        let digest = qingtuan_app::crypto::sha256_hex(&format!("{what}\n{}", String::from_utf8_lossy(&bytes)));
        Ok(Self { value, digest })
    }
}

/// A write that takes no body (`POST …/close`), with the digest of its method and path for the
/// idempotency key — what [`ApiJson`] gives for an empty body.
#[derive(Debug)]
pub(super) struct Bodiless {
    pub(super) digest: String,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Bodiless {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let what = format!("{} {}", parts.method, parts.uri.path());
        Ok(Self { digest: qingtuan_app::crypto::sha256_hex(&format!("{what}\n")) })
    }
}

/// Runs a write once per idempotency key (when the request has one): a retry of the same request
/// gets the kept answer; the key reused for another request is refused (422), and while the
/// first request runs, 409. Under a key the write and the keeping of its answer run to their end
/// even when the client goes away meanwhile, so its retry gets the answer rather than writing
/// again (only a server stopped between the two leaves the key to be given up after a minute).
/// `write` gets its own handles on the state and the actor: the write outlives the request.
pub(super) async fn once<F, W>(state: &AppState, actor: &Actor, headers: &HeaderMap, digest: &str, write: F) -> Response
where
    F: FnOnce(AppState, Actor) -> W,
    W: Future<Output = Result<(StatusCode, Value), ApiError>> + Send + 'static,
{
    let write = write(state.clone(), actor.clone());
    let key = headers.get("idempotency-key").map(|v| v.to_str().unwrap_or("\u{1}").to_owned());
    let Some(key) = key else {
        return answer(write.await);
    };
    match idempotency::claim(&state.app, actor, &key, digest).await {
        Err(e) => ApiError(e).into_response(),
        Ok(Claim::Replay(status, body)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            (status, [("idempotent-replayed", "true")], Json(body)).into_response()
        }
        Ok(Claim::First) => {
            let (app, actor) = (state.app.clone(), actor.clone());
            let kept = tokio::spawn(async move {
                let (status, body) = match write.await {
                    Ok(done) => done,
                    Err(e) => e.parts(),
                };
                idempotency::finish(&app, &actor, &key, status.as_u16(), &body.to_string()).await?;
                Ok::<_, AppError>((status, body))
            });
            match kept.await {
                Ok(Ok((status, body))) => (status, Json(body)).into_response(),
                Ok(Err(e)) => ApiError(e).into_response(),
                Err(e) => ApiError(AppError::Internal(format!("write task failed: {e}"))).into_response(),
            }
        }
    }
}

fn answer(result: Result<(StatusCode, Value), ApiError>) -> Response {
    match result {
        Ok((status, body)) => (status, Json(body)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// An org as created or changed.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct OrgWritten {
    id: i64,
    code: String,
    name: String,
}

async fn org_written(state: &AppState, actor: &Actor, id: OrgId) -> Result<(StatusCode, Value), ApiError> {
    let o = orgs::show(&state.app, actor, id).await?;
    Ok((StatusCode::OK, json!(OrgWritten { id: id.0, code: o.code, name: o.name })))
}

/// A new org.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NewOrgDto {
    code: String,
    name: String,
    /// `district_committee`, `working_committee`, `branch`, …
    kind: String,
    /// The parent: its code, or a name only one org of the caller's scope bears.
    parent: String,
    /// A sector code (`/sectors`), or empty.
    sector: String,
    /// A region: its code or its name, or empty.
    region: String,
    /// `unit` (default), `area` or `industry`.
    basis: String,
    /// `YYYY-MM-DD`; empty: unknown.
    founded_on: String,
}

/// Creates an org under a parent the caller may write (orgs.write).
#[utoipa::path(post, path = "/api/v1/orgs", request_body = NewOrgDto, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 201, body = OrgWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn create_org(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    body: ApiJson<NewOrgDto>,
) -> Response {
    let d = body.value;
    let form = NewOrg {
        code: d.code,
        name: d.name,
        kind: d.kind,
        parent_code: d.parent,
        sector_code: d.sector,
        region_code: d.region,
        basis: d.basis,
        founded_on: d.founded_on,
        ..NewOrg::default()
    };
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let id = orgs::create(&state.app, &actor, &form).await?;
        let (_, written) = org_written(&state, &actor, id).await?;
        Ok((StatusCode::CREATED, written))
    })
    .await
}

/// What an org's record says, changed.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct OrgEditDto {
    name: String,
    kind: String,
    sector: String,
    region: String,
    basis: String,
    founded_on: String,
}

/// Changes an org's record (orgs.write over it); every field is given, as the edit page sends it.
#[utoipa::path(put, path = "/api/v1/orgs/{code}", request_body = OrgEditDto, security(("bearer" = [])),
    params(("code" = String, Path, description = "The org's code"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 200, body = OrgWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn update_org(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    body: ApiJson<OrgEditDto>,
) -> Response {
    let d = body.value;
    let form = OrgEdit {
        name: d.name,
        kind: d.kind,
        sector_code: d.sector,
        region_code: d.region,
        basis: d.basis,
        founded_on: d.founded_on,
    };
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let id = orgs::id_of(&state.app, &actor, &code).await?;
        orgs::update(&state.app, &actor, id, &form).await?;
        org_written(&state, &actor, id).await
    })
    .await
}

/// Dissolving an org.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DissolveDto {
    /// `YYYY-MM-DD`: the first day it no longer exists.
    on: String,
    /// Dissolve its sub-organisations too and end the posts held in them.
    with_subtree: bool,
}

/// Dissolves an org on a date (orgs.write over it).
#[utoipa::path(post, path = "/api/v1/orgs/{code}/dissolve", request_body = DissolveDto, security(("bearer" = [])),
    params(("code" = String, Path, description = "The org's code"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 200, body = OrgWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn dissolve_org(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    body: ApiJson<DissolveDto>,
) -> Response {
    let d = body.value;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let on = qingtuan_app::forms::parse_date("on", &d.on)
            .map_err(|e| AppError::Invalid(qingtuan_domain::Invalid(vec![e])))?
            .ok_or_else(|| AppError::Invalid(qingtuan_domain::Invalid::one("on", "请填写撤销日期")))?;
        let id = orgs::id_of(&state.app, &actor, &code).await?;
        orgs::dissolve(&state.app, &actor, id, on, d.with_subtree).await?;
        org_written(&state, &actor, id).await
    })
    .await
}

/// A person, as the people form and import take them.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PersonDto {
    name: String,
    /// Optional; gives gender and birth date.
    id_number: String,
    /// `male` or `female`; needed without an ID number.
    gender: String,
    birth_on: String,
    phone: String,
    /// `league_member` (default), `party_member`, …
    political_status: String,
    member_since: String,
    /// A region's code or name.
    region: String,
    /// The first post (required of a caller who does not read everyone).
    post: Option<PostDto>,
}

impl PersonDto {
    fn person(&self) -> NewPerson {
        NewPerson {
            name: self.name.clone(),
            gender: self.gender.clone(),
            birth_on: self.birth_on.clone(),
            id_number: self.id_number.clone(),
            phone: self.phone.clone(),
            member_since: self.member_since.clone(),
            political_status: self.political_status.clone(),
            region_code: self.region.clone(),
        }
    }
}

/// A post. The person is named by ID number, as "name #id", or by `person_id`.
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PostDto {
    person_id: Option<i64>,
    /// The person's ID number (or "姓名 #编号"), when `person_id` is not given.
    person: String,
    /// The org: its code or a name of the caller's scope.
    org: String,
    /// `secretary`, `deputy_secretary`, `member`, `director`, `staff`
    title: String,
    /// `full_time`, `part_time`, `seconded`, `social_worker`, `volunteer_core`
    employment: String,
    source: String,
    serving_level: String,
    start_on: String,
    end_on: String,
}

impl PostDto {
    fn post(&self) -> NewPosition {
        NewPosition {
            id_number: self.person.clone(),
            org_code: self.org.clone(),
            title: self.title.clone(),
            employment: self.employment.clone(),
            source: self.source.clone(),
            serving_level: self.serving_level.clone(),
            start_on: self.start_on.clone(),
            end_on: self.end_on.clone(),
            ..NewPosition::default()
        }
    }
}

/// A person as registered or changed: the id, the name.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PersonWritten {
    id: i64,
    name: String,
}

/// Registers a person, with a first post in the same transaction (people.write).
#[utoipa::path(post, path = "/api/v1/people", request_body = PersonDto, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 201, body = PersonWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn create_person(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    body: ApiJson<PersonDto>,
) -> Response {
    let d = body.value;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let post = d.post.as_ref().map(PostDto::post).unwrap_or_default();
        let id = people::register(&state.app, &actor, &d.person(), &post).await?;
        Ok((StatusCode::CREATED, json!(PersonWritten { id: id.0, name: d.name.trim().to_owned() })))
    })
    .await
}

/// Corrects a person's record (people.write over them); an ID number or phone left empty stays.
#[utoipa::path(put, path = "/api/v1/people/{id}", request_body = PersonDto, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 200, body = PersonWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn update_person(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<PersonId>,
    headers: HeaderMap,
    body: ApiJson<PersonDto>,
) -> Response {
    let d = body.value;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        people::update(&state.app, &actor, id, &d.person()).await?;
        Ok((StatusCode::OK, json!(PersonWritten { id: id.0, name: d.name.trim().to_owned() })))
    })
    .await
}

/// A post as recorded.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct PostWritten {
    org: String,
    title: String,
    start_on: String,
}

/// Records a post (people.write over its org), with the checks of 记录任职 and the import.
#[utoipa::path(post, path = "/api/v1/posts", request_body = PostDto, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 201, body = PostWritten), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn create_post(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    headers: HeaderMap,
    body: ApiJson<PostDto>,
) -> Response {
    let d = body.value;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let code = positions::create_named(&state.app, &actor, d.person_id.map(PersonId), &d.post()).await?;
        Ok((
            StatusCode::CREATED,
            json!(PostWritten { org: code, title: d.title.clone(), start_on: d.start_on.clone() }),
        ))
    })
    .await
}

/// Ending a post.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EndPostDto {
    /// `YYYY-MM-DD`: the first day the post no longer holds.
    end_on: String,
}

/// Ends a post (people.write over its org).
#[utoipa::path(post, path = "/api/v1/posts/{id}/end", request_body = EndPostDto, security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and request answer the same once")),
    responses((status = 200, body = EndPostDto), (status = 401, body = ErrorDto), (status = 403, body = ErrorDto),
    (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto), (status = 503, body = ErrorDto)))]
pub(super) async fn end_post(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiPath(id): ApiPath<PositionId>,
    headers: HeaderMap,
    body: ApiJson<EndPostDto>,
) -> Response {
    let d = body.value;
    once(&state, &actor, &headers, &body.digest, move |state, actor| async move {
        let on = qingtuan_app::forms::parse_date("end_on", &d.end_on)
            .map_err(|e| AppError::Invalid(qingtuan_domain::Invalid(vec![e])))?
            .ok_or_else(|| AppError::Invalid(qingtuan_domain::Invalid::one("end_on", "请填写离任日期")))?;
        positions::end(&state.app, &actor, id, on).await?;
        Ok((StatusCode::OK, json!({ "end_on": on.to_string() })))
    })
    .await
}

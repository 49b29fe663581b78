//! The one mapping from use-case errors to HTTP. Pages and the API render the same statuses, as
//! an HTML page or as JSON. 5xx are logged with their cause and a reference, never shown.

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use qingtuan_app::AppError;
use qingtuan_app::db::Failure;

/// When a busy server asks clients to come back.
pub const BUSY_RETRY_AFTER_SECS: u64 = 2;

/// Status and the Chinese message users see, for every error.
fn status_and_message(err: &AppError) -> (StatusCode, String) {
    match err {
        AppError::Invalid(invalid) => (StatusCode::UNPROCESSABLE_ENTITY, invalid.to_string()),
        AppError::Rows(rows) => {
            let first: Vec<String> =
                rows.iter().take(20).map(|r| format!("第 {} 行“{}”：{}", r.row, r.column, r.message)).collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("共 {} 处错误，未写入任何数据。{}", rows.len(), first.join("；")),
            )
        }
        AppError::NotFound => (StatusCode::NOT_FOUND, "页面不存在，或不在您的数据范围内".into()),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "您没有此操作的权限".into()),
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "请先登录".into()),
        AppError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "尝试过于频繁，请稍后再试".into()),
        AppError::Conflict(message) => (StatusCode::CONFLICT, message.clone()),
        AppError::Busy | AppError::StorageUnavailable | AppError::Db(_) if err.failure() == Some(Failure::Busy) => {
            tracing::warn!(error = %err, "busy: answered 503");
            (StatusCode::SERVICE_UNAVAILABLE, "系统繁忙，本次操作未完成，请稍后再试".into())
        }
        AppError::StorageUnavailable | AppError::Db(_) if err.failure() == Some(Failure::Storage) => {
            tracing::error!(error = %err, source = ?std::error::Error::source(err), "storage failure: answered 503");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "数据库暂时无法写入（磁盘已满或存储故障），本次操作未保存；请联系系统管理员".into(),
            )
        }
        AppError::Busy | AppError::StorageUnavailable | AppError::Db(_) | AppError::Internal(_) => {
            let reference = qingtuan_app::crypto::random_token().chars().take(8).collect::<String>();
            tracing::error!(error = %err, source = ?std::error::Error::source(err), %reference, "request failed");
            (StatusCode::INTERNAL_SERVER_ERROR, format!("系统出错，请稍后再试（参考编号 {reference}）"))
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    message: String,
}

#[derive(Template)]
#[template(path = "portal/error.html")]
struct PublicErrorPage {
    status: u16,
    message: &'static str,
}

/// An error page of the public portal, worded for the public.
pub fn public_error_page(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::GONE => "这个活动或招募已经结束或撤下了。",
        StatusCode::METHOD_NOT_ALLOWED => "这个地址不能直接打开，请从页面上的链接或按钮进入。",
        _ => "没有找到这个页面，链接可能有误或已失效。",
    };
    let page = PublicErrorPage { status: status.as_u16(), message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, page.message).into_response(),
    }
}

/// An error on a page: unauthenticated users go to the login page, everything else gets a page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, AppError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let (status, message) = status_and_message(&self.0);
        with_retry_after(&self.0, error_page(status, message))
    }
}

/// Tells a throttled or busy client when to come back.
fn with_retry_after(err: &AppError, mut res: Response) -> Response {
    let wait = match err {
        AppError::TooManyRequests { retry_after_secs } => Some(*retry_after_secs),
        _ if err.failure() == Some(Failure::Busy) => Some(BUSY_RETRY_AFTER_SECS),
        _ => None,
    };
    if let Some(wait) = wait
        && let Ok(v) = wait.to_string().parse()
    {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    res
}

pub fn error_page(status: StatusCode, message: String) -> Response {
    let page = ErrorPage { status: status.as_u16(), message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, page.message).into_response(),
    }
}

/// A body over the size limit, said in Chinese: as JSON to the API, as a page otherwise.
pub fn too_large(api: bool) -> Response {
    let mb = |bytes: usize| bytes >> 20;
    let message = format!(
        "提交的内容过大：请求体不能超过 {} MB（导入文件 {} MB，附件 {} MB）",
        mb(crate::BODY_LIMIT),
        mb(crate::IMPORT_BODY_LIMIT),
        mb(qingtuan_domain::accountability::MAX_DOCUMENT_BYTES)
    );
    if api {
        let body = serde_json::json!({ "error": message, "fields": [] });
        return (StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response();
    }
    error_page(StatusCode::PAYLOAD_TOO_LARGE, message)
}

/// An error in the JSON API: `{"error": "…", "fields": [...]}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl ApiError {
    /// The status and the JSON body the error answers with.
    pub fn parts(&self) -> (StatusCode, serde_json::Value) {
        let (status, message) = status_and_message(&self.0);
        let fields = match &self.0 {
            AppError::Invalid(invalid) => serde_json::to_value(&invalid.0).unwrap_or_default(),
            _ => serde_json::Value::Array(Vec::new()),
        };
        (status, serde_json::json!({ "error": message, "fields": fields }))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.parts();
        with_retry_after(&self.0, (status, Json(body)).into_response())
    }
}

//! Links to share: this server's address as the request reached it, a QR code of a link, and the
//! page that shows both for printing or posting (calls, activities, the second factor's key).

use askama::Template;
use axum::http::{HeaderMap, header};
use qingtuan_app::AppError;

use crate::AppState;
use crate::middleware::is_secure;

/// This server's address as the request reached it, for links printed or shown as QR codes.
pub fn absolute_url(state: &AppState, headers: &HeaderMap, path: &str) -> String {
    let scheme = if is_secure(state, headers) { "https" } else { "http" };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("{scheme}://{host}{path}")
}

/// A QR code of `text` as inline SVG.
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let svg = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| AppError::Internal(e.to_string()))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(320, 320)
        .build();
    Ok(svg.find("<svg").map(|i| svg[i..].to_owned()).unwrap_or(svg))
}

#[derive(Template)]
#[template(path = "volunteering/share.html")]
pub struct SharePage {
    pub title: String,
    pub url: String,
    pub svg: String,
    pub back: String,
}

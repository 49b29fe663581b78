//! A one-time message after an action ("已记录任职"): the action's redirect carries what was done,
//! a short-lived cookie holds its code (never text from input), the next page shows its message
//! once and the cookie is cleared.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::middleware::{cookie, is_secure, set_cookie};

const COOKIE: &str = "qt_done";

macro_rules! done {
    ($($variant:ident => $code:literal, $message:literal;)*) => {
        /// What an action did, as the next page says it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Done { $($variant),* }

        impl Done {
            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }

            pub fn message(self) -> &'static str {
                match self { $(Self::$variant => $message),* }
            }

            fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

done! {
    Saved => "saved", "已保存";
    Created => "created", "已创建";
    Recorded => "recorded", "已登记";
    Published => "published", "已发布";
    PositionRecorded => "position", "已记录任职";
    PositionEnded => "ended", "已记录离任";
    Dissolved => "dissolved", "已撤销";
    Moved => "moved", "已调整上级组织（连同下级组织）";
    Merged => "merged", "已合并";
    Revoked => "revoked", "已撤销";
    Removed => "removed", "已删除";
    Disbanded => "disbanded", "已解散";
    Closed => "closed", "已关闭";
    PasswordChanged => "password", "密码已修改；您在其他设备上的会话已结束";
}

/// The message the page being shown carries, if the request came from an action.
#[derive(Debug, Clone, Copy)]
pub struct Shown(pub Done);

/// A 303 to `path` whose page then says `done`.
pub fn redirect(path: &str, done: Done) -> Response {
    let mut res = Redirect::to(path).into_response();
    res.extensions_mut().insert(done);
    res
}

/// Turns a redirect's `Done` into the cookie, hands the cookie's message to the next page, and
/// clears it once a page has shown it.
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let shown = cookie(req.headers(), COOKIE).and_then(|c| Done::parse(&c));
    let secure = is_secure(&state, req.headers());
    if let Some(d) = shown {
        req.extensions_mut().insert(Shown(d));
    }
    let mut res = next.run(req).await;
    let set = match res.extensions().get::<Done>() {
        Some(d) => Some(set_cookie(secure, COOKIE, d.code(), Some(60))),
        None if shown.is_some() && res.status() == StatusCode::OK => Some(set_cookie(secure, COOKIE, "", Some(0))),
        None => None,
    };
    if let Some(v) = set.and_then(|c| c.parse().ok()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

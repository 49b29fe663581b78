use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A browser: a cookie jar and the CSRF token of the last page it saw.
#[derive(Debug, Clone)]
pub struct TestClient {
    router: Router,
    cookies: Arc<Mutex<Vec<(String, String)>>>,
    csrf: Arc<Mutex<Option<String>>>,
    /// Extra headers sent with every request (e.g. X-Forwarded-Proto).
    pub headers: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
    }

    /// The text of the first element after `id="…"` up to the next `<`: a value the page shows.
    pub fn text_of_id(&self, id: &str) -> Option<String> {
        let html = self.text();
        let start = html.find(&format!("id=\"{id}\""))?;
        let rest = &html[start..];
        let open_end = rest.find('>')? + 1;
        let close = rest[open_end..].find('<')?;
        Some(rest[open_end..open_end + close].trim().to_owned())
    }
}

fn extract_csrf(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

impl TestClient {
    pub fn new(router: Router) -> Self {
        Self { router, cookies: Arc::default(), csrf: Arc::default(), headers: Vec::new() }
    }

    /// The value of one of our cookies, if set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("jar").iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// The first of our cookies whose name starts with `prefix`, name and value.
    pub fn cookie_starting_with(&self, prefix: &str) -> Option<(String, String)> {
        self.cookies.lock().expect("jar").iter().find(|(k, _)| k.starts_with(prefix)).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        let mut jar = self.cookies.lock().expect("jar");
        jar.retain(|(k, _)| k != name);
        jar.push((name.into(), value.into()));
    }

    pub fn csrf(&self) -> Option<String> {
        self.csrf.lock().expect("csrf").clone()
    }

    pub async fn request(&self, mut req: Request<Body>) -> TestResponse {
        let cookie_header: Vec<String> =
            self.cookies.lock().expect("jar").iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !cookie_header.is_empty() {
            req.headers_mut().insert("cookie", cookie_header.join("; ").parse().expect("cookie header"));
        }
        for (k, v) in &self.headers {
            req.headers_mut()
                .insert(axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"), v.parse().expect("value"));
        }
        req.headers_mut().entry("host").or_insert("localhost".parse().expect("host"));
        req.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))));
        let res = self.router.clone().oneshot(req).await.expect("router never fails");
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("read body").to_bytes();
        let res = TestResponse { status: parts.status.as_u16(), headers: parts.headers, body };
        self.absorb(&res);
        res
    }

    fn absorb(&self, res: &TestResponse) {
        let mut jar = self.cookies.lock().expect("jar");
        for c in res.set_cookies() {
            let first = c.split(';').next().unwrap_or_default();
            if let Some((k, v)) = first.split_once('=') {
                jar.retain(|(name, _)| name != k);
                let expired = c.contains("Max-Age=0");
                if !expired {
                    jar.push((k.to_owned(), v.to_owned()));
                }
            }
        }
        if let Some(token) = extract_csrf(&res.text()) {
            *self.csrf.lock().expect("csrf") = Some(token);
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Request::get(path).body(Body::empty()).expect("request")).await
    }

    /// Posts a form with the CSRF token of the last page seen.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let token = self.csrf().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields, with no CSRF token added.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).expect("encode form");
        let req = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.request(req).await
    }

    /// Posts a multipart form (an upload) with the CSRF token of the last page seen.
    pub async fn post_multipart(&self, path: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> TestResponse {
        let boundary = "----qingtuan-test-boundary";
        let mut body: Vec<u8> = Vec::new();
        let token = self.csrf().unwrap_or_default();
        for (name, value) in std::iter::once(("_csrf", token.as_str())).chain(fields.iter().copied()) {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        let (name, filename, bytes) = file;
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(path)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .expect("request");
        self.request(req).await
    }

    pub async fn get_with_bearer(&self, path: &str, token: &str) -> TestResponse {
        let req =
            Request::get(path).header("authorization", format!("Bearer {token}")).body(Body::empty()).expect("request");
        self.request(req).await
    }

    /// Sends `body` as JSON with `method` and a bearer token, and any extra headers.
    pub async fn json_with_bearer(
        &self,
        method: &str,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: &serde_json::Value,
    ) -> TestResponse {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.request(req.body(Body::from(body.to_string())).expect("request")).await
    }

    /// Opens the login page (for its CSRF cookie) and submits the form.
    pub async fn login(&self, username: &str, password: &str) -> TestResponse {
        let page = self.get("/login").await;
        assert_eq!(page.status, 200);
        self.post("/login", &[("username", username), ("password", password)]).await
    }
}

//! What the integration tests share beyond the test kit: valid identifiers, and posting a form the
//! way a browser does (the page first, for its CSRF token).

use qingtuan_testkit::{TestClient, TestResponse};

/// A valid ID number of someone born on `birth` (yyyymmdd), with sequence `seq`.
pub fn id_number(birth: &str, seq: u32) -> String {
    let first17 = format!("370214{birth}{seq:03}");
    let check = qingtuan_domain::person::check_char(&first17).expect("check digit");
    format!("{first17}{check}")
}

/// A valid unified social credit code from its first 17 characters.
pub fn credit_code(first17: &str) -> String {
    format!("{first17}{}", qingtuan_domain::partner::credit_check_char(first17).expect("check"))
}

/// Opens `page`, then posts `fields` to `action`.
pub async fn post_form(client: &TestClient, page: &str, action: &str, fields: &[(&str, &str)]) -> TestResponse {
    client.get(page).await;
    client.post(action, fields).await
}

/// `s` as a URL's query value.
pub fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

//! The outbox's worker: claims the messages that are due — each under a lease, so two workers or
//! two servers never send the same message at once — sends each through the channel, and records
//! the outcome: sent; or due again after a back-off (30 s, 1 min, 2 min … at most an hour) until
//! the attempts run out, then failed, for staff to see and send again.
//!
//! A worker that stops mid-send (a crash, a restart) leaves its message claimed; once the lease
//! runs out another sends it again with the same idempotency key (`qingtuan-{id}`: the webhook's
//! `Idempotency-Key` header, the e-mail's `Message-ID`), so the gateway delivers it once.
//!
//! Channels (configuration `[messages]`): `log` (the default: the message is written to the log,
//! for the demo), `webhook` (an HTTP POST of JSON to the district's SMS gateway or WeChat template
//! relay), `smtp` (a mail relay that the district runs, e.g. the local MTA, which carries mail to
//! an e-mail-to-SMS gateway; the relay does TLS and onward delivery).

use qingtuan_domain::ids::MessageId;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use qingtuan_domain::mask::mask_phone;
use qingtuan_domain::message::{MessageKind, MessageState};
use qingtuan_entity::outbox_message;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::App;
use crate::error::AppResult;

/// Where messages go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Channel {
    /// Written to the log (the demo's, and the default).
    #[default]
    Log,
    /// POSTed as JSON `{"id", "kind", "to", "text"}` with an `Idempotency-Key` header, and a bearer
    /// token when one is configured; any 2xx answer is delivery.
    Webhook { url: String, token: Option<String> },
    /// Mailed through a relay (`host:port`, no TLS: a relay the district runs), from `from` to
    /// `to` with `{phone}` replaced by the recipient's number.
    Smtp { relay: String, from: String, to: String },
}

/// The worker's settings.
#[derive(Debug, Clone)]
pub struct Sender {
    pub channel: Channel,
    /// The server's public address, for the opt-out link each message carries (none: no link).
    pub public_url: Option<String>,
    /// Attempts before a message is given up as failed.
    pub max_attempts: i32,
    /// How long a claimed message is left to its worker before another may send it.
    pub lease: TimeDelta,
}

impl Default for Sender {
    fn default() -> Self {
        Self { channel: Channel::Log, public_url: None, max_attempts: 6, lease: TimeDelta::minutes(2) }
    }
}

/// The wait after a failed attempt (1-based): 30 s doubling, at most an hour.
pub fn back_off(attempt: i32) -> TimeDelta {
    let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(7);
    TimeDelta::seconds((30_i64 << doublings).min(3600))
}

/// What a due message is sent as.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: MessageId,
    pub kind: MessageKind,
    pub to: String,
    pub text: String,
}

impl Delivery {
    pub fn idempotency_key(&self) -> String {
        format!("qingtuan-{}", self.id)
    }
}

impl Sender {
    /// The channel's name, for the log (never its token).
    pub fn channel_name(&self) -> &'static str {
        match self.channel {
            Channel::Log => "log",
            Channel::Webhook { .. } => "webhook",
            Channel::Smtp { .. } => "smtp",
        }
    }

    /// Sends every message due now, once each; how many were sent.
    pub async fn run_once(&self, app: &App) -> AppResult<usize> {
        let due = outbox_message::Entity::find()
            .filter(due(app.now()))
            .order_by_asc(outbox_message::Column::Id)
            .limit(20)
            .all(&app.db)
            .await?;
        let mut sent = 0;
        for m in due {
            let Some(token) = self.claim(app, m.id).await? else { continue };
            let outcome = match app.keys.decrypt(&m.to_enc) {
                Ok(to) => {
                    let kind = MessageKind::of_code(&m.kind).unwrap_or(MessageKind::SignupConfirmed);
                    self.send(&Delivery { id: MessageId(m.id), kind, to, text: self.text(app, &m) }).await
                }
                // Sealed under another key (a restore with another secret): never deliverable.
                Err(_) => Err(UNREADABLE.to_owned()),
            };
            let attempts = m.attempts + 1;
            let mut done = outbox_message::Entity::update_many()
                .col_expr(outbox_message::Column::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(outbox_message::Column::LeaseToken, Expr::value(Option::<String>::None));
            done = match &outcome {
                Ok(()) => {
                    sent += 1;
                    done.col_expr(outbox_message::Column::State, Expr::value(MessageState::Sent.code()))
                        .col_expr(outbox_message::Column::SentAt, Expr::value(app.now()))
                        .col_expr(outbox_message::Column::LastError, Expr::value(Option::<String>::None))
                }
                Err(e) => {
                    tracing::warn!(message = m.id, attempts, error = %e, "message not delivered");
                    let give_up = attempts >= self.max_attempts || e == UNREADABLE;
                    let state = if give_up { MessageState::Failed } else { MessageState::Pending };
                    let error: String = e.chars().take(480).collect();
                    done.col_expr(outbox_message::Column::State, Expr::value(state.code()))
                        .col_expr(outbox_message::Column::NextAt, Expr::value(app.now() + back_off(attempts)))
                        .col_expr(outbox_message::Column::LastError, Expr::value(error))
                }
            };
            // Recorded by the claim's holder only: a worker whose lease ran out has lost it.
            done.filter(outbox_message::Column::Id.eq(m.id))
                .filter(outbox_message::Column::State.eq(MessageState::Sending.code()))
                .filter(outbox_message::Column::LeaseToken.eq(token))
                .exec(app.writer())
                .await?;
        }
        Ok(sent)
    }

    /// Takes the message for this worker, if nobody holds it: its attempts counted, leased from
    /// now; the claim's token, or `None`.
    async fn claim(&self, app: &App, id: i64) -> AppResult<Option<String>> {
        let now = app.now();
        let token = crate::crypto::random_token().chars().take(32).collect::<String>();
        let claimed = outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::State, Expr::value(MessageState::Sending.code()))
            .col_expr(outbox_message::Column::LeaseUntil, Expr::value(now + self.lease))
            .col_expr(outbox_message::Column::LeaseToken, Expr::value(token.clone()))
            .col_expr(
                outbox_message::Column::Attempts,
                sea_orm::sea_query::ExprTrait::add(Expr::col(outbox_message::Column::Attempts), 1),
            )
            .filter(outbox_message::Column::Id.eq(id))
            .filter(due(now))
            .exec(app.writer())
            .await?;
        Ok((claimed.rows_affected == 1).then_some(token))
    }

    /// The message's text, with its opt-out link when the server's address is known.
    fn text(&self, app: &App, m: &outbox_message::Model) -> String {
        match (&self.public_url, MessageKind::of_code(&m.kind)) {
            (Some(base), Some(kind)) => {
                let token = super::opt_out_token(app, &m.to_hash, kind);
                format!("{} 退订此类消息：{}/portal/messages/{token}", m.body, base.trim_end_matches('/'))
            }
            _ => m.body.clone(),
        }
    }

    async fn send(&self, d: &Delivery) -> Result<(), String> {
        match &self.channel {
            Channel::Log => {
                // Not the text: it names people and carries check-in codes.
                let chars = d.text.chars().count();
                tracing::info!(message = d.id.0, kind = d.kind.code(), to = %mask_phone(&d.to), chars, "message");
                Ok(())
            }
            Channel::Webhook { url, token } => webhook(url, token.as_deref(), d).await,
            Channel::Smtp { relay, from, to } => smtp(relay, from, &to.replace("{phone}", &d.to), d).await,
        }
    }

    /// Sends what is due every few seconds and queues the day-before reminders and the
    /// rectification deadlines every ten minutes, until the app's stop is signalled.
    pub fn spawn(self, app: App, stop: std::sync::Arc<tokio::sync::Notify>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut round: u64 = 0;
            loop {
                if round.is_multiple_of(120) {
                    if let Err(e) = super::reminders::enqueue_due(&app).await {
                        tracing::warn!(error = %e, "reminders not queued");
                    }
                    if let Err(e) = super::rectifications::enqueue_due(&app).await {
                        tracing::warn!(error = %e, "rectification reminders not queued");
                    }
                }
                if let Err(e) = self.run_once(&app).await {
                    tracing::warn!(error = %e, "outbox round failed");
                }
                round += 1;
                tokio::select! {
                    () = stop.notified() => break,
                    () = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        })
    }
}

/// Why a message is given up at once: its recipient cannot be read with this server's key.
const UNREADABLE: &str = "接收号码无法解密（数据是用另一把密钥加密的），已停止发送";

/// Due on `now`: waiting and due, or claimed by a worker whose lease ran out.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(outbox_message::Column::State.eq(MessageState::Pending.code()))
                .add(outbox_message::Column::NextAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(outbox_message::Column::State.eq(MessageState::Sending.code()))
                .add(outbox_message::Column::LeaseUntil.lt(now)),
        )
}

async fn webhook(url: &str, token: Option<&str>, d: &Delivery) -> Result<(), String> {
    let (url, token) = (url.to_owned(), token.map(str::to_owned));
    let body = serde_json::json!({ "id": d.idempotency_key(), "kind": d.kind.code(), "to": d.to, "text": d.text });
    let key = d.idempotency_key();
    tokio::task::spawn_blocking(move || {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(15)).redirects(0).build();
        let mut request = agent.post(&url).set("Idempotency-Key", &key);
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        match request.send_json(body) {
            Ok(res) if (200..300).contains(&res.status()) => Ok(()),
            Ok(res) => Err(format!("网关返回 {}（不是 2xx）", res.status())),
            Err(ureq::Error::Status(code, res)) => {
                let text: String = res.into_string().unwrap_or_default().chars().take(200).collect();
                Err(format!("网关返回 {code}：{text}"))
            }
            // The kind of failure, not its text: that would carry the URL and whatever is in it.
            Err(ureq::Error::Transport(t)) => Err(format!("无法连接网关：{}", t.kind())),
        }
    })
    .await
    .map_err(|e| e.to_string())?
}

/// One mail through the relay: EHLO, MAIL FROM, RCPT TO, DATA, QUIT, each reply checked.
async fn smtp(relay: &str, from: &str, to: &str, d: &Delivery) -> Result<(), String> {
    use base64::Engine;
    let talk = async {
        let stream = tokio::net::TcpStream::connect(relay).await.map_err(|e| format!("无法连接邮件中继：{e}"))?;
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut expect = async |code: &str| -> Result<(), String> {
            loop {
                let line = lines.next_line().await.map_err(|e| e.to_string())?.ok_or("邮件中继断开了连接")?;
                // A multi-line reply continues with `250-`, ends with `250 `.
                if line.as_bytes().get(3) == Some(&b'-') {
                    continue;
                }
                return if line.starts_with(code) { Ok(()) } else { Err(format!("邮件中继：{line}")) };
            }
        };
        expect("220").await?;
        let subject = base64::engine::general_purpose::STANDARD.encode(d.kind.label());
        // Base64 in lines of 76 (RFC 2045), well under SMTP's 998.
        let encoded = base64::engine::general_purpose::STANDARD.encode(&d.text);
        let body: Vec<&str> = encoded.as_bytes().chunks(76).filter_map(|c| std::str::from_utf8(c).ok()).collect();
        let body = body.join("\r\n");
        let data = format!(
            "From: <{from}>\r\nTo: <{to}>\r\nSubject: =?UTF-8?B?{subject}?=\r\nMessage-ID: <{}@qingtuan>\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n.\r\n",
            d.idempotency_key()
        );
        for (command, code) in [
            ("EHLO qingtuan\r\n".to_owned(), "250"),
            (format!("MAIL FROM:<{from}>\r\n"), "250"),
            (format!("RCPT TO:<{to}>\r\n"), "250"),
            ("DATA\r\n".to_owned(), "354"),
            (data, "250"),
            ("QUIT\r\n".to_owned(), "221"),
        ] {
            write.write_all(command.as_bytes()).await.map_err(|e| e.to_string())?;
            expect(code).await?;
        }
        Ok(())
    };
    tokio::time::timeout(Duration::from_secs(30), talk).await.map_err(|_| "邮件中继超时".to_owned())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(|a| back_off(a).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}

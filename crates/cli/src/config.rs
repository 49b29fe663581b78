//! One typed configuration: a TOML file (`--config`), then `QINGTUAN_*` environment variables,
//! then flags. Unknown keys are refused; the database password never appears in `Debug`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use qingtuan_app::crypto::Keys;
use qingtuan_app::messages::sending::{Channel, Sender};
use qingtuan_web::{CookieSecure, WebConfig};

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Directory of the embedded SQLite database (default ./qingtuan-data).
    #[arg(long, env = "QINGTUAN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL (or SQLite) URL; replaces the embedded database.
    #[arg(long = "database", env = "QINGTUAN_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A TOML configuration file.
    #[arg(long, env = "QINGTUAN_CONFIG")]
    pub config: Option<PathBuf>,
    /// The master key for personal data (base64url, 32 bytes). With the embedded database it is
    /// kept in `DATA_DIR/secret.key` and made on first start; with PostgreSQL it must be given.
    #[arg(long, env = "QINGTUAN_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "QINGTUAN_BIND")]
    pub bind: Option<String>,
    /// auto (Secure behind a trusted TLS proxy), always, never.
    #[arg(long, env = "QINGTUAN_COOKIE_SECURE")]
    pub cookie_secure: Option<String>,
    /// Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy.
    #[arg(long, env = "QINGTUAN_TRUST_PROXY")]
    pub trust_proxy: Option<bool>,
    /// Days a password may be used before it must be changed (0: no limit; default 90).
    #[arg(long, env = "QINGTUAN_PASSWORD_MAX_AGE_DAYS")]
    pub password_max_age_days: Option<u32>,
    /// Seconds requests in flight get to finish after SIGTERM or Ctrl-C (default 30).
    #[arg(long, env = "QINGTUAN_SHUTDOWN_DRAIN_SECS")]
    pub shutdown_drain_secs: Option<u32>,
    /// The most rows (the header included) an uploaded import file may hold (default 200000).
    #[arg(long, env = "QINGTUAN_IMPORT_MAX_ROWS")]
    pub import_max_rows: Option<u32>,
    /// The most columns an uploaded import file may hold (default 60).
    #[arg(long, env = "QINGTUAN_IMPORT_MAX_COLUMNS")]
    pub import_max_columns: Option<u32>,
}

/// The configuration file's shape.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    bind: Option<String>,
    cookie_secure: Option<CookieSecure>,
    trust_proxy: Option<bool>,
    secret_key: Option<String>,
    /// Days a password may be used before it must be changed; 0 turns the rule off. Default 90.
    password_max_age_days: Option<u32>,
    /// Seconds requests in flight get to finish at shutdown. Default 30.
    shutdown_drain_secs: Option<u32>,
    /// Import files: the most rows (header included) and columns. Defaults 200000 and 60.
    import_max_rows: Option<u32>,
    import_max_columns: Option<u32>,
    /// Messages to people (`[messages]`).
    messages: Option<MessagesConfig>,
}

/// `[messages]`: where the outbox sends.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MessagesConfig {
    /// `log` (the default), `webhook` or `smtp`.
    channel: Option<String>,
    webhook_url: Option<String>,
    webhook_token: Option<String>,
    /// `host:port` of a mail relay the district runs.
    smtp_relay: Option<String>,
    smtp_from: Option<String>,
    /// The address a message goes to, `{phone}` standing for the number (an e-mail-to-SMS gateway).
    smtp_to: Option<String>,
    /// The server's public address (`https://qingtuan.example.org`), for the opt-out links.
    public_url: Option<String>,
}

impl MessagesConfig {
    fn sender(self) -> anyhow::Result<Sender> {
        let missing = |key: &str| anyhow::anyhow!("[messages] 使用 {key} 通道时须填写 {key}_…（见 README）");
        let channel = match self.channel.as_deref().unwrap_or("log") {
            "log" => Channel::Log,
            "webhook" => {
                let url = self.webhook_url.filter(|u| !u.trim().is_empty()).ok_or_else(|| missing("webhook"))?;
                if !url.starts_with("http://") {
                    bail!("[messages] webhook_url 应以 http:// 开头（网关在区里的内网；https 请经本机代理）");
                }
                Channel::Webhook { url, token: self.webhook_token.filter(|t| !t.is_empty()) }
            }
            "smtp" => {
                let (Some(relay), Some(from), Some(to)) = (self.smtp_relay, self.smtp_from, self.smtp_to) else {
                    return Err(missing("smtp"));
                };
                if !to.contains("{phone}") {
                    bail!("[messages] smtp_to 须包含 {{phone}}，如 {{phone}}@sms.example.org");
                }
                Channel::Smtp { relay, from, to }
            }
            other => bail!("[messages] channel 的值“{other}”无效，应为 log、webhook 或 smtp"),
        };
        Ok(Sender { channel, public_url: self.public_url.filter(|u| !u.trim().is_empty()), ..Sender::default() })
    }
}

pub struct Settings {
    pub data_dir: PathBuf,
    secret_key: Option<String>,
    database_url: Option<String>,
    pub bind: String,
    cookie_secure: CookieSecure,
    trust_proxy: bool,
    pub password_max_age_days: u32,
    pub shutdown_drain_secs: u32,
    pub import_limits: qingtuan_app::imports::Limits,
    /// The outbox's worker: its channel and the public address for opt-out links.
    pub messages: Sender,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("database", &self.database_label())
            .field("bind", &self.bind)
            .field("cookie_secure", &self.cookie_secure)
            .field("trust_proxy", &self.trust_proxy)
            .field("password_max_age_days", &self.password_max_age_days)
            .field("shutdown_drain_secs", &self.shutdown_drain_secs)
            .field("import_limits", &self.import_limits)
            .field("messages", &self.messages.channel_name())
            .finish()
    }
}

fn parse_cookie_secure(raw: &str) -> anyhow::Result<CookieSecure> {
    match raw {
        "auto" => Ok(CookieSecure::Auto),
        "always" => Ok(CookieSecure::Always),
        "never" => Ok(CookieSecure::Never),
        other => bail!("cookie_secure 的值“{other}”无效，应为 auto、always 或 never"),
    }
}

impl Settings {
    pub fn load(db: &DbArgs, serve: Option<&ServeArgs>) -> anyhow::Result<Self> {
        let file = match &db.config {
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("无法读取配置文件 {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| anyhow::anyhow!("配置文件 {} 无效：{}", path.display(), e.message()))?
            }
            None => FileConfig::default(),
        };
        let cookie_secure = match serve.and_then(|s| s.cookie_secure.as_deref()) {
            Some(raw) => parse_cookie_secure(raw)?,
            None => file.cookie_secure.unwrap_or_default(),
        };
        let bind = serve.and_then(|s| s.bind.clone()).or(file.bind).unwrap_or_else(|| "127.0.0.1:8080".into());
        let messages = file.messages.unwrap_or_default().sender()?;
        if bind.parse::<std::net::SocketAddr>().is_err() {
            bail!("监听地址“{bind}”无效，应形如 127.0.0.1:8080");
        }
        Ok(Self {
            data_dir: db.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("qingtuan-data")),
            secret_key: db.secret_key.clone().or(file.secret_key).filter(|k| !k.trim().is_empty()),
            database_url: db.database_url.clone().or(file.database_url).filter(|u| !u.trim().is_empty()),
            bind,
            cookie_secure,
            trust_proxy: serve.and_then(|s| s.trust_proxy).or(file.trust_proxy).unwrap_or(false),
            password_max_age_days: serve
                .and_then(|s| s.password_max_age_days)
                .or(file.password_max_age_days)
                .unwrap_or(90),
            shutdown_drain_secs: serve.and_then(|s| s.shutdown_drain_secs).or(file.shutdown_drain_secs).unwrap_or(30),
            import_limits: {
                let default = qingtuan_app::imports::Limits::default();
                let limits = qingtuan_app::imports::Limits {
                    max_rows: serve
                        .and_then(|s| s.import_max_rows)
                        .or(file.import_max_rows)
                        .unwrap_or(default.max_rows),
                    max_columns: serve
                        .and_then(|s| s.import_max_columns)
                        .or(file.import_max_columns)
                        .unwrap_or(default.max_columns),
                };
                if limits.max_rows < 2 || limits.max_columns < 1 {
                    bail!("import_max_rows 至少为 2（表头和一行数据），import_max_columns 至少为 1");
                }
                limits
            },
            messages,
        })
    }

    /// The URL to connect to; for the embedded database, makes sure its directory is writable.
    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:")) {
                bail!("数据库地址无效：应以 postgres:// 或 sqlite: 开头");
            }
            return Ok(url.clone());
        }
        prepare_data_dir(&self.data_dir)?;
        Ok(format!("sqlite://{}?mode=rwc", self.embedded_file().display()))
    }

    /// The embedded database's file.
    pub fn embedded_file(&self) -> PathBuf {
        self.data_dir.join("qingtuan.sqlite")
    }

    /// The embedded database is created only in an empty data directory (the first run): a
    /// directory that holds a key or other files but no database lost its database, and starting
    /// there would silently begin an empty one in its place.
    pub fn refuse_lost_database(&self) -> anyhow::Result<()> {
        if self.database_url.is_some() || self.embedded_file().exists() {
            return Ok(());
        }
        let held = std::fs::read_dir(&self.data_dir)
            .map(|mut entries| entries.next().is_some())
            .with_context(|| format!("无法读取数据目录 {}", self.data_dir.display()))?;
        if held {
            bail!(
                "数据目录 {} 中没有数据库 qingtuan.sqlite，但有其他文件（如密钥）：数据库可能已丢失。不会自动新建空数据库；请用 qingtuan restore 从备份恢复，或指定一个空目录",
                self.data_dir.display()
            );
        }
        Ok(())
    }

    /// The database as it may be printed: the embedded file, or the URL without its password.
    pub fn database_label(&self) -> String {
        match &self.database_url {
            Some(url) => redact(url),
            None => self.embedded_file().display().to_string(),
        }
    }

    /// The keys for personal data: configured, or the embedded database's key file (made once).
    pub fn keys(&self) -> anyhow::Result<Keys> {
        Keys::parse_master(&self.master_key()?).map_err(|e| anyhow::anyhow!("密钥无效：{e}"))
    }

    /// The master key as configured or kept in the key file (base64url); made on the first run.
    pub fn master_key(&self) -> anyhow::Result<String> {
        let encoded = match (&self.secret_key, &self.database_url) {
            (Some(k), _) => k.clone(),
            (None, Some(_)) => bail!("使用外部数据库时必须配置 secret_key（或环境变量 QINGTUAN_SECRET_KEY）"),
            (None, None) => {
                let path = self.data_dir.join("secret.key");
                if !path.exists() {
                    if self.embedded_file().exists() {
                        bail!(
                            "找不到密钥文件 {}：数据库中的身份证号和手机号无法解密。请把与数据库一同备份的密钥放回原处（或用 qingtuan restore 恢复备份），不会生成新密钥",
                            path.display()
                        );
                    }
                    write_private(&path, &Keys::generate_master())?;
                }
                std::fs::read_to_string(&path).with_context(|| format!("无法读取密钥文件 {}", path.display()))?
            }
        };
        Ok(encoded.trim().to_owned())
    }

    /// Is the database PostgreSQL (not SQLite, embedded or by URL)?
    pub fn is_postgres(&self) -> bool {
        self.database_url.as_deref().is_some_and(|u| u.starts_with("postgres"))
    }

    pub fn web(&self) -> WebConfig {
        WebConfig { cookie_secure: self.cookie_secure, trust_proxy: self.trust_proxy }
    }
}

pub fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建数据目录 {}", dir.display()))?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").with_context(|| format!("数据目录 {} 不可写", dir.display()))?;
    std::fs::remove_file(&probe).with_context(|| format!("数据目录 {} 不可写", dir.display()))?;
    Ok(())
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("无法创建密钥文件 {}", path.display()))?;
    file.write_all(contents.as_bytes()).with_context(|| format!("无法写入密钥文件 {}", path.display()))
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:pw@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}

//! `qingtuan load`: a load generator for a server on this machine. N sessions log in at once,
//! then each mixes page reads, report API calls and writes (new branches under one org) for a
//! bounded time; at the end it prints requests per second, p50/p99 by kind, errors by kind, and
//! how many acknowledged writes are missing from the server's org list. Loopback only.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// The server, on this machine (e.g. http://127.0.0.1:8080).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// The account every session logs in as; its password is read from standard input.
    #[arg(long)]
    pub user: String,
    /// Sessions at once (at most 500).
    #[arg(long, default_value_t = 32)]
    pub sessions: usize,
    /// Seconds of load after the logins (at most 600).
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Share of requests that are writes, in percent.
    #[arg(long, default_value_t = 10)]
    pub write_percent: u32,
    /// Share of requests that are report API calls, in percent (the rest are pages).
    #[arg(long, default_value_t = 20)]
    pub api_percent: u32,
    /// One page only, e.g. `/dashboard` (with the dates below) or `/people?q=%E5%BC%A0`: a
    /// benchmark of that page.
    #[arg(long)]
    pub only: Option<String>,
    /// Report dates for the dashboard and the API (the demo's by default).
    #[arg(long, default_value = "2022-05-31")]
    pub as_of: String,
    #[arg(long, default_value = "2020-12-31")]
    pub baseline: String,
    /// The org under which writes create branches (default: the top of what the user sees).
    #[arg(long)]
    pub parent: Option<String>,
}

/// What one request was: "login", "write", "api" or the page's path.
type Kind = &'static str;

#[derive(Default)]
struct Tally {
    latencies: BTreeMap<Kind, Vec<Duration>>,
    errors: BTreeMap<String, usize>,
    acknowledged: Vec<String>,
    /// A session kept for reading the org list at the end (a new login may fail on a full disk).
    checker: Option<Session>,
}

/// The pages a session reads in turn.
const PAGES: [&str; 6] = ["/dashboard", "/orgs", "/people?q=%E5%BC%A0", "/volunteering", "/orgs?q=s", "/activities"];

#[derive(Clone)]
struct Session {
    agent: ureq::Agent,
    base: String,
    cookie: String,
    csrf: String,
}

pub fn run(args: LoadArgs) -> anyhow::Result<()> {
    let host = args.url.trim_start_matches("http://").split(['/', ':']).next().unwrap_or_default().to_owned();
    if !matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]") {
        bail!("只对本机的服务器施加负载（--url 应为 http://127.0.0.1:端口）");
    }
    if args.sessions == 0 || args.sessions > 500 || args.seconds > 600 {
        bail!("会话数应为 1 至 500，时长不超过 600 秒");
    }
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("无法从标准输入读取密码")?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let base = args.url.trim_end_matches('/').to_owned();
    let dates = format!("as_of={}&baseline={}", args.as_of, args.baseline);

    // Codes of this run's writes differ from any earlier run's.
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() % 100_000);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let barrier = Arc::new(std::sync::Barrier::new(args.sessions));
    let threads: Vec<_> = (0..args.sessions)
        .map(|n| {
            let (args, base, password, dates) = (args.clone(), base.clone(), password.clone(), dates.clone());
            let (tally, barrier) = (tally.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let Some(session) = login(&base, &args.user, &password, &tally) else { return };
                lock(&tally).checker.get_or_insert_with(|| session.clone());
                let parent = args.parent.clone().or_else(|| top_org(&session)).unwrap_or_default();
                let until = Instant::now() + Duration::from_secs(args.seconds);
                let mut i = 0_u64;
                while Instant::now() < until {
                    i += 1;
                    let roll = ((n as u64 * 7919 + i * 104_729) % 100) as u32;
                    if let Some(only) = &args.only {
                        let path = if only == "/dashboard" { format!("/dashboard?{dates}") } else { only.clone() };
                        timed(&tally, "only", || session.get(&path));
                    } else if roll < args.write_percent {
                        let code = format!("LD{run}x{n}x{i}");
                        let status = timed(&tally, "write", || session.create_org(&parent, &code));
                        if status == Some(303) {
                            lock(&tally).acknowledged.push(code);
                        }
                    } else if roll < args.write_percent + args.api_percent {
                        timed(&tally, "api", || session.get(&format!("/api/v1/reports?{dates}")));
                    } else {
                        let page = PAGES[(i % PAGES.len() as u64) as usize];
                        let path = if page == "/dashboard" { format!("/dashboard?{dates}") } else { page.to_owned() };
                        timed(&tally, page, || session.get(&path));
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    let elapsed = started.elapsed();

    let tally = Arc::try_unwrap(tally).map_err(|_| anyhow::anyhow!("负载线程未结束"))?;
    let tally = tally.into_inner().map_err(|_| anyhow::anyhow!("统计数据损坏"))?;
    // The server may be down (a kill drill): the figures are printed whatever the check gives.
    let lost = match &tally.checker {
        Some(session) => lost_writes(session, &tally.acknowledged).map(|n| n.to_string()),
        None => Ok("0".to_owned()),
    }
    .unwrap_or_else(|e| format!("无法核对（{e}）"));
    let total: usize = tally.latencies.values().map(Vec::len).sum();
    println!(
        "{} 个会话，{:.1} 秒：{total} 个请求，{:.1} 个/秒",
        args.sessions,
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    for (kind, mut times) in tally.latencies {
        times.sort();
        println!(
            "  {kind:<22} {:>7} 个  p50 {:>7.1} ms  p99 {:>7.1} ms  最慢 {:>7.1} ms",
            times.len(),
            ms(percentile(&times, 50)),
            ms(percentile(&times, 99)),
            ms(times.last().copied().unwrap_or_default()),
        );
    }
    let errors: usize = tally.errors.values().sum();
    println!("错误 {errors} 个{}", if errors == 0 { String::new() } else { format!("：{:?}", tally.errors) });
    println!("已确认的写入 {} 个，丢失 {lost} 个", tally.acknowledged.len());
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() * p).div_ceil(100)).saturating_sub(1).min(sorted.len() - 1)]
}

fn lock(tally: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs one request, records its time under `kind` and any error by status or cause.
fn timed(tally: &Mutex<Tally>, kind: Kind, request: impl FnOnce() -> Result<u16, String>) -> Option<u16> {
    let start = Instant::now();
    let result = request();
    let took = start.elapsed();
    let mut t = lock(tally);
    t.latencies.entry(kind).or_default().push(took);
    match result {
        Ok(status) if status < 400 => Some(status),
        Ok(status) => {
            *t.errors.entry(format!("{kind} HTTP {status}")).or_default() += 1;
            Some(status)
        }
        Err(cause) => {
            *t.errors.entry(format!("{kind} {cause}")).or_default() += 1;
            drop(t);
            // The server is unreachable: wait a moment rather than spin.
            std::thread::sleep(Duration::from_millis(100));
            None
        }
    }
}

fn login(base: &str, user: &str, password: &str, tally: &Mutex<Tally>) -> Option<Session> {
    let agent = ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(60)).build();
    let mut session = None;
    timed(tally, "login", || {
        let page = agent.get(&format!("{base}/login")).call().map_err(|e| short(&e))?;
        let cookie = page.header("set-cookie").and_then(|c| c.split(';').next()).unwrap_or_default().to_owned();
        let csrf = csrf_of(&page.into_string().map_err(|e| e.to_string())?).unwrap_or_default();
        let res = agent.post(&format!("{base}/login")).set("cookie", &cookie).send_form(&[
            ("_csrf", &csrf),
            ("username", user),
            ("password", password),
        ]);
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(code, _)) => return Ok(code),
            Err(e) => return Err(short(&e)),
        };
        let status = res.status();
        let Some(cookie) =
            res.all("set-cookie").into_iter().find(|c| c.contains("session=")).and_then(|c| c.split(';').next())
        else {
            return Ok(if status == 303 { 401 } else { status });
        };
        let mut s =
            Session { agent: agent.clone(), base: base.to_owned(), cookie: cookie.to_owned(), csrf: String::new() };
        let html = s.agent.get(&format!("{base}/account")).set("cookie", &s.cookie).call().map_err(|e| short(&e))?;
        s.csrf = csrf_of(&html.into_string().map_err(|e| e.to_string())?).unwrap_or_default();
        session = Some(s);
        Ok(status)
    });
    session
}

impl Session {
    fn get(&self, path: &str) -> Result<u16, String> {
        match self.agent.get(&format!("{}{path}", self.base)).set("cookie", &self.cookie).call() {
            Ok(r) => {
                let status = r.status();
                let _ = r.into_string();
                Ok(status)
            }
            Err(ureq::Error::Status(code, _)) => Ok(code),
            Err(e) => Err(short(&e)),
        }
    }

    fn create_org(&self, parent: &str, code: &str) -> Result<u16, String> {
        let name = format!("负载测试团支部{code}");
        let form = [
            ("_csrf", self.csrf.as_str()),
            ("parent_code", parent),
            ("code", code),
            ("name", &name),
            ("kind", "branch"),
        ];
        match self.agent.post(&format!("{}/orgs", self.base)).set("cookie", &self.cookie).send_form(&form) {
            Ok(r) => Ok(r.status()),
            Err(ureq::Error::Status(code, _)) => Ok(code),
            Err(e) => Err(short(&e)),
        }
    }
}

/// The code of the first org the user sees (the top of their tree).
fn top_org(session: &Session) -> Option<String> {
    let res = session.agent.get(&format!("{}/api/v1/orgs", session.base)).set("cookie", &session.cookie).call().ok()?;
    let orgs: serde_json::Value = res.into_json().ok()?;
    orgs.get(0)?.get("code")?.as_str().map(str::to_owned)
}

/// Acknowledged writes the server's org list does not have.
fn lost_writes(session: &Session, acknowledged: &[String]) -> anyhow::Result<usize> {
    if acknowledged.is_empty() {
        return Ok(0);
    }
    let res = session
        .agent
        .get(&format!("{}/api/v1/orgs", session.base))
        .set("cookie", &session.cookie)
        .call()
        .context("无法读取组织列表")?;
    let orgs: serde_json::Value = res.into_json().context("组织列表不是 JSON")?;
    let present: std::collections::HashSet<&str> =
        orgs.as_array().into_iter().flatten().filter_map(|o| o.get("code")?.as_str()).collect();
    Ok(acknowledged.iter().filter(|c| !present.contains(c.as_str())).count())
}

fn csrf_of(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

fn short(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Status(code, _) => format!("HTTP {code}"),
        ureq::Error::Transport(t) => format!("{:?}", t.kind()),
    }
}
